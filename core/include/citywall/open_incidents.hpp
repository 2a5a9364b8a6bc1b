// The open incidents a subscriber holds, kept compact: a wall follows a million of them.
//
// One fixed-size record per incident in a dense array with stable slots. The strings many
// incidents share (category, department, the grid path, the beat, the CRS) are stored once and
// referred to by index. The rest of each incident's text (title, description, its departments'
// own ids, provenance) is one packed run in a shared arena. An open-addressed index finds a slot
// by id. About 90 bytes an incident plus its text, where a hash map of `Incident`s takes over
// 700 (docs/viewer.md, "Memory").
//
// Readers get an IncidentView: the fields a wall draws, counts, filters and sorts, without
// building an `Incident`. incident() builds the whole one, for a detail panel.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "citywall/id_index.hpp"
#include "citywall/incident.hpp"
#include "citywall/intern_table.hpp"

namespace citywall {

// One open incident as the store holds it. Valid until the store next changes.
struct IncidentView {
    std::uint64_t id = 0;
    Severity severity = Severity::moderate;
    IncidentStatus status = IncidentStatus::reported;
    std::uint8_t escalation = 0;
    bool drill = false;
    LonLat location;
    TimeMs received = 0;
    TimeMs updated = 0;
    TimeMs due = 0;
    const std::string& category;
    const GridPath& grid;
    const AreaRef& beat;
    std::string_view title;  // empty in a change's `before` (the text is not kept)
    // Indices of the shared grid path and beat: equal indices, equal paths (until clear()).
    std::uint32_t grid_key = 0;
    std::uint32_t beat_key = 0;

    std::string_view department_code;  // the department that first reported it

    bool open() const { return !is_terminal(status); }
    // As Incident::department().
    std::string_view department() const { return department_code; }
};

class OpenIncidents {
    struct Record;

  public:
    OpenIncidents();
    ~OpenIncidents();
    OpenIncidents(OpenIncidents&&) noexcept;
    OpenIncidents& operator=(OpenIncidents&&) noexcept;

    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    bool contains(std::uint64_t id) const { return slot_of(id) != kNoSlot; }
    std::optional<IncidentView> find(std::uint64_t id) const;
    // The whole incident as it was received (sources, description, provenance), or nothing.
    std::optional<Incident> incident(std::uint64_t id) const;

    // Every open incident, whole, in slot order: for tests and tools, not for a frame.
    std::vector<Incident> copy_all() const;

    // Inserts or replaces. An incident that is not open is erased instead.
    void put(const Incident& incident);
    bool erase(std::uint64_t id);
    void clear();

    // Bytes held, for the bench and the docs' figures.
    std::size_t memory_bytes() const;

    // Iteration in slot order: `for (const auto& [id, incident] : store)`.
    class Iterator {
      public:
        std::pair<std::uint64_t, IncidentView> operator*() const;
        Iterator& operator++();
        bool operator==(const Iterator& other) const { return slot_ == other.slot_; }

      private:
        friend class OpenIncidents;
        Iterator(const OpenIncidents* store, std::uint32_t slot);
        const OpenIncidents* store_;
        std::uint32_t slot_;
    };
    Iterator begin() const;
    Iterator end() const;

    // Changes since the last take_changes(), one per id in the order of its first change, with
    // the incident as it was before that change (nothing if it was not open).
    struct Change {
        std::uint64_t id;
        std::optional<IncidentView> before;
    };
    std::vector<Change> take_changes();
    // Forgets the pending changes (after a snapshot replaced everything).
    void drop_changes();
    // Off: changes are not recorded (a store being filled from a snapshot).
    void track_changes(bool on);
    // Off: what only a detail panel shows is not stored: the description, and each department's
    // own id and report time (its code and status are kept). incident() gives them empty. A
    // wall shows one incident's at a time and asks ingest for it (docs/protocol.md, "Case
    // requests"). Set while the store is empty.
    void keep_case_details(bool on) { keep_case_details_ = on; }
    bool keeps_case_details() const { return keep_case_details_; }
    // Gives back the spare capacity of a store filled at once (after a snapshot).
    void shrink_to_fit();

  private:
    static constexpr std::uint32_t kNoSlot = IdIndex::kNone;

    std::uint32_t slot_of(std::uint64_t id) const;
    IncidentView view(const Record& record, bool with_text) const;
    void note_change(std::uint32_t slot, std::uint64_t id);
    void compact_text();

    std::vector<Record> records_;  // by slot; id 0 = free
    std::vector<std::uint32_t> free_slots_;
    std::size_t count_ = 0;
    IdIndex index_;
    std::vector<char> text_;        // the records' packed text runs
    std::size_t text_garbage_ = 0;  // bytes no record refers to
    std::string run_scratch_;       // put() builds a run here
    // Shared values, by index; references to them hold until clear().
    InternTable<std::string, StringHash> words_;  // categories, departments, CRS names
    InternTable<GridPath, GridPathHash> paths_;
    InternTable<AreaRef, AreaHash> beats_;
    // Pending changes: ids in order of first change, with the record before it.
    std::vector<std::uint64_t> changed_ids_;
    std::vector<Record> changed_before_;  // parallel to changed_ids_; id 0 = was not open
    std::unordered_map<std::uint64_t, std::uint32_t> changed_at_;
    bool track_changes_ = true;
    bool keep_case_details_ = true;
};

}  // namespace citywall
