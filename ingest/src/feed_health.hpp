// Per-department feed health: what the wall shows so a quiet department is never mistaken for
// a quiet city.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "citywall/config.hpp"
#include "citywall/incident.hpp"
#include "citywall/reject_reason.hpp"
#include "department_keys.hpp"

namespace citywall::ingest {

class FeedHealthBoard {
  public:
    // The key gate's refusals by ZAP domain (KeyGate::counts): a department whose connections
    // are refused is not merely down, and the wall says why.
    using RefusalCounts = std::function<std::map<std::string, GateCounts>()>;

    // `refusals`: read at each report; empty, the board reports none.
    FeedHealthBoard(const std::vector<DepartmentConfig>& departments, TimeMs now,
                    RefusalCounts refusals = {});

    void heard(const std::string& department, TimeMs now);
    // lag_ms: from the event's own time to now, when the department said when it happened.
    void accepted(const std::string& department, std::optional<TimeMs> lag_ms, TimeMs now);
    // One of its reports placed an incident outside the city (Incident::far_m).
    void far_away(const std::string& department) { ++feeds_.at(department).health.far_away; }
    void rejected(const std::string& department, RejectReason reason);
    void peers_changed(const std::string& department, int delta);
    // Ingest left messages of the department waiting in a pass, to serve the others first.
    void held_back(const std::string& department, TimeMs now);

    // Recomputes rates and staleness as of `now`.
    std::vector<FeedHealth> report(TimeMs now);
    std::map<std::string, std::uint64_t> rejects_by_reason(const std::string& department) const;

  private:
    void count_refusals(TimeMs now);

    struct Feed {
        FeedHealth health;
        int heartbeat_ms = 10000;
        int peers = 0;
        TimeMs held_back = 0;  // the last pass that left messages of it waiting
        std::uint64_t messages = 0;
        std::uint64_t messages_at_last_report = 0;
        TimeMs last_report = 0;
        std::map<std::string, std::uint64_t> rejects;
        std::deque<std::pair<TimeMs, TimeMs>> lags;  // (when, lag) over the last minute
    };
    std::map<std::string, Feed> feeds_;
    RefusalCounts refusals_;
};

}  // namespace citywall::ingest
