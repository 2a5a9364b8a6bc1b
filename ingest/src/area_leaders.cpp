#include "area_leaders.hpp"

#include <algorithm>

#include "citywall/csv_table.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

Result<AreaLeaders> AreaLeaders::parse(std::string_view text, std::string_view file,
                                       const std::vector<AreaLevelConfig>& levels) {
    auto table = CsvTable::parse(text, file, {"level", "code", "name", "phone"},
                                 {"level", "code", "name"}, kMaxLeadersBytes);
    if (!table) return table.error_value();
    std::string known;
    for (const AreaLevelConfig& level : levels)
        known += level.level + ", ";
    known += kCentreLevel;

    AreaLeaders out;
    for (const CsvTable::Row& row : table->rows()) {
        const std::string& level = table->field(row, "level");
        std::string code = table->field(row, "code");
        AreaLeader leader{table->field(row, "name"), table->field(row, "phone")};
        const bool centre = level == kCentreLevel;
        const bool a_level = std::any_of(levels.begin(), levels.end(),
                                         [&](const auto& l) { return l.level == level; });
        if (!centre && !a_level)
            return table->error_at(
                row, "level '" + level + "' is not one of the city's levels (" + known + ")");
        if (centre) code.clear();
        if (!centre && code.empty()) return table->error_at(row, "no area code");
        if (leader.name.empty()) return table->error_at(row, "no name");
        if (!out.leaders_.try_emplace({level, code}, std::move(leader)).second)
            return table->error_at(
                row, centre ? "the centre's leader is named twice"
                            : "area " + code + " of level " + level + " is named twice");
    }
    return out;
}

Result<AreaLeaders> AreaLeaders::read(const std::filesystem::path& path,
                                      const std::vector<AreaLevelConfig>& levels) {
    auto bytes = read_whole_file(path);
    if (!bytes) return bytes.because("leaders: ");
    return parse(*bytes, path.string(), levels);
}

const AreaLeader* AreaLeaders::find(std::string_view level, std::string_view code) const {
    const auto it = leaders_.find(std::pair<std::string, std::string>(level, code));
    return it == leaders_.end() ? nullptr : &it->second;
}

std::string EscalationReach::note() const {
    std::string text = label;
    if (!area.empty())
        text += " " + (area.name.empty() ? area.code : area.name + " (" + area.code + ")");
    else if (level != kCentreLevel)
        text += " (no area of this level holds the incident)";
    if (!leader) return text + ": no leader named";
    text += ": " + leader->name;
    if (!leader->phone.empty()) text += " " + leader->phone;
    return text;
}

EscalationReach escalation_reach(const Incident& incident, std::uint8_t steps,
                                 const std::vector<AreaLevelConfig>& levels,
                                 const AreaLeaders& leaders) {
    std::vector<const AreaLevelConfig*> first;
    for (const AreaLevelConfig& level : levels)
        if (level.hierarchy == levels.front().hierarchy) first.push_back(&level);
    EscalationReach reach;
    if (steps < first.size()) {
        const AreaLevelConfig& level = *first[first.size() - 1 - steps];
        reach.level = level.level;
        reach.label = level.name.empty() || level.name_en.empty() || level.name == level.name_en
                          ? level.label("zh")
                          : level.name + " " + level.name_en;
        if (const AreaRef* area = area_at(incident.areas, level.level)) reach.area = *area;
        if (!reach.area.empty()) reach.leader = leaders.find(reach.level, reach.area.code);
    } else {
        reach.level = std::string(kCentreLevel);
        reach.label = "指挥中心 the centre";
        reach.leader = leaders.find(kCentreLevel, "");
    }
    return reach;
}

}  // namespace citywall::ingest
