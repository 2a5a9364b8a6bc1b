// Who leads each area of the city, the people an overdue case reaches as it escalates (docs/
// config.md, "Leaders"): a CSV file the centre keeps ([deadlines] leaders), one leader a line.
// An escalation step names the area it reached and its leader in the case's history, so the
// journal says whom it reached, whatever the file says later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "citywall/area_levels.hpp"
#include "citywall/incident.hpp"
#include "citywall/result.hpp"

namespace citywall::ingest {

// The level key of the centre itself: where an escalation goes past the top of the hierarchy.
inline constexpr std::string_view kCentreLevel = "centre";
// A leaders file larger than this is refused (a city's grids number in the tens of thousands).
inline constexpr std::size_t kMaxLeadersBytes = std::size_t{16} << 20;

struct AreaLeader {
    std::string name;
    std::string phone;  // may be empty
};

class AreaLeaders {
  public:
    // The CSV text: a header naming `level`, `code` and `name` (and `phone`, optionally) in any
    // order, then one leader a line; fields may be quoted ("a, b"), a UTF-8 byte order mark and
    // CRLF line ends are read as Excel writes them. Refused, with the file and line: a level that
    // is neither one of `levels` nor `centre`, an empty code (but the centre's) or name, an area
    // named twice, text that is not UTF-8, an unclosed quote, a wrong number of fields.
    static Result<AreaLeaders> parse(std::string_view text, std::string_view file,
                                     const std::vector<AreaLevelConfig>& levels);
    static Result<AreaLeaders> read(const std::filesystem::path& path,
                                    const std::vector<AreaLevelConfig>& levels);

    // The leader of the area `code` at `level` (the centre's: level "centre", code ""); null
    // when none is named.
    const AreaLeader* find(std::string_view level, std::string_view code) const;
    std::size_t size() const { return leaders_.size(); }

  private:
    std::map<std::pair<std::string, std::string>, AreaLeader, std::less<>> leaders_;
};

// Whom escalation step `steps` (1 = the first) of an incident reaches: the level of the city's
// first hierarchy that many up from its innermost (grid → community → street → district), past
// the top the centre; the incident's area there (none when no area of that level holds it), and
// its leader.
struct EscalationReach {
    std::string level;  // the level's key, or "centre"
    std::string label;  // "街道 Street"
    AreaRef area;       // empty: the centre, or no area of the level holds the incident
    const AreaLeader* leader = nullptr;
    // For the case's history: "街道 Street 福田街道 (440304001): 王建国 138…", or saying that no
    // leader is named.
    std::string note() const;
};
EscalationReach escalation_reach(const Incident& incident, std::uint8_t steps,
                                 const std::vector<AreaLevelConfig>& levels,
                                 const AreaLeaders& leaders);

}  // namespace citywall::ingest
