// The selected incident's case: its description and status history, which the wall does not
// keep for every incident but asks ingest for when one is opened (docs/protocol.md, "Case
// requests"). This decides when to ask; the caller sends the request and hands back replies.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "citywall/wire.hpp"

namespace citywall::viewer {

class SelectedCase {
  public:
    using Clock = std::chrono::steady_clock;
    // No reply this long after asking: ask again, and say the case is unavailable.
    static constexpr Clock::duration kRetry = std::chrono::seconds(3);
    // Changes of the incident closer together than this are asked for once.
    static constexpr Clock::duration kMinInterval = std::chrono::milliseconds(500);

    enum class State {
        none,         // no incident is selected
        waiting,      // asked, no reply yet
        current,      // the reply holds the incident as the wall last saw it change
        updating,     // a reply is shown, but the incident has changed since: asked again
        unavailable,  // asked and asked again, no reply (ingest down, or an older ingest)
        searching,    // ingest is reading its journal for a closed case; the answer follows
        not_found,    // ingest has no case of that number, open, kept or in its journal
    };

    // The operator selected an incident (0: none).
    void select(std::uint64_t id);
    // The incident changed in the picture, which is now at `seq`: a reply older than that is
    // out of date (it is still shown, as updating, until a newer one comes).
    void changed(std::uint64_t id, std::uint64_t seq);
    // The id to ask ingest for now, or 0; marks it asked.
    std::uint64_t due(Clock::time_point now);
    // A reply arrived; one for another incident is dropped.
    void receive(wire::IncidentCase reply);

    State state(Clock::time_point now) const;
    // The last reply for the selected incident, if any.
    const wire::IncidentCase* reply() const { return reply_ ? &*reply_ : nullptr; }
    std::uint64_t selected() const { return selected_; }

  private:
    std::uint64_t selected_ = 0;
    std::optional<wire::IncidentCase> reply_;
    bool stale_ = false;            // no reply as new as needed_seq_
    std::uint64_t needed_seq_ = 0;  // a reply must be at least this new to be current
    bool awaiting_ = false;         // asked since the last change, no current reply yet
    bool searching_ = false;        // ingest said it is reading its journal for it
    std::optional<Clock::time_point> last_asked_, first_asked_;
};

}  // namespace citywall::viewer
