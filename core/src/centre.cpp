#include "citywall/centre.hpp"

#include "citywall/time_zone.hpp"

namespace citywall {

std::string in_language(Language language, std::string_view zh, std::string_view en) {
    if (language == Language::en && !en.empty()) return std::string(en);
    if (language == Language::zh && !zh.empty()) return std::string(zh);
    if (zh.empty() || zh == en) return std::string(en);
    if (en.empty()) return std::string(zh);
    std::string both(zh);
    both += ' ';
    both += en;
    return both;
}

std::string CentreConfig::title(std::string_view fallback) const {
    if (name.empty() && name_en.empty()) return std::string(fallback);
    // Two names of one centre read as a title and its subtitle, not as one run of words.
    if (language == Language::zh_en && !name.empty() && !name_en.empty() && name != name_en)
        return name + " · " + name_en;
    return in_language(language, name, name_en);
}

Result<CentreConfig> read_centre(const toml::table& root, std::string_view file) {
    using R = Result<CentreConfig>;
    const toml::node* table = root.get("centre");
    const auto fail = [&](std::string_view key, std::string_view what) {
        return R::failure(ErrorKind::invalid,
                          toml_schema::problem(file, table, "[centre]", key, what));
    };
    const toml::node_view<const toml::node> at{table};
    CentreConfig centre;
    centre.name = at["name"].value_or(std::string());
    centre.name_en = at["name_en"].value_or(std::string());
    const std::string language = at["language"].value_or(std::string("zh+en"));
    if (language == "zh") {
        centre.language = Language::zh;
    } else if (language == "en") {
        centre.language = Language::en;
    } else if (language == "zh+en") {
        centre.language = Language::zh_en;
    } else {
        return fail("language", "\"" + language +
                                    "\" is none of \"zh\" (Chinese), \"en\" (English) and "
                                    "\"zh+en\" (both, as the wall speaks by default)");
    }
    centre.outside_km = at["outside_km"].value_or(centre.outside_km);
    if (!(centre.outside_km >= 0 && centre.outside_km <= 20'000))
        return fail("outside_km", "must be 0..20000");
    centre.time_zone = at["time_zone"].value_or(std::string());
    if (centre.time_zone.empty()) return centre;
    if (auto zone = TimeZone::find(centre.time_zone); !zone)
        return R::failure(zone.error_kind(),
                          toml_schema::problem(file, table, "[centre]", "time_zone", zone.error()));
    return centre;
}

}  // namespace citywall
