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
    const std::string_view digits = term.starts_with('#') ? term.substr(1) : term;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    const bool number = error == std::errc() && end == digits.data() + digits.size() && id != 0;
    if (number && found.size() < limit) {
        if (auto incident = picture.incidents().find(id)) {
            std::string label = say("事件", "incident") + "  #" + std::to_string(id);
            if (!incident->title.empty()) label += "  " + std::string(incident->title);
            if (const AreaRef* place = areas.place_of(incident->areas))
                label += " · " + (place->name.empty() ? place->code : place->name);
            found.push_back({SearchMatch::Kind::incident, {}, id, {}, std::move(label)});
        } else if (found.empty()) {
            found.push_back({SearchMatch::Kind::case_number,
                             {},
                             id,
                             {},
                             say("案件", "case") + "  #" + std::to_string(id) + "  " +
                                 say("（已结或不在图上，向汇聚服务查询）",
                                     "(closed or not on the map: asked of ingest)")});
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
