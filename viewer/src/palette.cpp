#include "palette.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <string>

#include "citywall/embedded_assets.hpp"
#include "wall_words.hpp"

namespace citywall::viewer {

std::string_view category_family(std::string_view category) {
    return category.substr(0, category.find('.'));
}

Result<Palette> Palette::parse(std::string_view toml_text, std::string_view origin) {
    toml::table root;
    try {
        root = toml::parse(toml_text, origin);
    } catch (const toml::parse_error& e) {
        return Result<Palette>::failure(ErrorKind::invalid,
                                        std::string(origin) + ": " + std::string(e.description()));
    }
    Palette palette;
    auto color = [&](toml::node_view<toml::node> node, Rgba fallback) {
        const auto text = node.value<std::string>();
        const auto parsed = text ? parse_rgba(*text) : std::nullopt;
        return parsed.value_or(fallback);
    };
    palette.outline_ = color(root["marker"]["outline"], palette.outline_);
    palette.other_ = color(root["marker"]["other"], palette.other_);
    const char* severities[] = {"critical", "major", "moderate", "low"};
    for (std::size_t i = 0; i < 4; ++i) {
        palette.sizes_[i] = root["marker"]["size"][severities[i]].value_or(palette.sizes_[i]);
    }
    if (const auto* families = root["family"].as_array()) {
        for (const auto& node : *families) {
            const auto* t = node.as_table();
            if (!t) continue;
            const auto name = (*t)["name"].value<std::string>();
            const auto text = (*t)["color"].value<std::string>();
            const auto parsed = text ? parse_rgba(*text) : std::nullopt;
            if (!name || !parsed) {
                return Result<Palette>::failure(
                    ErrorKind::invalid,
                    std::string(origin) + ": every [[family]] needs name and color");
            }
            palette.families_.emplace_back(*name, *parsed);
            palette.labels_.push_back(
                {*name, (*t)["label"].value_or(*name), (*t)["label_en"].value_or(std::string())});
        }
    }
    return palette;
}

Palette Palette::built_in() {
    auto parsed = parse(embedded::palette_toml, "assets/palette.toml");
    return parsed ? *parsed : Palette{};
}

Rgba Palette::family_color(std::string_view family) const {
    for (const auto& [name, rgba] : families_) {
        if (name == family) return rgba;
    }
    return other_;
}

Rgba Palette::category_color(std::string_view category) const {
    return family_color(category_family(category));
}

std::string_view Palette::family_label(std::string_view family) const {
    // A legend cell holds one name: the English one on an English wall, else the Chinese.
    const bool english = wall_language() == Language::en;
    for (const auto& [name, label, label_en] : labels_) {
        if (name == family) return english && !label_en.empty() ? label_en : label;
    }
    return family;
}

float Palette::marker_size(Severity severity) const {
    const auto index = std::clamp<int>(static_cast<int>(severity) - 1, 0, 3);
    return sizes_[static_cast<std::size_t>(index)];
}

}  // namespace citywall::viewer
