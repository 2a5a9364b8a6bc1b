#include "viewer_config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cstdio>

namespace citywall::viewer {

std::uint32_t Rgba::packed_abgr() const {
    auto byte = [](float v) {
        return static_cast<std::uint32_t>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
    };
    return byte(r) | (byte(g) << 8) | (byte(b) << 16) | (byte(a) << 24);
}

std::optional<Rgba> parse_rgba(std::string_view text) {
    if (text.size() != 7 && text.size() != 9) return std::nullopt;
    if (text[0] != '#') return std::nullopt;
    std::array<float, 4> channels = {0, 0, 0, 1};
    for (std::size_t i = 0; i * 2 + 1 < text.size(); ++i) {
        int value = 0;
        for (char c : text.substr(1 + i * 2, 2)) {
            value *= 16;
            if (c >= '0' && c <= '9') {
                value += c - '0';
            } else if (c >= 'a' && c <= 'f') {
                value += c - 'a' + 10;
            } else if (c >= 'A' && c <= 'F') {
                value += c - 'A' + 10;
            } else {
                return std::nullopt;
            }
        }
        channels[i] = static_cast<float>(value) / 255.0f;
    }
    return Rgba{channels[0], channels[1], channels[2], channels[3]};
}

namespace {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
    std::filesystem::path p(value);
    if (p.is_relative() && !value.empty()) p = base / p;
    return p.lexically_normal();
}

// Reads an optional colour; a malformed one is an error, not a silent default.
bool read_color(const toml::table& t, std::string_view key, std::optional<Rgba>& out,
                std::string& error) {
    const auto node = t[key];
    if (!node) return true;
    const auto text = node.value<std::string>();
    if (!text || !(out = parse_rgba(*text))) {
        error = std::string(key) + ": expected \"#rrggbb\" or \"#rrggbbaa\"";
        return false;
    }
    return true;
}

Result<LayerStyle> read_layer(const toml::table& t, const std::filesystem::path& base,
                              std::size_t index) {
    LayerStyle layer;
    const std::string where = "[[layer]] #" + std::to_string(index + 1) + ": ";
    const std::string kind = t["kind"].value_or(std::string("vector"));
    if (kind == "raster") {
        layer.kind = LayerKind::raster;
    } else if (kind == "vector") {
        layer.kind = LayerKind::vector;
    } else {
        return Result<LayerStyle>::failure(where + "kind must be \"raster\" or \"vector\"");
    }
    const auto source = t["source"].value<std::string>();
    if (!source || source->empty()) return Result<LayerStyle>::failure(where + "source missing");
    layer.source = resolve(base, *source);
    layer.layer = t["layer"].value_or(std::string());
    layer.name =
        t["name"].value_or(layer.layer.empty() ? layer.source.stem().string() : layer.layer);
    std::string error;
    if (!read_color(t, "fill", layer.fill, error) ||
        !read_color(t, "outline", layer.outline, error) ||
        !read_color(t, "label_color", layer.label_color, error)) {
        return Result<LayerStyle>::failure(where + error);
    }
    layer.outline_width = t["outline_width"].value_or(1.0f);
    if (const auto* dash = t["dash"].as_array()) {
        if (dash->size() != 2) return Result<LayerStyle>::failure(where + "dash = [on, off]");
        layer.dash = {(*dash)[0].value_or(0.0f), (*dash)[1].value_or(0.0f)};
    }
    layer.opacity = std::clamp(t["opacity"].value_or(1.0f), 0.0f, 1.0f);
    layer.visible = t["visible"].value_or(true);
    if (auto v = t["min_zoom"].value<double>()) layer.min_zoom = *v;
    if (auto v = t["max_zoom"].value<double>()) layer.max_zoom = *v;
    if (const toml::node* fields = t.get("label_field")) {
        if (auto one = fields->value<std::string>()) {
            layer.label_fields.push_back(*one);
        } else if (const toml::array* many = fields->as_array()) {
            for (const toml::node& field : *many) {
                auto name = field.value<std::string>();
                if (!name) break;
                layer.label_fields.push_back(*name);
            }
            if (layer.label_fields.size() != many->size()) layer.label_fields.clear();
        }
        if (layer.label_fields.empty() ||
            std::any_of(layer.label_fields.begin(), layer.label_fields.end(),
                        [](const std::string& f) { return f.empty(); })) {
            return Result<LayerStyle>::failure(
                where + "label_field must be a field name or a list of them");
        }
    }
    if (auto v = t["label_max_zoom"].value<double>()) layer.label_max_zoom = *v;
    layer.label_size = t["label_size"].value_or(0.0f);
    if (layer.outline_width < 0 || layer.outline_width > 32) {
        return Result<LayerStyle>::failure(where + "outline_width must be 0..32");
    }
    return layer;
}

std::optional<std::string> read_areas(const toml::table& root, const std::filesystem::path& base,
                                      ViewerConfig& config) {
    AreaSources& areas = config.areas;
    if (auto source = root["areas"]["source"].value<std::string>()) {
        areas.source = resolve(base, *source);
    }
    areas.code_field = root["areas"]["code_field"].value_or(areas.code_field);
    areas.name_field = root["areas"]["name_field"].value_or(areas.name_field);
    constexpr const char* kKeys[kAreaLevelCount] = {"grid_layer", "community_layer", "street_layer",
                                                    "district_layer", "beat_layer"};
    for (int i = 0; i < kAreaLevelCount; ++i) {
        areas.layers[i] = root["areas"][kKeys[i]].value_or(areas.layers[i]);
    }

    AggregateStyle& style = config.aggregate;
    const std::string mode = root["aggregate"]["mode"].value_or(std::string("auto"));
    if (mode == "auto") {
        style.mode = AggregateMode::automatic;
    } else if (mode == "on") {
        style.mode = AggregateMode::on;
    } else if (mode == "off") {
        style.mode = AggregateMode::off;
    } else {
        return "aggregate.mode must be \"auto\", \"on\" or \"off\"";
    }
    style.above_metres_per_pixel =
        root["aggregate"]["above_metres_per_pixel"].value_or(style.above_metres_per_pixel);
    if (const auto* steps = root["aggregate"]["level_steps"].as_array()) {
        if (steps->size() != 3) return "aggregate.level_steps = [community, street, district]";
        for (std::size_t i = 0; i < 3; ++i) {
            style.level_steps[i] = (*steps)[i].value_or(style.level_steps[i]);
        }
    }
    style.opacity = std::clamp(root["aggregate"]["opacity"].value_or(style.opacity), 0.0f, 1.0f);
    style.critical_markers = root["aggregate"]["critical_markers"].value_or(true);
    style.pulse_s = std::max(0.0, root["animation"]["pulse_s"].value_or(style.pulse_s));
    style.fade_s = std::max(0.0, root["animation"]["fade_s"].value_or(style.fade_s));
    if (!(style.above_metres_per_pixel > 0)) return "aggregate.above_metres_per_pixel must be > 0";
    return std::nullopt;
}

}  // namespace

