#include "citywall/open_incidents.hpp"

#include <algorithm>
#include <utility>

#include "byte_io.hpp"
#include "wire_schema.hpp"

namespace citywall {

// 88 bytes. The text run holds the title first (title_size bytes, so a view reads it in place),
// then what only a whole incident needs: occurred, the CRS, the description, the sources (each
// its department and status, then its own id and report time), the provenance, and last every
// other field of the schema as the schema encodes it. Without case details the description and
// the sources' ids and times are left out.
struct OpenIncidents::Record {
    std::uint64_t id = 0;  // 0: a free slot, or "was not open" in a change's before
    LonLat location;
    TimeMs received = 0;
    TimeMs updated = 0;
    TimeMs due = 0;
    std::uint64_t text = 0;  // offset in text_
    std::uint32_t text_size = 0;
    std::uint32_t title_size = 0;
    std::uint32_t path = 0;
    std::uint32_t category = 0;
    std::uint32_t department = 0;
    Severity severity = Severity::moderate;
    IncidentStatus status = IncidentStatus::reported;
    std::uint8_t escalation = 0;
    bool drill = false;
    bool federated = false;
    bool outside = false;  // far_m > 0 (far_m itself is kept encoded with the full incident)
    CaseStage stage = CaseStage::received;  // case_state.stage (the case is kept encoded)
};

namespace {

// Runs no record refers to are dropped once they are this much of the arena, and at least:
constexpr std::size_t kCompactAbove = 1 << 20;

// The incident's fields (by number in wire_schema.hpp) the record and the run pack themselves.
// Any other field is kept as the schema encodes it, at the end of the run: a field added to the
// schema is stored, compared and given back with no code here.
// (12-21 are retired numbers; 29, the areas, is one shared path.)
constexpr std::uint32_t kPackedHere[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,
                                         10, 11, 22, 23, 24, 25, 26, 27, 29};
constexpr std::uint64_t kPackedMask = [] {
    std::uint64_t mask = 0;
    for (std::uint32_t number : kPackedHere)
        mask |= std::uint64_t{1} << number;
    return mask;
}();
constexpr bool kept_encoded(std::uint32_t number) {
    return number >= 64 || !(kPackedMask >> number & 1u);
}

// The fields kept encoded, appended to `out`.
void append_kept_encoded(std::string& out, const Incident& incident) {
    wire::table::append_fields_if(out, incident, kept_encoded);
}

// Lengths and counts in the text runs: seven bits a byte, most of them one byte.
void put_size(std::string& out, std::uint64_t n) {
    while (n >= 0x80) {
        out += static_cast<char>(0x80 | (n & 0x7f));
        n >>= 7;
    }
    out += static_cast<char>(n);
}

std::uint64_t get_size(std::string_view in, std::size_t& at) {
    std::uint64_t n = 0;
    for (int shift = 0; at < in.size() && shift < 64; shift += 7) {
        const auto byte = static_cast<unsigned char>(in[at++]);
        n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
    }
    return n;
}

void put_text(std::string& out, std::string_view text) {
    put_size(out, text.size());
    out += text;
}

std::string_view get_text(std::string_view in, std::size_t& at) {
    const std::size_t size = get_size(in, at);
    const std::string_view text = in.substr(std::min(at, in.size()), size);
    at += size;
    return text;
}

template <class T>
void put_value(std::string& out, T value) {
    detail::ByteWriter(out).put(value);
}

template <class T>
T get_value(std::string_view in, std::size_t& at) {
    T value{};
    detail::ByteReader reader(in.substr(std::min(at, in.size())));
    reader.get(value);
    at += sizeof(T);
    return value;
}

}  // namespace

// A record's text run, read in place.
struct OpenIncidents::Run {
    std::string_view title;
    TimeMs occurred = 0;
    std::uint32_t crs = 0;  // in words_
    std::string_view description;
    std::size_t source_count = 0;
    std::string_view sources;  // the run from the first source on
    std::string_view centre;
    std::uint64_t provenance_incident = 0;
    std::uint64_t provenance_seq = 0;
    std::string_view encoded;  // the fields kept as the schema encodes them
};

struct OpenIncidents::SourceWords {
    std::uint32_t department = 0;  // in words_
    std::string_view source_id;
    IncidentStatus status = IncidentStatus::reported;
    TimeMs reported = 0;
};

// The run was written by put(); the bounds checks only guard against a bug here.
template <class Visit>
void OpenIncidents::for_each_source(const Run& run, Visit visit) const {
    std::size_t at = 0;
    for (std::size_t k = 0; k < run.source_count && at < run.sources.size(); ++k) {
        SourceWords source;
        const std::uint64_t word = get_size(run.sources, at);
        source.department = word < words_.size() ? static_cast<std::uint32_t>(word) : 0;
        source.status = static_cast<IncidentStatus>(get_value<std::uint8_t>(run.sources, at));
        if (keep_case_details_) {
            source.source_id = get_text(run.sources, at);
            source.reported = get_value<TimeMs>(run.sources, at);
        }
        visit(k, source);
    }
}

OpenIncidents::Run OpenIncidents::read_run(const Record& r) const {
    const std::string_view text(text_.data() + r.text, r.text_size);
    Run run;
    run.title = text.substr(0, r.title_size);
    std::size_t at = r.title_size;
    run.occurred = get_value<TimeMs>(text, at);
    const std::uint64_t crs = get_size(text, at);
    run.crs = crs < words_.size() ? static_cast<std::uint32_t>(crs) : 0;
    if (keep_case_details_) run.description = get_text(text, at);
    run.source_count = get_size(text, at);
    const std::size_t sources_at = std::min(at, text.size());
    for (std::size_t k = 0; k < run.source_count && at < text.size(); ++k) {
        get_size(text, at);
        at += 1;  // the status
        if (keep_case_details_) {
            get_text(text, at);
            at += sizeof(TimeMs);
        }
    }
    run.sources = text.substr(sources_at, std::min(at, text.size()) - sources_at);
    if (get_value<std::uint8_t>(text, at)) {
        run.centre = get_text(text, at);
        run.provenance_incident = get_value<std::uint64_t>(text, at);
        run.provenance_seq = get_value<std::uint64_t>(text, at);
    }
    run.encoded = text.substr(std::min(at, text.size()));
    return run;
}

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
    index_.clear();
    std::vector<char>().swap(text_);
    text_garbage_ = 0;
    words_ = {};
    paths_ = {};
    drop_changes();
}

