#include "viewer_config.hpp"

#include <toml++/toml.h>
#include <algorithm>

#include "citywall/config_schemas.hpp"
#include "citywall/toml_schema.hpp"

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

// One table of the file: its values (their types already checked against the schema) and
// messages about them that name the file, the line and the key.
struct Section {
    const toml::node* node;
    std::string label;  // "[view]", "[[layer]] #2"
    std::string_view file;

    toml::node_view<const toml::node> operator[](std::string_view key) const {
        return toml::node_view<const toml::node>{node}[key];
    }
    std::string problem(std::string_view key, std::string_view what) const {
        return toml_schema::problem(file, node, label, key, what);
    }
};

// Reads an optional colour; a malformed one is an error, not a silent default.
Result<void> read_color(const Section& t, std::string_view key, std::optional<Rgba>& out) {
    const auto text = t[key].value<std::string>();
    if (!text) return {};
    if (!(out = parse_rgba(*text)))
        return Result<void>::failure(ErrorKind::invalid,
                                     t.problem(key, "expected \"#rrggbb\" or \"#rrggbbaa\""));
    return {};
}

Result<LayerStyle> read_layer(const Section& t, const std::filesystem::path& base) {
    using R = Result<LayerStyle>;
    LayerStyle layer;
    const std::string kind = t["kind"].value_or(std::string("vector"));
    if (kind == "raster") {
        layer.kind = LayerKind::raster;
    } else if (kind == "vector") {
        layer.kind = LayerKind::vector;
    } else {
        return R::failure(ErrorKind::invalid,
                          t.problem("kind", "must be \"raster\" or \"vector\""));
    }
    const auto source = t["source"].value<std::string>();
    if (!source || source->empty())
        return R::failure(ErrorKind::invalid, t.problem("source", "missing"));
    layer.source = resolve(base, *source);
    layer.layer = t["layer"].value_or(std::string());
    layer.name =
        t["name"].value_or(layer.layer.empty() ? layer.source.stem().string() : layer.layer);
    for (auto [key, colour] : {std::pair{"fill", &layer.fill},
                               {"outline", &layer.outline},
                               {"label_color", &layer.label_color}})
        if (auto read = read_color(t, key, *colour); !read) return read.error_value();
    layer.outline_width = t["outline_width"].value_or(1.0f);
    if (const auto* dash = t["dash"].as_array()) {
        if (dash->size() != 2)
            return R::failure(ErrorKind::invalid, t.problem("dash", "expected [on, off]"));
        layer.dash = {(*dash)[0].value_or(0.0f), (*dash)[1].value_or(0.0f)};
    }
    layer.opacity = std::clamp(t["opacity"].value_or(1.0f), 0.0f, 1.0f);
    layer.visible = t["visible"].value_or(true);
    if (auto v = t["min_zoom"].value<double>()) layer.min_zoom = *v;
    if (auto v = t["max_zoom"].value<double>()) layer.max_zoom = *v;
    const auto fields = t["label_field"];
    if (auto one = fields.value<std::string>()) {
        layer.label_fields.push_back(*one);
    } else if (const toml::array* many = fields.as_array()) {
        for (const toml::node& field : *many)
            layer.label_fields.push_back(*field.value<std::string>());
    }
    if (fields && (layer.label_fields.empty() ||
                   std::any_of(layer.label_fields.begin(), layer.label_fields.end(),
                               [](const std::string& f) { return f.empty(); }))) {
        return R::failure(ErrorKind::invalid,
                          t.problem("label_field", "must be a field name or a list of them"));
    }
    if (auto v = t["label_max_zoom"].value<double>()) layer.label_max_zoom = *v;
    layer.label_size = t["label_size"].value_or(0.0f);
    if (const auto network = t["road_network"].value<std::string>()) {
        if (*network == "shared_vertices")
            layer.road_network = RoadJunctions::shared_vertices;
        else if (*network == "crossings")
            layer.road_network = RoadJunctions::crossings;
        else
            return R::failure(ErrorKind::invalid,
                              t.problem("road_network",
                                        "must be \"shared_vertices\" (roads join where they "
                                        "share a vertex) or \"crossings\" (wherever they cross)"));
        if (layer.kind != LayerKind::vector)
            return R::failure(ErrorKind::invalid,
                              t.problem("road_network", "only a vector layer of lines routes"));
    }
    if (layer.outline_width < 0 || layer.outline_width > 32) {
        return R::failure(ErrorKind::invalid, t.problem("outline_width", "must be 0..32"));
    }
    return layer;
}

