#include "citywall/unit.hpp"

#include <array>

namespace citywall {

namespace {
constexpr std::array<std::string_view, kUnitKindCount> kKindNames = {
    "police_car", "fire_engine", "ambulance", "patrol", "grid_worker", "other",
};
constexpr std::array<std::string_view, kUnitStatusCount> kStatusNames = {
    "available", "dispatched",   "en_route", "on_scene",       "returning",
    "off_duty",  "transporting", "cleared",  "out_of_service",
};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names,
                               std::string_view text) {
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == text) return static_cast<Enum>(i);
    }
    return std::nullopt;
}
}  // namespace

std::string_view to_string(UnitKind kind) {
    auto i = static_cast<std::size_t>(kind);
    return i < kKindNames.size() ? kKindNames[i] : std::string_view("unknown");
}

std::optional<UnitKind> parse_unit_kind(std::string_view text) {
    return parse_name<UnitKind>(kKindNames, text);
}

std::string_view to_string(UnitStatus status) {
    auto i = static_cast<std::size_t>(status);
    return i < kStatusNames.size() ? kStatusNames[i] : std::string_view("unknown");
}

std::optional<UnitStatus> parse_unit_status(std::string_view text) {
    // "assigned" was this status's name before "dispatched"; department configs may still say it.
    if (text == "assigned") return UnitStatus::dispatched;
    return parse_name<UnitStatus>(kStatusNames, text);
}

std::string unit_key(std::string_view department, std::string_view id) {
    std::string key;
    key.reserve(department.size() + 1 + id.size());
    key.append(department);
    key.push_back('\x1f');  // a unit separator: no department code or unit id contains it
    key.append(id);
    return key;
}

}  // namespace citywall
