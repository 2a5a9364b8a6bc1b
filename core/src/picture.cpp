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
        if (!has_snapshot_) {
            if (buffered_.size() < kMaxBuffered) buffered_.push_back(*update);
            return Outcome::awaiting_snapshot;
        }
        return apply_update(*update);
    }
    if (const auto* beat = std::get_if<wire::Heartbeat>(&message)) {
        last_heard_ = std::max(last_heard_, beat->time);
        drill_ = beat->drill;
        keys_off_ = beat->keys_off;
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
    const auto& chunk = std::get<wire::SnapshotChunk>(message);
    if (!pending_snapshot_.empty() && chunk.seq != pending_seq_) pending_snapshot_.clear();
    pending_seq_ = chunk.seq;
    pending_snapshot_.insert(pending_snapshot_.end(), chunk.incidents.begin(),
                             chunk.incidents.end());
    if (!chunk.last) return Outcome::awaiting_snapshot;

    incidents_.clear();
    for (auto& incident : pending_snapshot_) {
        if (incident.open()) incidents_.emplace(incident.id, std::move(incident));
    }
    pending_snapshot_.clear();
    feeds_ = chunk.feeds;
    seq_ = chunk.seq;
    has_snapshot_ = true;
    replaced_ = true;
    changed_.clear();

    auto buffered = std::move(buffered_);
    buffered_.clear();
    std::sort(buffered.begin(), buffered.end(),
              [](const auto& a, const auto& b) { return a.seq < b.seq; });
    for (const auto& update : buffered) {
        if (apply_update(update) == Outcome::gap) return Outcome::gap;
    }
    return Outcome::applied;
}

CityPicture::Outcome CityPicture::apply_update(const wire::IncidentUpdate& update) {
    if (update.seq <= seq_) return Outcome::already_seen;
    if (update.seq != seq_ + 1) return Outcome::gap;
    seq_ = update.seq;
    if (update.incident.open()) {
        incidents_[update.incident.id] = update.incident;
    } else {
        incidents_.erase(update.incident.id);
    }
    changed_.push_back(update.incident.id);
    return Outcome::applied;
}

void CityPicture::reset() {
    has_snapshot_ = false;
    pending_snapshot_.clear();
    buffered_.clear();
}

std::vector<std::uint64_t> CityPicture::take_changed() {
    std::vector<std::uint64_t> out;
    out.swap(changed_);
    return out;
}

bool CityPicture::take_replaced() {
    return std::exchange(replaced_, false);
}

}  // namespace citywall