Result<void> read_areas(const toml::table& root, std::string_view file,
                        const std::filesystem::path& base, ViewerConfig& config) {
    using R = Result<void>;
    auto levels = read_area_levels(root, file, base);
    if (!levels) return levels.error_value();
    config.areas = std::move(*levels);

    const Section aggregate{root.get("aggregate"), "[aggregate]", file};
    AggregateStyle& style = config.aggregate;
    const std::string mode = aggregate["mode"].value_or(std::string("auto"));
    if (mode == "auto") {
        style.mode = AggregateMode::automatic;
    } else if (mode == "on") {
        style.mode = AggregateMode::on;
    } else if (mode == "off") {
        style.mode = AggregateMode::off;
    } else {
        return R::failure(ErrorKind::invalid,
                          aggregate.problem("mode", "must be \"auto\", \"on\" or \"off\""));
    }
    style.above_metres_per_pixel =
        aggregate["above_metres_per_pixel"].value_or(style.above_metres_per_pixel);
    style.hierarchy = aggregate["hierarchy"].value_or(std::string());
    if (!style.hierarchy.empty() &&
        std::none_of(config.areas.begin(), config.areas.end(), [&](const AreaLevelConfig& level) {
            return level.hierarchy == style.hierarchy;
        }))
        return R::failure(ErrorKind::invalid,
                          aggregate.problem("hierarchy", "no [[area]] is of hierarchy \"" +
                                                             style.hierarchy + "\""));
    style.area_pixels = aggregate["area_pixels"].value_or(style.area_pixels);
    if (!(style.area_pixels >= 1 && style.area_pixels <= 4096))
        return R::failure(ErrorKind::invalid, aggregate.problem("area_pixels", "must be 1..4096"));
    style.opacity = std::clamp(aggregate["opacity"].value_or(style.opacity), 0.0f, 1.0f);
    style.critical_markers = aggregate["critical_markers"].value_or(true);
    const Section animation{root.get("animation"), "[animation]", file};
    style.pulse_s = std::max(0.0, animation["pulse_s"].value_or(style.pulse_s));
    style.fade_s = std::max(0.0, animation["fade_s"].value_or(style.fade_s));
    if (!(style.above_metres_per_pixel > 0))
        return R::failure(ErrorKind::invalid,
                          aggregate.problem("above_metres_per_pixel", "must be > 0"));
    return {};
}

}  // namespace

