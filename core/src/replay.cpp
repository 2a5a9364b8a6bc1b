#include "citywall/replay.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "citywall/wire.hpp"

namespace citywall {

// ===================================================================== ReplayClock ====

ReplayClock::ReplayClock(TimeMs from, TimeMs to, TimeMs now)
    : from_(from), to_(std::max(from, to)), anchor_position_(from), anchor_now_(now) {}

TimeMs ReplayClock::position(TimeMs now) const {
    if (paused_ || max_speed_ || now <= anchor_now_) return anchor_position_;
    const double moved = static_cast<double>(now - anchor_now_) * speed_;
    const double at = static_cast<double>(anchor_position_) + std::floor(moved);
    if (loop_ || at < static_cast<double>(to_)) return static_cast<TimeMs>(at);
    return to_;
}

Result<void> ReplayClock::set_speed(double speed, TimeMs now) {
    if (!(speed >= kSlowestReplay && speed <= kFastestReplay))
        return Error{ErrorKind::invalid, "speed " + std::to_string(speed) + " is not between " +
                                             "0.25 and 64 times real time"};
    anchor_position_ = position(now);
    anchor_now_ = now;
    speed_ = speed;
    max_speed_ = false;
    return {};
}

void ReplayClock::set_as_fast_as_possible(TimeMs now) {
    anchor_position_ = position(now);
    anchor_now_ = now;
    max_speed_ = true;
}

void ReplayClock::pause(TimeMs now) {
    anchor_position_ = position(now);
    anchor_now_ = now;
    paused_ = true;
}

void ReplayClock::resume(TimeMs now) {
    anchor_now_ = now;
    paused_ = false;
}

void ReplayClock::seek(TimeMs position, TimeMs now) {
    anchor_position_ = std::clamp(position, from_, to_);
    anchor_now_ = now;
}

bool ReplayClock::wrapped(TimeMs now) {
    if (!loop_ || position(now) <= to_) return false;
    seek(from_, now);
    return true;
}

// ================================================================= RecordingCursor ====

namespace {
constexpr TimeMs kEarliest = std::numeric_limits<TimeMs>::min();
}

RecordingCursor::RecordingCursor(RecordingCursor&&) noexcept = default;
RecordingCursor& RecordingCursor::operator=(RecordingCursor&&) noexcept = default;
RecordingCursor::~RecordingCursor() = default;

Result<RecordingCursor> RecordingCursor::open(const std::filesystem::path& journal) {
    auto index = JournalIndex::open(journal);
    if (!index) return index.because("recording: ");
    RecordingCursor cursor;
    cursor.index_ = std::make_unique<JournalIndex>(std::move(*index));
    if (auto started = cursor.seek_after(0); !started) return started.error_value();
    return cursor;
}

Result<void> RecordingCursor::load(std::size_t segment, std::size_t mark) {
    segment_ = segment;
    mark_ = mark;
    at_ = 0;
    span_.clear();
    failure_.clear();
    if (segment >= index_->segments().size()) return {};  // the end
    auto records = index_->read_span(segment, mark, &damaged_);
    if (!records) {
        failure_ = "recording: " + records.error();
        return records.because("recording: ");
    }
    span_ = std::move(*records);
    return {};
}

JournalRecord* RecordingCursor::upcoming() {
    const auto& segments = index_->segments();
    while (at_ >= span_.size() && failure_.empty() && segment_ < segments.size()) {
        if (mark_ + 1 < segments[segment_].marks.size()) {
            (void)load(segment_, mark_ + 1);
        } else {
            (void)load(segment_ + 1, 0);
        }
    }
    return at_ < span_.size() ? &span_[at_] : nullptr;
}

Result<void> RecordingCursor::seek(TimeMs time) {
    const auto& segments = index_->segments();
    // The first segment whose latest time reaches `time`, and its last mark before which
    // every record is earlier; every segment before it is wholly earlier.
    std::size_t s = 0;
    while (s < segments.size() && segments[s].latest < time)
        ++s;
    if (s == segments.size()) {
        latest_ = time;
        last_seq_ = segments.empty() ? 0 : segments.back().last_seq;
        return load(s, 0);
    }
    const auto& marks = segments[s].marks;
    const auto next = std::partition_point(
        marks.begin(), marks.end(), [&](const JournalMark& m) { return m.latest_before < time; });
    if (auto loaded = load(s, static_cast<std::size_t>(next - marks.begin()) - 1); !loaded)
        return loaded;
    latest_ = kEarliest;
    last_seq_ = 0;
    while (JournalRecord* record = upcoming()) {
        if (record->time >= time) break;
        latest_ = std::max(latest_, record->time);
        last_seq_ = record->seq;
        ++at_;
    }
    return {};
}

Result<void> RecordingCursor::seek_after(std::uint64_t seq) {
    const auto& segments = index_->segments();
    // The next record is due no earlier than the latest time recorded up to `seq`: the index's
    // for whole segments and marks before it, the records read for the rest of its span.
    TimeMs latest = kEarliest;
    std::size_t s = 0;
    while (s < segments.size() && segments[s].last_seq <= seq)
        latest = std::max(latest, segments[s++].latest);
    std::size_t m = 0;
    if (s < segments.size()) {
        const auto& marks = segments[s].marks;
        const auto after = std::partition_point(
            marks.begin(), marks.end(), [&](const JournalMark& mark) { return mark.seq <= seq; });
        if (after != marks.begin()) {
            m = static_cast<std::size_t>(after - marks.begin()) - 1;
            latest = std::max(latest, marks[m].latest_before);
        }
    }
    if (auto loaded = load(s, m); !loaded) return loaded;
    latest_ = latest;
    last_seq_ = seq;
    while (JournalRecord* record = upcoming()) {
        if (record->seq > seq) break;
        latest_ = std::max(latest_, record->time);
        ++at_;
    }
    return {};
}

std::optional<TimeMs> RecordingCursor::next_due() {
    const JournalRecord* record = upcoming();
    if (!record) return std::nullopt;
    return std::max(latest_, record->time);
}

std::optional<std::uint64_t> RecordingCursor::next_seq() {
    const JournalRecord* record = upcoming();
    if (!record) return std::nullopt;
    return record->seq;
}

std::size_t RecordingCursor::play_until(
    TimeMs position, std::size_t limit,
    const std::function<void(JournalRecord&&, TimeMs due)>& play) {
    std::size_t played = 0;
    while (played < limit) {
        JournalRecord* record = upcoming();
        if (!record) break;
        const TimeMs due = std::max(latest_, record->time);
        if (due > position) break;
        latest_ = due;
        last_seq_ = record->seq;
        ++at_;
        ++played;
        play(std::move(*record), due);
    }
    return played;
}

// ================================================================= RecordedPicture ====

RecordedPicture::RecordedPicture(RecordingCursor cursor, std::uint64_t keep_every)
    : cursor_(std::move(cursor)), keep_every_(std::max<std::uint64_t>(1, keep_every)) {
    start_empty();
}

Result<RecordedPicture> RecordedPicture::open(const std::filesystem::path& journal,
                                              std::uint64_t keep_every) {
    auto cursor = RecordingCursor::open(journal);
    if (!cursor) return cursor.error_value();
    return RecordedPicture(std::move(*cursor), keep_every);
}

void RecordedPicture::start_empty() {
    picture_ = CityPicture();
    picture_seq_ = 0;
    wire::SnapshotChunk empty;
    empty.last = true;
    (void)picture_.apply(wire::Message{std::move(empty)});
}

void RecordedPicture::apply(const JournalRecord& record, TimeMs due, const Onward* onward) {
    auto message = wire::decode(record.payload);
    bool applied = false;
    if (message) {
        if (auto* update = std::get_if<wire::IncidentUpdate>(&*message)) {
            update->seq = ++picture_seq_;
            update->incident.drill = update->incident.drill || as_drill_;
            largest_id_ = std::max(largest_id_, update->incident.id);
            applied = picture_.apply(*message) == CityPicture::Outcome::applied;
        } else if (auto* fix = std::get_if<wire::UnitUpdate>(&*message)) {
            fix->seq = ++picture_seq_;
            fix->unit.drill = fix->unit.drill || as_drill_;
            applied = picture_.apply(*message) == CityPicture::Outcome::applied;
        } else if (auto* clock = std::get_if<wire::DrillClock>(&*message);
                   clock && clock->event()) {
            // A drill's own recording: its seeks replaced the picture where they happened.
            clock->seq = ++picture_seq_;
            applied = picture_.apply(*message) == CityPicture::Outcome::applied;
        }
    }
    if (!applied) {
        ++skipped_;
        return;
    }
    if (onward && *onward) (*onward)(*message, due, record.seq);
    // A copy every keep_every records of the recording, the first time play passes there.
    const std::uint64_t bucket = record.seq / keep_every_;
    const auto later = std::find_if(kept_.begin(), kept_.end(),
                                    [&](const Kept& k) { return k.seq / keep_every_ >= bucket; });
    if (bucket == 0 || (later != kept_.end() && later->seq / keep_every_ == bucket)) return;
    Kept copy{record.seq, due, picture_seq_, {}, {}};
    wire::UnitRoster roster{picture_seq_, {}};
    for (const auto& [key, unit] : picture_.units())
        roster.units.push_back(unit);
    copy.roster = wire::encode(wire::Message{std::move(roster)});
    wire::SnapshotChunk chunk{picture_seq_, true, {}, {}};
    for (const auto& [id, view] : picture_.incidents())
        if (auto incident = picture_.incidents().incident(id))
            chunk.incidents.push_back(std::move(*incident));
    copy.incidents = wire::encode(wire::Message{std::move(chunk)});
    kept_.insert(later, std::move(copy));
}

const RecordedPicture::Kept* RecordedPicture::kept_before(
    const std::function<bool(const Kept&)>& at_or_before) const {
    const Kept* best = nullptr;
    for (const Kept& k : kept_)
        if (at_or_before(k)) best = &k;
    return best;
}

Result<void> RecordedPicture::start_from(const Kept* kept) {
    if (!kept) {
        start_empty();
        return cursor_.seek_after(0);
    }
    picture_ = CityPicture();
    for (const std::string* bytes : {&kept->roster, &kept->incidents}) {
        auto message = wire::decode(*bytes);
        if (!message) return message.because("a kept picture: ");
        (void)picture_.apply(*message);
    }
    (void)picture_.take_changes();
    (void)picture_.take_changed_units();
    picture_seq_ = kept->picture_seq;
    return cursor_.seek_after(kept->seq);
}

Result<void> RecordedPicture::seek(TimeMs time) {
    if (auto started = start_from(kept_before([&](const Kept& k) { return k.due < time; }));
        !started)
        return started;
    // Every record due before `time`; the due times never go back.
    while (play_until(time - 1, 65'536) != 0) {
    }
    return {};
}

Result<void> RecordedPicture::seek_after(std::uint64_t seq) {
    if (auto started = start_from(kept_before([&](const Kept& k) { return k.seq <= seq; }));
        !started)
        return started;
    // Record by record up to `seq`: the first one past it (a number the recording skipped) stays
    // to be played.
    for (auto next = cursor_.next_seq(); next && *next <= seq; next = cursor_.next_seq()) {
        const auto due = cursor_.next_due();
        if (cursor_.play_until(*due, 1, [&](JournalRecord&& r, TimeMs at) { apply(r, at); }) == 0)
            break;
    }
    return {};
}

void RecordedPicture::play_through(TimeMs to) {
    while (play_until(to, 65'536) != 0) {
    }
}

std::size_t RecordedPicture::play_until(TimeMs position, std::size_t limit, const Onward& onward) {
    const std::size_t played =
        cursor_.play_until(position, limit, [&](JournalRecord&& record, TimeMs due) {
            apply(record, due, onward ? &onward : nullptr);
        });
    (void)picture_.take_changes();  // nobody draws this picture: the changes are not kept
    (void)picture_.take_changed_units();
    return played;
}

std::uint64_t RecordedPicture::digest(const CityPicture& picture) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
    auto mix = [&](std::string_view bytes) {
        for (unsigned char c : bytes) {
            hash ^= c;
            hash *= 0x100000001b3ULL;
        }
    };
    std::vector<std::uint64_t> ids;
    for (const auto& [id, view] : picture.incidents())
        ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    for (std::uint64_t id : ids)
        if (auto incident = picture.incidents().incident(id))
            mix(wire::encode(wire::Message{wire::IncidentUpdate{0, std::move(*incident)}}));
    std::vector<const std::pair<const std::string, Unit>*> units;
    for (const auto& entry : picture.units())
        units.push_back(&entry);
    std::sort(units.begin(), units.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (const auto* entry : units)
        mix(wire::encode(wire::Message{wire::UnitUpdate{0, entry->second}}));
    return hash;
}

}  // namespace citywall
