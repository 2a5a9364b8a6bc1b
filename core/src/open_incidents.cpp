#include "citywall/open_incidents.hpp"

#include <utility>

#include "byte_io.hpp"

namespace citywall {

// 96 bytes. The text run holds the title first (title_size bytes, so a view reads it in place),
// then the description, the sources and the provenance.
struct OpenIncidents::Record {
    std::uint64_t id = 0;  // 0: a free slot, or "was not open" in a change's before
    LonLat location;
    TimeMs occurred = 0;
    TimeMs received = 0;
    TimeMs updated = 0;
    TimeMs due = 0;
    std::uint64_t text = 0;
    std::uint32_t text_size = 0;
    std::uint32_t title_size = 0;
    std::uint32_t path = 0;
    std::uint32_t beat = 0;
    std::uint32_t category = 0;
    std::uint32_t department = 0;
    std::uint32_t crs = 0;
    Severity severity = Severity::moderate;
    IncidentStatus status = IncidentStatus::reported;
    std::uint8_t escalation = 0;
    bool drill = false;
};

namespace {

constexpr std::size_t kMinIndex = 64;
// Runs no record refers to are dropped once they are this much of the arena, and at least:
constexpr std::size_t kCompactAbove = 1 << 20;

std::size_t home(std::uint64_t id, std::size_t mask) {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

std::string path_key(const GridPath& grid) {
    std::string key;
    for (const AreaRef* area : {&grid.district, &grid.street, &grid.community, &grid.grid}) {
        key += area->code;
        key += '\x1f';
        key += area->name;
        key += '\x1e';
    }
    return key;
}

}  // namespace

OpenIncidents::OpenIncidents() {
    clear();
}
OpenIncidents::~OpenIncidents() = default;
OpenIncidents::OpenIncidents(OpenIncidents&&) noexcept = default;
OpenIncidents& OpenIncidents::operator=(OpenIncidents&&) noexcept = default;

void OpenIncidents::clear() {
    std::vector<Record>().swap(records_);
    std::vector<std::uint32_t>().swap(free_slots_);
    count_ = 0;
    index_.assign(kMinIndex, kNoSlot);
    std::string().swap(text_);
    text_garbage_ = 0;
    words_.clear();
    word_index_.clear();
    paths_.clear();
    path_index_.clear();
    beats_.clear();
    beat_index_.clear();
    // Index 0 of each table is the empty value.
    word({});
    path({});
    beat({});
    drop_changes();
}

// ========================================================================== index ====

std::uint32_t OpenIncidents::slot_of(std::uint64_t id) const {
    if (id == 0) return kNoSlot;
    const std::size_t mask = index_.size() - 1;
    for (std::size_t i = home(id, mask);; i = (i + 1) & mask) {
        const std::uint32_t slot = index_[i];
        if (slot == kNoSlot) return kNoSlot;
        if (records_[slot].id == id) return slot;
    }
}

void OpenIncidents::index_insert(std::uint64_t id, std::uint32_t slot) {
    if ((count_ + 1) * 2 > index_.size()) index_grow();
    const std::size_t mask = index_.size() - 1;
    std::size_t i = home(id, mask);
    while (index_[i] != kNoSlot)
        i = (i + 1) & mask;
    index_[i] = slot;
}

void OpenIncidents::index_grow() {
    std::vector<std::uint32_t> old(index_.size() * 2, kNoSlot);
    old.swap(index_);
    const std::size_t mask = index_.size() - 1;
    for (const std::uint32_t slot : old) {
        if (slot == kNoSlot) continue;
        std::size_t i = home(records_[slot].id, mask);
        while (index_[i] != kNoSlot)
            i = (i + 1) & mask;
        index_[i] = slot;
    }
}

// Backward-shift deletion: no tombstones, so lookups stay short under churn.
void OpenIncidents::index_erase(std::uint64_t id) {
    const std::size_t mask = index_.size() - 1;
    std::size_t i = home(id, mask);
    while (index_[i] != kNoSlot && records_[index_[i]].id != id)
        i = (i + 1) & mask;
    if (index_[i] == kNoSlot) return;
    for (std::size_t j = (i + 1) & mask; index_[j] != kNoSlot; j = (j + 1) & mask) {
        const std::size_t k = home(records_[index_[j]].id, mask);
        // Move j into the hole at i unless its home lies cyclically in (i, j].
        const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        index_[i] = index_[j];
        i = j;
    }
    index_[i] = kNoSlot;
}

// =================================================================== shared strings ====

std::uint32_t OpenIncidents::word(std::string_view text) {
    const auto [it, added] =
        word_index_.try_emplace(std::string(text), static_cast<std::uint32_t>(words_.size()));
    if (added) words_.emplace_back(text);
    return it->second;
}

std::uint32_t OpenIncidents::path(const GridPath& grid) {
    const auto [it, added] =
        path_index_.try_emplace(path_key(grid), static_cast<std::uint32_t>(paths_.size()));
    if (added) paths_.push_back(grid);
    return it->second;
}

std::uint32_t OpenIncidents::beat(const AreaRef& beat) {
    const auto [it, added] = beat_index_.try_emplace(beat.code + '\x1f' + beat.name,
                                                     static_cast<std::uint32_t>(beats_.size()));
    if (added) beats_.push_back(beat);
    return it->second;
}

// ========================================================================= records ====

void OpenIncidents::note_change(std::uint32_t slot, std::uint64_t id) {
    const auto [it, first] =
        changed_at_.try_emplace(id, static_cast<std::uint32_t>(changed_ids_.size()));
    if (!first) return;
    changed_ids_.push_back(id);
    changed_before_.push_back(slot == kNoSlot ? Record{} : records_[slot]);
}

void OpenIncidents::put(const Incident& incident) {
    if (!incident.open()) {
        erase(incident.id);
        return;
    }
    if (incident.id == 0) return;  // ingest never gives 0; it marks a free slot here
    std::uint32_t slot = slot_of(incident.id);
    note_change(slot, incident.id);
    if (slot == kNoSlot) {
        if (free_slots_.empty()) {
            slot = static_cast<std::uint32_t>(records_.size());
            records_.emplace_back();
        } else {
            slot = free_slots_.back();
            free_slots_.pop_back();
        }
        records_[slot].id = incident.id;
        index_insert(incident.id, slot);
        ++count_;
    } else {
        text_garbage_ += records_[slot].text_size;
    }
    Record& r = records_[slot];
    r.location = incident.location;
    r.occurred = incident.occurred;
    r.received = incident.received;
    r.updated = incident.updated;
    r.due = incident.due;
    r.path = path(incident.grid);
    r.beat = beat(incident.beat);
    r.category = word(incident.category);
    r.department = word(incident.department());
    r.crs = word(incident.source_crs);
    r.severity = incident.severity;
    r.status = incident.status;
    r.escalation = incident.escalation;
    r.drill = incident.drill;

    r.text = text_.size();
    r.title_size = static_cast<std::uint32_t>(incident.title.size());
    text_ += incident.title;
    detail::ByteWriter out(text_);
    out.put_string(incident.description);
    out.put(static_cast<std::uint32_t>(incident.sources.size()));
    for (const SourceRef& source : incident.sources) {
        out.put(word(source.department));
        out.put_string(source.source_id);
        out.put(static_cast<std::uint8_t>(source.status));
        out.put(source.reported);
    }
    out.put_string(incident.provenance.centre);
    out.put(incident.provenance.incident);
    out.put(incident.provenance.seq);
    r.text_size = static_cast<std::uint32_t>(text_.size() - r.text);
    if (text_garbage_ > kCompactAbove && text_garbage_ * 2 > text_.size()) compact_text();
}

bool OpenIncidents::erase(std::uint64_t id) {
    const std::uint32_t slot = slot_of(id);
    if (slot == kNoSlot) return false;
    note_change(slot, id);
    index_erase(id);
    text_garbage_ += records_[slot].text_size;
    records_[slot] = Record{};
    free_slots_.push_back(slot);
    --count_;
    return true;
}

void OpenIncidents::compact_text() {
    std::string packed;
    packed.reserve(text_.size() - text_garbage_);
    for (Record& r : records_) {
        if (r.id == 0) continue;
        const std::uint64_t at = packed.size();
        packed.append(text_, r.text, r.text_size);
        r.text = at;
    }
    text_.swap(packed);
    text_garbage_ = 0;
}

// =========================================================================== reads ====

IncidentView OpenIncidents::view(const Record& r, bool with_text) const {
    IncidentView v{
        r.id,
        r.severity,
        r.status,
        r.escalation,
        r.drill,
        r.location,
        r.occurred,
        r.received,
        r.updated,
        r.due,
        words_[r.category],
        paths_[r.path],
        beats_[r.beat],
        with_text ? std::string_view(text_).substr(r.text, r.title_size) : std::string_view(),
        r.path,
        r.beat,
        words_[r.department]};
    return v;
}

std::optional<IncidentView> OpenIncidents::find(std::uint64_t id) const {
    const std::uint32_t slot = slot_of(id);
    if (slot == kNoSlot) return std::nullopt;
    return view(records_[slot], true);
}

std::optional<Incident> OpenIncidents::incident(std::uint64_t id) const {
    const std::uint32_t slot = slot_of(id);
    if (slot == kNoSlot) return std::nullopt;
    const Record& r = records_[slot];
    Incident incident;
    incident.id = r.id;
    incident.category = words_[r.category];
    incident.severity = r.severity;
    incident.status = r.status;
    incident.escalation = r.escalation;
    incident.location = r.location;
    incident.source_crs = words_[r.crs];
    incident.grid = paths_[r.path];
    incident.beat = beats_[r.beat];
    incident.occurred = r.occurred;
    incident.received = r.received;
    incident.updated = r.updated;
    incident.due = r.due;
    incident.drill = r.drill;
    incident.title.assign(text_, r.text, r.title_size);
    // The run was written by put() above; a short one would be a bug here, not bad input.
    detail::ByteReader in(
        std::string_view(text_).substr(r.text + r.title_size, r.text_size - r.title_size));
    constexpr std::uint32_t kAny = 0xffffffffu;
    in.get_string(incident.description, kAny);
    std::uint32_t sources = 0;
    in.get(sources);
    for (std::uint32_t i = 0; i < sources && in.ok(); ++i) {
        SourceRef& source = incident.sources.emplace_back();
        std::uint32_t department = 0;
        std::uint8_t status = 0;
        in.get(department);
        source.department = words_[department];
        in.get_string(source.source_id, kAny);
        in.get(status);
        source.status = static_cast<IncidentStatus>(status);
        in.get(source.reported);
    }
    in.get_string(incident.provenance.centre, kAny);
    in.get(incident.provenance.incident);
    in.get(incident.provenance.seq);
    return incident;
}

std::vector<Incident> OpenIncidents::copy_all() const {
    std::vector<Incident> all;
    all.reserve(count_);
    for (const Record& r : records_)
        if (r.id != 0) all.push_back(*incident(r.id));
    return all;
}

std::size_t OpenIncidents::memory_bytes() const {
    std::size_t bytes = records_.capacity() * sizeof(Record) +
                        free_slots_.capacity() * sizeof(std::uint32_t) +
                        index_.capacity() * sizeof(std::uint32_t) + text_.capacity();
    for (const std::string& w : words_)
        bytes += sizeof w + w.capacity() + 48;  // and its index entry, roughly
    bytes += paths_.size() * (sizeof(GridPath) + 8 * 16 + 96);
    bytes += beats_.size() * (sizeof(AreaRef) + 2 * 16 + 64);
    return bytes;
}

// ======================================================================= iteration ====

OpenIncidents::Iterator::Iterator(const OpenIncidents* store, std::uint32_t slot)
    : store_(store), slot_(slot) {
    while (slot_ < store_->records_.size() && store_->records_[slot_].id == 0)
        ++slot_;
}

std::pair<std::uint64_t, IncidentView> OpenIncidents::Iterator::operator*() const {
    const Record& r = store_->records_[slot_];
    return {r.id, store_->view(r, true)};
}

OpenIncidents::Iterator& OpenIncidents::Iterator::operator++() {
    ++slot_;
    while (slot_ < store_->records_.size() && store_->records_[slot_].id == 0)
        ++slot_;
    return *this;
}

OpenIncidents::Iterator OpenIncidents::begin() const {
    return Iterator(this, 0);
}

OpenIncidents::Iterator OpenIncidents::end() const {
    return Iterator(this, static_cast<std::uint32_t>(records_.size()));
}

// ========================================================================= changes ====

std::vector<OpenIncidents::Change> OpenIncidents::take_changes() {
    std::vector<Change> out;
    out.reserve(changed_ids_.size());
    for (std::size_t i = 0; i < changed_ids_.size(); ++i) {
        const Record& before = changed_before_[i];
        out.push_back(
            {changed_ids_[i], before.id == 0 ? std::nullopt : std::optional(view(before, false))});
    }
    drop_changes();
    return out;
}

void OpenIncidents::drop_changes() {
    changed_ids_.clear();
    changed_before_.clear();
    changed_at_.clear();
}

}  // namespace citywall