// ========================================================================== index ====

std::uint32_t OpenIncidents::slot_of(std::uint64_t id) const {
    if (id == 0) return kNoSlot;
    return index_.find(id, [this](std::uint32_t slot) { return records_[slot].id; });
}

// ========================================================================= records ====

void OpenIncidents::note_change(std::uint32_t slot, std::uint64_t id) {
    if (!track_changes_) return;
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
    const bool replacing = slot != kNoSlot;
    if (!replacing) {
        if (free_slots_.empty()) {
            slot = static_cast<std::uint32_t>(records_.size());
            records_.emplace_back();
        } else {
            slot = free_slots_.back();
            free_slots_.pop_back();
        }
        records_[slot].id = incident.id;
        index_.insert(incident.id, slot, [this](std::uint32_t at) { return records_[at].id; });
        ++count_;
    }
    Record& r = records_[slot];
    r.location = incident.location;
    r.received = incident.received;
    r.updated = incident.updated;
    r.due = incident.due;
    // An update seldom moves an incident to another grid or category: compare before looking
    // the shared strings up.
    static const std::string kNone;
    const std::string& department =
        incident.sources.empty() ? kNone : incident.sources.front().department;
    if (!replacing || paths_[r.path] != incident.areas) r.path = paths_.intern(incident.areas);
    if (!replacing || words_[r.category] != incident.category)
        r.category = words_.intern(incident.category);
    if (!replacing || words_[r.department] != department) r.department = words_.intern(department);
    r.severity = incident.severity;
    r.status = incident.status;
    r.escalation = incident.escalation;
    r.drill = incident.drill;
    r.federated = !incident.provenance.empty();
    r.outside = incident.far_m > 0;
    r.stage = incident.case_state.stage;

    // The run is built aside, then written over the old one where it fits (a status change
    // keeps its size), else appended.
    std::string& run = run_scratch_;
    run.assign(incident.title);
    put_value(run, incident.occurred);
    put_size(run, words_.intern(incident.source_crs));
    if (keep_case_details_) put_text(run, incident.description);
    put_size(run, incident.sources.size());
    for (const SourceRef& source : incident.sources) {
        put_size(run, words_.intern(source.department));
        put_value(run, static_cast<std::uint8_t>(source.status));
        if (!keep_case_details_) continue;
        put_text(run, source.source_id);
        put_value(run, source.reported);
    }
    const bool federated = !incident.provenance.empty() || incident.provenance.incident != 0 ||
                           incident.provenance.seq != 0;
    put_value(run, static_cast<std::uint8_t>(federated));
    if (federated) {
        put_text(run, incident.provenance.centre);
        put_value(run, incident.provenance.incident);
        put_value(run, incident.provenance.seq);
    }
    append_kept_encoded(run, incident);
    r.title_size = static_cast<std::uint32_t>(incident.title.size());
    if (replacing && run.size() <= r.text_size) {
        text_garbage_ += r.text_size - run.size();
    } else {
        if (replacing) text_garbage_ += r.text_size;
        if (text_.size() + run.size() > text_.capacity()) {
            // A quarter more, not double: at a million incidents the arena is 150 MB.
            text_.reserve(std::max(text_.size() + run.size(), text_.capacity() / 4 * 5));
        }
        r.text = text_.size();
        text_.resize(text_.size() + run.size());
    }
    std::copy(run.begin(), run.end(), text_.begin() + static_cast<std::ptrdiff_t>(r.text));
    r.text_size = static_cast<std::uint32_t>(run.size());
    if (text_garbage_ > kCompactAbove && text_garbage_ * 4 > text_.size()) compact_text();
}

