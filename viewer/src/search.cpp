#include "search.hpp"

#include <charconv>

#include "wall_words.hpp"

namespace citywall::viewer {

namespace {

std::string area_label(const CityAreas& areas, AreaHit hit) {
    const AreaRef& ref = areas.ref(hit);
    std::string label = areas.label(hit.level);
    label += "  " + ref.code;
    if (!ref.name.empty() && ref.name != ref.code) label += "  " + ref.name;
    return label;
}

}  // namespace

std::vector<SearchMatch> find_matches(std::string_view term, const CityPicture& picture,
                                      const CityAreas& areas, std::size_t limit) {
    std::vector<SearchMatch> found;
    if (term.empty() || limit == 0) return found;
    const auto add_areas = [&](const std::vector<AreaHit>& hits) {
        for (const AreaHit& hit : hits) {
            if (found.size() == limit) return;
            found.push_back({SearchMatch::Kind::area, hit, 0, {}, area_label(areas, hit)});
        }
    };
    add_areas(areas.find_all(term, limit));
    std::uint64_t id = 0;
    const auto [end, error] = std::from_chars(term.data(), term.data() + term.size(), id);
    if (error == std::errc() && end == term.data() + term.size() && found.size() < limit) {
        if (auto incident = picture.incidents().find(id)) {
            std::string label = say("事件", "incident") + "  #" + std::to_string(id);
            if (!incident->title.empty()) label += "  " + std::string(incident->title);
            if (const AreaRef* place = areas.place_of(incident->areas))
                label += " · " + (place->name.empty() ? place->code : place->name);
            found.push_back({SearchMatch::Kind::incident, {}, id, {}, std::move(label)});
        }
    }
    for (const auto& [key, unit] : picture.units()) {
        if (found.size() == limit) break;
        if (unit.id != term && unit.callsign != term) continue;
        found.push_back({SearchMatch::Kind::unit,
                         {},
                         0,
                         key,
                         say("单位", "unit") + "  " + std::string(unit.label()) + "  (" +
                             unit.department + ")"});
    }
    if (found.empty()) add_areas(areas.find_containing(term, limit));
    return found;
}

}  // namespace citywall::viewer