Result<ViewerConfig> load_viewer_config(const std::filesystem::path& path) {
    toml::table root;
    try {
        root = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        return Result<ViewerConfig>::failure(path.string() + ": " + std::string(e.description()));
    }
    ViewerConfig config;
    config.path = path;
    const std::filesystem::path base = std::filesystem::absolute(path).parent_path();

    config.title = root["window"]["title"].value_or(config.title);
    config.width = root["window"]["width"].value_or(config.width);
    config.height = root["window"]["height"].value_or(config.height);
    config.fullscreen = root["window"]["fullscreen"].value_or(false);
    config.span = root["window"]["span"].value_or(false);

    config.updates_endpoint = root["ingest"]["updates"].value_or(std::string());
    config.snapshot_endpoint = root["ingest"]["snapshot"].value_or(std::string());
    config.stale_after_s = root["ingest"]["stale_after_s"].value_or(config.stale_after_s);

    if (const auto* center = root["view"]["center"].as_array(); center && center->size() == 2) {
        config.center_lonlat =
            std::array<double, 2>{(*center)[0].value_or(0.0), (*center)[1].value_or(0.0)};
    }
    if (auto mpp = root["view"]["metres_per_pixel"].value<double>()) config.metres_per_pixel = mpp;
    if (auto bg = root["view"]["background"].value<std::string>()) {
        const auto parsed = parse_rgba(*bg);
        if (!parsed) return Result<ViewerConfig>::failure("view.background: expected \"#rrggbb\"");
        config.background = *parsed;
    }

    if (auto font = root["ui"]["font"].value<std::string>()) config.font = resolve(base, *font);
    config.font_index = root["ui"]["font_index"].value_or(config.font_index);
    config.font_size = root["ui"]["font_size"].value_or(config.font_size);
    if (auto palette = root["ui"]["palette"].value<std::string>()) {
        config.palette = resolve(base, *palette);
    }

    if (const auto* layers = root["layer"].as_array()) {
        for (std::size_t i = 0; i < layers->size(); ++i) {
            const auto* table = (*layers)[i].as_table();
            if (!table) return Result<ViewerConfig>::failure("[[layer]] entries must be tables");
            auto layer = read_layer(*table, base, i);
            if (!layer) return Result<ViewerConfig>::failure(path.string() + ": " + layer.error());
            config.layers.push_back(std::move(*layer));
        }
    }
    if (auto error = read_areas(root, base, config)) {
        return Result<ViewerConfig>::failure(path.string() + ": " + *error);
    }
    if (config.width < 64 || config.height < 64) {
        return Result<ViewerConfig>::failure("window size must be at least 64x64");
    }
    return config;
}

}  // namespace citywall::viewer
