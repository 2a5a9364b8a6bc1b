#include "selected_case.hpp"

#include <algorithm>

namespace citywall::viewer {

void SelectedCase::select(std::uint64_t id) {
    if (id == selected_) return;
    selected_ = id;
    reply_.reset();
    searching_ = false;
    stale_ = id != 0;
    needed_seq_ = 0;
    awaiting_ = false;
    last_asked_.reset();
    first_asked_.reset();
}

void SelectedCase::changed(std::uint64_t id, std::uint64_t seq) {
    if (id == 0 || id != selected_) return;
    stale_ = true;
    needed_seq_ = std::max(needed_seq_, seq);
    awaiting_ = false;  // the answer in flight may predate the change
}

std::uint64_t SelectedCase::due(Clock::time_point now) {
    if (selected_ == 0 || !stale_) return 0;
    if (last_asked_ && now - *last_asked_ < kMinInterval) return 0;
    if (awaiting_ && now - *last_asked_ < kRetry) return 0;
    last_asked_ = now;
    awaiting_ = true;
    if (!first_asked_) first_asked_ = now;
    return selected_;
}

void SelectedCase::receive(wire::IncidentCase reply) {
    if (selected_ == 0 || reply.id != selected_) return;
    if (reply.found == wire::IncidentCase::Found::searching) {
        // Ingest is alive and reading: not unavailable, and asked again only after kRetry.
        searching_ = true;
        if (first_asked_) first_asked_ = last_asked_;
        return;
    }
    searching_ = false;
    // An older answer never replaces a newer one (two requests crossed).
    if (reply_ && reply.seq < reply_->seq) return;
    const bool current = reply.seq >= needed_seq_;
    reply_ = std::move(reply);
    if (!current) return;
    stale_ = false;
    awaiting_ = false;
    first_asked_.reset();
}

SelectedCase::State SelectedCase::state(Clock::time_point now) const {
    if (selected_ == 0) return State::none;
    if (!stale_) return reply_ && !reply_->has_incident() ? State::not_found : State::current;
    if (reply_) return State::updating;
    // A search answers "searching" again each time it is asked (every kRetry): silence for two
    // of them is an ingest that went away.
    if (searching_)
        return first_asked_ && now - *first_asked_ >= 2 * kRetry ? State::unavailable
                                                                 : State::searching;
    if (first_asked_ && now - *first_asked_ >= kRetry) return State::unavailable;
    return State::waiting;
}

}  // namespace citywall::viewer
