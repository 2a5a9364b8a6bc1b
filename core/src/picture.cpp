#include "citywall/picture.hpp"

#include <algorithm>
#include <utility>

namespace citywall {

namespace {
// Updates held while a snapshot is on its way; past this the snapshot is too old to catch up.
constexpr std::size_t kMaxBuffered = 1'000'000;
}  // namespace

CityPicture::Outcome CityPicture::apply(const wire::Message& message) {
    if (const auto* update = std::get_if<wire::IncidentUpdate>(&message)) {
        last_heard_ = std::max(last_heard_, update->incident.updated);
        if (has_snapshot_) return apply_update(*update);
        if (buffered_.size() < kMaxBuffered) buffered_.push_back(*update);
        return Outcome::awaiting_snapshot;
    }
    if (const auto* unit = std::get_if<wire::UnitUpdate>(&message)) {
        last_heard_ = std::max(last_heard_, unit->unit.received);
        if (has_snapshot_) return apply_unit(*unit);
        if (buffered_units_.size() < kMaxBuffered) buffered_units_.push_back(*unit);
        return Outcome::awaiting_snapshot;
    }
    if (const auto* beat = std::get_if<wire::Heartbeat>(&message)) {
        last_heard_ = std::max(last_heard_, beat->time);
        drill_ = beat->drill;
        keys_off_ = beat->keys_off;
        stopped_ = beat->stopped;
        last_heartbeat_ = std::max(last_heartbeat_, beat->time);
        if (!has_snapshot_) return Outcome::awaiting_snapshot;
        return beat->seq > seq_ ? Outcome::gap : Outcome::applied;
    }
    if (const auto* health = std::get_if<wire::FeedHealthReport>(&message)) {
        last_heard_ = std::max(last_heard_, health->time);
        feeds_ = health->feeds;
        if (!has_snapshot_) return Outcome::awaiting_snapshot;
        return health->seq > seq_ ? Outcome::gap : Outcome::applied;
    }
    if (const auto* day = std::get_if<wire::DayCountsReport>(&message)) {
        last_heard_ = std::max(last_heard_, day->time);
        day_counts_ = *day;
        if (!has_snapshot_) return Outcome::awaiting_snapshot;
        return day->seq > seq_ ? Outcome::gap : Outcome::applied;
    }
    if (const auto* roster = std::get_if<wire::UnitRoster>(&message)) {
        // Part of a snapshot reply: held until the chunk that completes that snapshot.
        pending_units_ = roster->units;
        pending_units_seq_ = roster->seq;
        return Outcome::awaiting_snapshot;
    }
    if (const auto* clock = std::get_if<wire::DrillClock>(&message))
        return apply_drill_clock(*clock);
    if (std::holds_alternative<wire::IncidentCase>(message) ||
        std::holds_alternative<wire::CommandReply>(message))
        return Outcome::not_held;
    const auto& chunk = std::get<wire::SnapshotChunk>(message);
    if (pending_any_ && chunk.seq != pending_seq_) pending_snapshot_.clear();
    pending_any_ = true;
    pending_seq_ = chunk.seq;
    pending_snapshot_.track_changes(false);  // all of it is new: nothing to tell apart
    for (const Incident& incident : chunk.incidents)
        pending_snapshot_.put(incident);
    if (!chunk.last) return Outcome::awaiting_snapshot;

    incidents_ = std::move(pending_snapshot_);
    incidents_.shrink_to_fit();
    incidents_.track_changes(true);
    pending_snapshot_ = OpenIncidents();
    pending_snapshot_.keep_case_details(incidents_.keeps_case_details());
    pending_any_ = false;
    units_.clear();
    if (pending_units_seq_ == chunk.seq) {
        for (auto& unit : pending_units_) {
            if (unit.on_duty()) units_.emplace(unit_key(unit), std::move(unit));
        }
    }
    pending_units_.clear();
    feeds_ = chunk.feeds;
    seq_ = chunk.seq;
    has_snapshot_ = true;
    replaced_ = true;
    incidents_.drop_changes();
    changed_units_.clear();
    // A rewind after the snapshot's number: what came between is gone with it.
    if (buffered_rewind_ > seq_) rewind(buffered_rewind_);
    buffered_rewind_ = 0;

    return apply_buffered();
}

// A replaying drill's clock: as status it is kept for the timeline; a rewind or a bookmark is an
// event of its own, numbered like an update.
CityPicture::Outcome CityPicture::apply_drill_clock(const wire::DrillClock& clock) {
    last_heard_ = std::max(last_heard_, clock.time);
    if (!clock.event()) {
        drill_clock_ = clock;
        if (!has_snapshot_) return Outcome::awaiting_snapshot;
        return clock.seq > seq_ ? Outcome::gap : Outcome::applied;
    }
    if (!has_snapshot_) {
        // What was buffered before the rewind belongs to the picture it replaced.
        if (clock.change == wire::DrillClock::Change::rewound && clock.seq > buffered_rewind_) {
            std::erase_if(buffered_, [&](const auto& u) { return u.seq < clock.seq; });
            std::erase_if(buffered_units_, [&](const auto& u) { return u.seq < clock.seq; });
            buffered_rewind_ = clock.seq;
        }
        return Outcome::awaiting_snapshot;
    }
    if (const auto outcome = take_seq(clock.seq); outcome != Outcome::applied) return outcome;
    if (clock.change == wire::DrillClock::Change::rewound) rewind(clock.seq);
    if (drill_clock_) {
        drill_clock_->time = clock.time;
        drill_clock_->recording_seq = clock.recording_seq;
    }
    return Outcome::applied;
}

void CityPicture::rewind(std::uint64_t seq) {
    const bool details = incidents_.keeps_case_details();
    incidents_ = OpenIncidents();
    incidents_.keep_case_details(details);
    incidents_.track_changes(true);
    units_.clear();
    changed_units_.clear();
    seq_ = seq;
    replaced_ = true;
}

// Updates that came while the snapshot was on its way, incidents and units interleaved in
// sequence order.
CityPicture::Outcome CityPicture::apply_buffered() {
    auto incidents = std::move(buffered_);
    auto units = std::move(buffered_units_);
    buffered_.clear();
    buffered_units_.clear();
    auto by_seq = [](const auto& a, const auto& b) { return a.seq < b.seq; };
    std::sort(incidents.begin(), incidents.end(), by_seq);
    std::sort(units.begin(), units.end(), by_seq);
    auto i = incidents.begin();
    auto u = units.begin();
    while (i != incidents.end() || u != units.end()) {
        const bool incident_next = u == units.end() || (i != incidents.end() && i->seq < u->seq);
        const auto outcome = incident_next ? apply_update(*i++) : apply_unit(*u++);
        if (outcome == Outcome::gap) return Outcome::gap;
    }
    return Outcome::applied;
}

// The one rule for sequenced updates: the next number is taken, older ones are ignored, a jump
// is a gap.
CityPicture::Outcome CityPicture::take_seq(std::uint64_t seq) {
    if (seq <= seq_) return Outcome::already_seen;
    if (seq != seq_ + 1) return Outcome::gap;
    seq_ = seq;
    return Outcome::applied;
}

CityPicture::Outcome CityPicture::apply_update(const wire::IncidentUpdate& update) {
    if (const auto outcome = take_seq(update.seq); outcome != Outcome::applied) return outcome;
    incidents_.put(update.incident);  // a closed one leaves
    return Outcome::applied;
}

CityPicture::Outcome CityPicture::apply_unit(const wire::UnitUpdate& update) {
    if (const auto outcome = take_seq(update.seq); outcome != Outcome::applied) return outcome;
    auto key = unit_key(update.unit);
    if (update.unit.on_duty()) {
        units_[key] = update.unit;
    } else {
        units_.erase(key);
    }
    changed_units_.push_back(std::move(key));
    return Outcome::applied;
}

void CityPicture::keep_case_details(bool on) {
    incidents_.keep_case_details(on);
    pending_snapshot_.keep_case_details(on);
}

void CityPicture::reset() {
    has_snapshot_ = false;
    pending_snapshot_.clear();
    pending_any_ = false;
    buffered_.clear();
    buffered_units_.clear();
    buffered_rewind_ = 0;
    pending_units_.clear();
}

std::vector<OpenIncidents::Change> CityPicture::take_changes() {
    return incidents_.take_changes();
}

std::vector<std::string> CityPicture::take_changed_units() {
    std::vector<std::string> out;
    out.swap(changed_units_);
    return out;
}

bool CityPicture::take_replaced() {
    return std::exchange(replaced_, false);
}

}  // namespace citywall
