#include "citywall/replay.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

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
    if (segment >= index_->segments().size()) return {};  // the end
    auto records = index_->read_span(segment, mark, &damaged_);
    if (!records) {
        failed_ = true;
        return records.because("recording: ");
    }
    span_ = std::move(*records);
    failed_ = false;
    return {};
}

JournalRecord* RecordingCursor::upcoming() {
    const auto& segments = index_->segments();
    while (at_ >= span_.size() && !failed_ && segment_ < segments.size()) {
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

}  // namespace citywall