bool OpenIncidents::erase(std::uint64_t id) {
    const std::uint32_t slot = slot_of(id);
    if (slot == kNoSlot) return false;
    note_change(slot, id);
    index_.erase(id, [this](std::uint32_t at) { return records_[at].id; });
    text_garbage_ += records_[slot].text_size;
    records_[slot] = Record{};
    free_slots_.push_back(slot);
    --count_;
    return true;
}

void OpenIncidents::compact_text() {
    std::vector<char> packed;
    packed.reserve(text_.size() - text_garbage_);
    for (Record& r : records_) {
        if (r.id == 0) continue;
        const std::uint64_t at = packed.size();
        const auto from = text_.begin() + static_cast<std::ptrdiff_t>(r.text);
        packed.insert(packed.end(), from, from + r.text_size);
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
        r.federated,
        r.outside,
        r.stage,
        r.location,
        r.received,
        r.updated,
        r.due,
        words_[r.category],
        paths_[r.path],
        with_text ? std::string_view(text_.data() + r.text, r.title_size) : std::string_view(),
        r.path,
        words_[r.department]};
    return v;
}

std::optional<IncidentView> OpenIncidents::find(std::uint64_t id) const {
    const std::uint32_t slot = slot_of(id);
    if (slot == kNoSlot) return std::nullopt;
    return view(records_[slot], true);
}

std::optional<Incident> OpenIncidents::incident(std::uint64_t id) const {
    Incident incident;
    if (!fill(incident, id)) return std::nullopt;
    return incident;
}

bool OpenIncidents::fill(Incident& incident, std::uint64_t id) const {
    const std::uint32_t slot = slot_of(id);
    if (slot == kNoSlot) return false;
    const Record& r = records_[slot];
    incident.id = r.id;
    incident.category = words_[r.category];
    incident.severity = r.severity;
    incident.status = r.status;
    incident.escalation = r.escalation;
    incident.location = r.location;
    incident.areas = paths_[r.path];
    incident.received = r.received;
    incident.updated = r.updated;
    incident.due = r.due;
    incident.drill = r.drill;
    const Run run = read_run(r);
    incident.title.assign(run.title);
    incident.occurred = run.occurred;
    incident.source_crs = words_[run.crs];
    incident.description.assign(run.description);
    incident.sources.resize(run.source_count);
    for_each_source(run, [&](std::size_t k, const SourceWords& from) {
        SourceRef& to = incident.sources[k];
        to.department = words_[from.department];
        to.source_id.assign(from.source_id);
        to.status = from.status;
        to.reported = from.reported;
    });
    incident.provenance.centre.assign(run.centre);
    incident.provenance.incident = run.provenance_incident;
    incident.provenance.seq = run.provenance_seq;
    wire::table::zero_if(incident, kept_encoded);
    if (!run.encoded.empty()) {
        const auto* p = reinterpret_cast<const wire::table::Byte*>(run.encoded.data());
        const char* why = nullptr;
        // Written by put() from an incident the same schema encoded: it reads back.
        (void)wire::table::decode_body(p, p + run.encoded.size(), incident, why);
    }
    return true;
}

bool OpenIncidents::reported_by(std::uint64_t id, std::string_view department) const {
    const std::uint32_t slot = slot_of(id);
    const auto word = words_.find(std::string(department));
    if (slot == kNoSlot || !word) return false;
    bool found = false;
    for_each_source(read_run(records_[slot]), [&](std::size_t, const SourceWords& source) {
        found = found || source.department == *word;
    });
    return found;
}

