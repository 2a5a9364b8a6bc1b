// What citywall-debrief does, as a library its tests call: a drill's journal (or any stretch of
// the city's) read into what a debrief goes through — the timeline of incidents, case steps and
// the trainer's marks, every order with its response times, the deadlines missed, each
// department's figures — and written as one self-contained HTML page (docs/drills.md,
// "Debriefing a drill").
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/case_flow.hpp"
#include "citywall/config.hpp"
#include "citywall/incident.hpp"
#include "citywall/result.hpp"
#include "citywall/time_zone.hpp"
#include "citywall/wire.hpp"

namespace citywall::debrief {

// One line of the timeline, at the drill's time (the recording's, as the drill journaled it).
struct TimelineEntry {
    enum class Kind : std::uint8_t {
        opened,    // an incident's first report
        step,      // a step of its case (an escalation included)
        status,    // its departments' status changed (on scene, resolved, …)
        bookmark,  // a trainer's bookmark
        started,   // a replay began (or began again after a restart): the recording's picture
        rewound,   // the trainer sought: the picture after it is the recording's at that time
    };
    Kind kind = Kind::opened;
    TimeMs time = 0;
    std::uint64_t seq = 0;  // the drill journal's number
    std::uint64_t incident = 0;
    CaseStep step;
    IncidentStatus status = IncidentStatus::reported;
    std::string note;  // a bookmark's note
};

// An order (or a transfer, or a return agreed to another department) and what came of it: the
// response times a debrief asks about. 0: it did not happen while the order stood.
struct OrderRun {
    std::uint64_t incident = 0;
    CaseAction action = CaseAction::order;
    std::string order;  // its id
    std::string department;
    std::string unit;
    std::string actor;  // who gave it
    TimeMs ordered = 0;
    TimeMs signed_at = 0;
    TimeMs arrived = 0;
    TimeMs resolved = 0;
    TimeMs sign_due = 0;  // the deadlines it was held to (0: none); an extension moves the second
    TimeMs resolve_due = 0;
    TimeMs ended = 0;  // when another order replaced it or the case closed; 0: stood to the end
};

struct MissedDeadline {
    std::uint64_t incident = 0;
    std::string department;
    bool sign = true;  // the time to sign; else the time to resolve
    TimeMs due = 0;
    TimeMs done = 0;  // when it was done after all; 0: not by the end
};

// How far a share of figures spreads: the median and the longest, in ms.
struct Spread {
    std::size_t count = 0;
    TimeMs median = 0;
    TimeMs longest = 0;
};
Spread spread_of(std::vector<TimeMs> durations);

struct DepartmentFigures {
    std::uint32_t reported = 0;  // incidents it reported first
    std::uint32_t orders = 0;    // orders, transfers and agreed returns that came to it
    std::vector<TimeMs> to_sign, to_scene, to_resolve;  // from each order
    std::uint32_t missed = 0;                           // deadlines missed
    CaseCounts counts;  // the league's tallies (docs/dispatch.md, "League table")
};

struct Debrief {
    std::string recording;  // the recording the drill replayed, as its clock named it
    bool drill = false;     // the journal is a drill's
    TimeMs from = 0;        // the first and last record read in the window
    TimeMs to = 0;
    std::uint64_t records = 0;
    std::uint64_t undecodable = 0;  // records no decoder of this build reads: skipped
    std::uint64_t damaged = 0;      // stretches of damage read past
    std::vector<TimelineEntry> timeline;
    std::map<std::uint64_t, Incident> incidents;  // as each stood at the end
    std::map<std::uint64_t, TimeMs> first_seen;
    std::vector<OrderRun> orders;
    std::vector<MissedDeadline> missed;
    std::map<std::string, DepartmentFigures> departments;
    std::vector<wire::Bookmark> bookmarks;  // in the order of their moments
};

// The journal's records recorded in [from, to] (open ends: the journal's), read into a debrief.
Result<Debrief> read_debrief(const std::filesystem::path& journal, std::optional<TimeMs> from,
                             std::optional<TimeMs> to);

// A picture of the wall at a moment, for the page: the PNG's bytes, or why there is none.
struct WallPicture {
    TimeMs at = 0;
    std::string caption;
    std::string png;
    std::string failure;
    std::string wall_said;  // the wall's last word: what it drew ("… 37 incidents")
    std::size_t open = 0;   // incidents open on the wall at that moment
};

struct PageOptions {
    std::string title;  // the page's heading; empty: the centre's name, or "Drill debrief"
    const IngestConfig* config = nullptr;  // departments' names, the language, the time zone
    TimeZone zone;                         // the times on the page are this zone's
};

// The page, self-contained: styles inline, pictures as data: URIs, every text escaped.
std::string debrief_page(const Debrief& debrief, const std::vector<WallPicture>& pictures,
                         const PageOptions& options);

}  // namespace citywall::debrief
