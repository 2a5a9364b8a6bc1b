// What the wall says, in the language(s) of its centre ([centre] language, docs/viewer.md):
// every label on the wall goes through say(), so a wall set to English has no Chinese left
// and one set to Chinese no English, and both side by side is the default.
#pragma once

#include <string>
#include <string_view>

#include "citywall/area_levels.hpp"
#include "citywall/centre.hpp"
#include "citywall/incident.hpp"

namespace citywall::viewer {

// Set once at start, before the first frame (the wall's config); read by every panel.
void set_wall_language(Language language);
Language wall_language();

// "接入状态 Feed health", "接入状态" or "Feed health", as the wall speaks.
inline std::string say(std::string_view zh, std::string_view en) {
    return in_language(wall_language(), zh, en);
}
// With a wording of its own when the wall speaks both (a banner that reads as one line).
inline std::string say(std::string_view zh, std::string_view en, std::string_view both) {
    return wall_language() == Language::zh_en ? std::string(both) : say(zh, en);
}
// One of the two alone, for a cell too narrow for both: Chinese unless the wall is English-only.
inline std::string say_short(std::string_view zh, std::string_view en) {
    return in_language(wall_language() == Language::en ? Language::en : Language::zh, zh, en);
}

// A level's name ("区 District"), and its one word for a narrow cell ("区" or "District").
std::string level_word(const AreaLevelConfig& level);
std::string level_word_short(const AreaLevelConfig& level);

// "特急 critical", and "特急" / "critical" for a cell.
std::string severity_word(Severity severity);
std::string severity_word_short(Severity severity);
// "派遣 dispatched", and "派遣" / "dispatched" for a cell.
std::string status_word(IncidentStatus status);
std::string status_word_short(IncidentStatus status);
// A case's stage at the centre, "已派单 assigned" (docs/dispatch.md).
std::string stage_word(CaseStage stage);
std::string stage_word_short(CaseStage stage);
// A step of a case, from the lifecycle's own table: "派单 Order".
std::string action_word(CaseAction action);

}  // namespace citywall::viewer