// The one place where what an event changes is worked out: field by field against the record
// and its text run, without building the incident it holds.
IncidentChange OpenIncidents::change(Incident after) const {
    IncidentChange change;
    change.after = std::move(after);
    const Incident& in = change.after;
    const std::uint32_t slot = slot_of(in.id);
    if (slot == kNoSlot) {
        change.moved = IncidentFields::all();
        change.spoke = ~std::uint64_t{0};
        return change;
    }
    const Record& r = records_[slot];
    change.before.emplace(view(r, false));
    IncidentFields& moved = change.moved;
    const auto mark = [&](bool differs, IncidentField field) {
        if (differs) moved.add(field);
    };
    mark(r.status != in.status, IncidentField::status);
    mark(r.severity != in.severity, IncidentField::severity);
    mark(r.escalation != in.escalation, IncidentField::escalation);
    mark(r.drill != in.drill, IncidentField::drill);
    mark(r.due != in.due, IncidentField::due);
    mark(r.received != in.received, IncidentField::received);
    mark(words_[r.category] != in.category, IncidentField::category);
    const Run run = read_run(r);
    mark(r.location != in.location || paths_[r.path] != in.areas ||
             words_[run.crs] != in.source_crs || r.outside != (in.far_m > 0),
         IncidentField::place);
    mark(run.title != in.title, IncidentField::title);
    mark(run.occurred != in.occurred, IncidentField::occurred);
    // Without case details the store does not know the description or the departments' ids.
    mark(keep_case_details_ && run.description != in.description, IncidentField::description);
    mark(run.centre != in.provenance.centre || run.provenance_incident != in.provenance.incident ||
             run.provenance_seq != in.provenance.seq,
         IncidentField::provenance);
    thread_local std::string encoded;
    encoded.clear();
    append_kept_encoded(encoded, in);
    mark(run.encoded != encoded, IncidentField::other);

    const auto same_source = [&](const SourceWords& held, const SourceRef& source) {
        return words_[held.department] == source.department &&
               (!keep_case_details_ || held.source_id == source.source_id);
    };
    bool sources_moved = run.source_count != in.sources.size();
    std::uint64_t unmatched =
        in.sources.size() >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << in.sources.size()) - 1;
    std::uint64_t spoke = 0;
    for_each_source(run, [&](std::size_t k, const SourceWords& held) {
        if (k >= in.sources.size() || !same_source(held, in.sources[k]) ||
            held.status != in.sources[k].status)
            sources_moved = true;
        // The same department's same id, wherever it now stands in the list.
        for (std::size_t j = 0; j < in.sources.size() && j < 64; ++j) {
            if (!(unmatched >> j & 1u) || !same_source(held, in.sources[j])) continue;
            unmatched &= ~(std::uint64_t{1} << j);
            if (held.status != in.sources[j].status) spoke |= std::uint64_t{1} << j;
            break;
        }
    });
    mark(sources_moved, IncidentField::sources);
    change.spoke = spoke | unmatched;
    return change;
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
                        free_slots_.capacity() * sizeof(std::uint32_t) + index_.memory_bytes() +
                        text_.capacity();
    // The shared values, roughly: a map node, the value and its strings' heap.
    bytes += words_.size() * (sizeof(std::string) + 64);
    for (std::uint32_t k = 0; k < paths_.size(); ++k)
        bytes += sizeof(AreaPath) + paths_[k].capacity() * (sizeof(AreaRef) + 3 * 16) + 64;
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
    // A frame's changes are a few thousand; a burst's buffers are not kept.
    if (changed_ids_.capacity() > 65536) {
        std::vector<std::uint64_t>().swap(changed_ids_);
        std::vector<Record>().swap(changed_before_);
        std::unordered_map<std::uint64_t, std::uint32_t>().swap(changed_at_);
    }
    changed_ids_.clear();
    changed_before_.clear();
    changed_at_.clear();
}

void OpenIncidents::track_changes(bool on) {
    track_changes_ = on;
    if (!on) drop_changes();
}

void OpenIncidents::shrink_to_fit() {
    if (text_garbage_ > 0) compact_text();
    text_.shrink_to_fit();
    // Slots past the last used one are dropped; free ones below it stay free.
    std::size_t used = records_.size();
    while (used > 0 && records_[used - 1].id == 0)
        --used;
    if (used < records_.size()) {
        std::erase_if(free_slots_, [&](std::uint32_t slot) { return slot >= used; });
        records_.resize(used);
    }
    records_.shrink_to_fit();
    free_slots_.shrink_to_fit();
}

}  // namespace citywall