Result<ViewerConfig> load_viewer_config(const std::filesystem::path& path) {
    using R = Result<ViewerConfig>;
    const std::string file = path.string();
    toml::table root;
    try {
        root = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
        return R::failure(ErrorKind::invalid,
                          toml_schema::location(file, e.source()) + std::string(e.description()));
    }
    // Every key and type first, so no value below is read from a file that has a mistake.
    // A file written for the fixed grid hierarchy: say what replaced it, not just "unknown".
    if (const toml::node* old = root.get("areas"))
        return R::failure(ErrorKind::invalid,
                          toml_schema::problem(file, old, "[areas]", "",
                                               "replaced by [[area]] tables, one a level "
                                               "(docs/config.md, \"Areas\")"));
    if (auto mistakes = toml_schema::check(root, wall_config_schema(), file); !mistakes.empty())
        return R::failure(ErrorKind::invalid, mistakes);
    ViewerConfig config;
    config.path = path;
    const std::filesystem::path base = std::filesystem::absolute(path).parent_path();

    auto centre = read_centre(root, file);
    if (!centre) return centre.error_value();
    config.centre = std::move(*centre);

    const Section window{root.get("window"), "[window]", file};
    // The window's title is the centre's name unless the file gives one of its own.
    config.title = window["title"].value_or(config.centre.title("citywall"));
    config.width = window["width"].value_or(config.width);
    config.height = window["height"].value_or(config.height);
    config.fullscreen = window["fullscreen"].value_or(false);
    config.span = window["span"].value_or(false);
    if (config.width < 64)
        return R::failure(ErrorKind::invalid, window.problem("width", "must be at least 64"));
    if (config.height < 64)
        return R::failure(ErrorKind::invalid, window.problem("height", "must be at least 64"));

    const Section ingest{root.get("ingest"), "[ingest]", file};
    config.updates_endpoint = ingest["updates"].value_or(std::string());
    config.snapshot_endpoint = ingest["snapshot"].value_or(std::string());
    config.stale_after_s = ingest["stale_after_s"].value_or(config.stale_after_s);
    // [console]: the role of this wall's key, so that it offers the steps that role may take
    // (ingest checks them all the same; docs/dispatch.md).
    const Section console{root.get("console"), "[console]", file};
    if (const std::string role = console["role"].value_or(std::string()); !role.empty()) {
        config.console = parse_wall_role(role);
        if (!config.console)
            return R::failure(ErrorKind::invalid,
                              console.problem("role", "\"" + role +
                                                          "\" is not a role (viewer, operator, "
                                                          "leader, trainer)"));
    }
    // The wall's own key pair and the ingest's public key: both or neither (docs/security.md).
    const std::string key_file = ingest["key_file"].value_or(std::string());
    const std::string ingest_key_file = ingest["ingest_key_file"].value_or(std::string());
    if (key_file.empty() != ingest_key_file.empty())
        return R::failure(ErrorKind::invalid,
                          ingest.problem(key_file.empty() ? "key_file" : "ingest_key_file",
                                         "give both key_file and ingest_key_file, or neither"));
    if (!key_file.empty()) {
        auto keys = load_wall_keys(resolve(base, key_file), resolve(base, ingest_key_file));
        if (!keys) return R::failure(keys.error_kind(), ingest.problem("key_file", keys.error()));
        config.keys = std::move(*keys);
    }

    const Section view{root.get("view"), "[view]", file};
    if (const auto* center = view["center"].as_array()) {
        if (center->size() != 2)
            return R::failure(ErrorKind::invalid, view.problem("center", "expected [lon, lat]"));
        config.center_lonlat =
            std::array<double, 2>{(*center)[0].value_or(0.0), (*center)[1].value_or(0.0)};
    }
    if (auto mpp = view["metres_per_pixel"].value<double>()) config.metres_per_pixel = mpp;
    if (auto bg = view["background"].value<std::string>()) {
        const auto parsed = parse_rgba(*bg);
        if (!parsed) {
            return R::failure(ErrorKind::invalid,
                              view.problem("background", "expected \"#rrggbb\" or \"#rrggbbaa\""));
        }
        config.background = *parsed;
    }

    const Section ui{root.get("ui"), "[ui]", file};
    if (auto font = ui["font"].value<std::string>()) config.font = resolve(base, *font);
    config.font_index = ui["font_index"].value_or(config.font_index);
    config.font_size = ui["font_size"].value_or(config.font_size);
    if (auto palette = ui["palette"].value<std::string>()) config.palette = resolve(base, *palette);

    if (const auto* layers = root["layer"].as_array()) {
        for (std::size_t i = 0; i < layers->size(); ++i) {
            const Section table{layers->get(i), "[[layer]] #" + std::to_string(i + 1), file};
            auto layer = read_layer(table, base);
            if (!layer) return layer.error_value();
            const bool another_network =
                layer->road_network &&
                std::any_of(config.layers.begin(), config.layers.end(),
                            [](const LayerStyle& l) { return l.road_network.has_value(); });
            if (another_network)
                return R::failure(ErrorKind::invalid, table.problem("road_network",
                                                                    "only one layer is the road "
                                                                    "network; another already is"));
            config.layers.push_back(std::move(*layer));
        }
    }
    if (auto read = read_areas(root, file, base, config); !read) return read.error_value();
    return config;
}

}  // namespace citywall::viewer
