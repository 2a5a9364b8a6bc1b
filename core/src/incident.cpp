#include "citywall/incident.hpp"

#include <array>

namespace citywall {

namespace {
constexpr std::array<std::string_view, kIncidentStatusCount> kStatusNames = {
    "reported", "accepted", "dispatched", "en_route", "on_scene", "resolved", "closed", "cancelled",
};
}  // namespace

std::string_view to_string(IncidentStatus status) {
    auto i = static_cast<std::size_t>(status);
    return i < kStatusNames.size() ? kStatusNames[i] : std::string_view("unknown");
}

std::optional<IncidentStatus> parse_incident_status(std::string_view text) {
    for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
        if (kStatusNames[i] == text) return static_cast<IncidentStatus>(i);
    }
    return std::nullopt;
}

std::optional<Severity> parse_severity(std::string_view text) {
    if (text.size() == 1 && text[0] >= '1' && text[0] <= '4')
        return static_cast<Severity>(text[0] - '0');
    for (auto [word, severity] : {std::pair{"critical", Severity::critical},
                                  {"major", Severity::major},
                                  {"moderate", Severity::moderate},
                                  {"low", Severity::low}})
        if (text == word) return severity;
    return std::nullopt;
}

bool is_terminal(IncidentStatus status) {
    return status == IncidentStatus::resolved || status == IncidentStatus::closed ||
           status == IncidentStatus::cancelled;
}

const AreaRef* area_at(const AreaPath& path, std::string_view level) {
    for (const AreaRef& area : path)
        if (area.level == level) return &area;
    return nullptr;
}

CaseState Incident::case_standing() const {
    CaseState stands = case_state;
    if (!open() && !stands.taken_up()) stands.stage = CaseStage::closed;
    return stands;
}

std::string_view Incident::department() const {
    return sources.empty() ? std::string_view() : std::string_view(sources.front().department);
}

}  // namespace citywall
