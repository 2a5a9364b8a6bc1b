// The open incidents a subscriber holds, kept compact: a wall follows a million of them.
//
// One fixed-size record per incident in a dense array with stable slots. The strings many
// incidents share (category, department, the area path, the CRS) are stored once and
// referred to by index. The rest of each incident's text (title, description, its departments'
// own ids, provenance) is one packed run in a shared arena. An open-addressed index finds a slot
// by id. About 90 bytes an incident plus its text, where a hash map of `Incident`s takes over
// 700 (docs/viewer.md, "Memory").
//
// Readers get an IncidentView: the fields a wall draws, counts, filters and sorts, without
// building an `Incident`. incident() builds the whole one, for a detail panel.
//
// Ingest holds its open incidents in the same store (with its own indices beside it), and
// works out what an event changes with change(): one IncidentChange, before and after, that
// the journal, the day's counts, the case history and the escalation schedule all read.
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
    bool federated = false;  // another centre fed it (Incident::provenance is not empty)
    bool outside = false;    // outside the city (Incident::far_m > 0)
    CaseStage stage = CaseStage::received;  // Incident::case_state.stage
    LonLat location;
    TimeMs received = 0;
    TimeMs updated = 0;
    TimeMs due = 0;
    const std::string& category;
    const AreaPath& areas;
    std::string_view title;  // empty in a change's `before` (the text is not kept)
    // Index of the shared area path: equal indices, equal paths (until clear()).
    std::uint32_t areas_key = 0;

    std::string_view department_code;  // the department that first reported it

    // As Incident::open().
    bool open() const {
        return stage != CaseStage::received ? !is_final(stage) : !is_terminal(status);
    }
    // As Incident::department().
    std::string_view department() const { return department_code; }
};

// The fields of an incident an event can change. When it was updated, and when each of its
// departments last reported, are not among them: a report that changes only those says nothing
// new.
enum class IncidentField : std::uint16_t {
    status = 1u << 0,
    severity = 1u << 1,
    category = 1u << 2,
    place = 1u << 3,  // position, areas or the coordinate system it was sent in
    title = 1u << 4,
    description = 1u << 5,
    sources = 1u << 6,  // a department joined, or one's own id or status changed
    due = 1u << 7,
    escalation = 1u << 8,
    occurred = 1u << 9,
    received = 1u << 10,
    drill = 1u << 11,
    provenance = 1u << 12,
    // Any field of the schema added after the store was written: it keeps those as the schema
    // encodes them, so a new field needs no code here (core/src/wire_schema.hpp).
    other = 1u << 13,
};

class IncidentFields {
  public:
    IncidentFields() = default;
    static IncidentFields all() { return IncidentFields(0x3fff); }
    bool has(IncidentField field) const { return bits_ & static_cast<std::uint16_t>(field); }
    void add(IncidentField field) { bits_ |= static_cast<std::uint16_t>(field); }
    bool empty() const { return bits_ == 0; }
    std::uint16_t bits() const { return bits_; }
    friend bool operator==(IncidentFields, IncidentFields) = default;

  private:
    explicit IncidentFields(std::uint16_t bits) : bits_(bits) {}
    std::uint16_t bits_ = 0;
};

// What one event does to one incident: the incident before it (nothing: it was not open), the
// incident after it, and what moved between them. Worked out once, by OpenIncidents::change(),
// and read by everything the event touches.
struct IncidentChange {
    std::optional<IncidentView> before;  // without text; valid while its store is not cleared
    Incident after;
    IncidentFields moved;  // every field when it was not open
    // Bit k: after.sources[k] says something new (its first report, or another status). A
    // source past the 64th always counts as new.
    std::uint64_t spoke = 0;

    std::uint64_t id() const { return after.id; }
    bool opened() const { return !before; }
    // Nothing but times: the same words again.
    bool nothing_new() const { return before && moved.empty(); }
    bool said_something(std::size_t source) const { return source >= 64 || (spoke >> source & 1u); }
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
    // The same into `out`, reusing its storage; false (and `out` untouched) when not open.
    bool fill(Incident& out, std::uint64_t id) const;
    // Whether `department` is one of the departments that reported it.
    bool reported_by(std::uint64_t id, std::string_view department) const;

    // What putting `after` would change; the store is not touched.
    IncidentChange change(Incident after) const;

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
    struct Run;
    struct SourceWords;
    Run read_run(const Record& record) const;
    template <class Visit>
    void for_each_source(const Run& run, Visit visit) const;

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
    InternTable<AreaPath, AreaPathHash> paths_;
    // Pending changes: ids in order of first change, with the record before it.
    std::vector<std::uint64_t> changed_ids_;
    std::vector<Record> changed_before_;  // parallel to changed_ids_; id 0 = was not open
    std::unordered_map<std::uint64_t, std::uint32_t> changed_at_;
    bool track_changes_ = true;
    bool keep_case_details_ = true;
};

}  // namespace citywall
