#include "citywall/config.hpp"

#include <toml++/toml.h>
#include <fstream>
#include <set>
#include <sstream>

namespace citywall {

namespace {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
    if (path.empty()) return {};
    std::filesystem::path p(path);
    return p.is_absolute() ? p : base / p;
}

// Reads a TOML table of strings into a map; false when a value is not a string.
bool read_map(const toml::node_view<const toml::node>& table, const char* key,
              std::map<std::string, std::string>& out) {
    const auto* t = table[key].as_table();
    if (!t) return true;
    for (const auto& [k, v] : *t) {
        auto value = v.value<std::string>();
        if (!value) {
            if (auto number = v.value<std::int64_t>()) {
                value = std::to_string(*number);
            } else {
                return false;
            }
        }
        out[std::string(k.str())] = *value;
    }
    return true;
}

template <class T>
void read(const toml::node_view<const toml::node>& table, const char* key, T& out) {
    if (auto v = table[key].value<T>()) out = *v;
}

}  // namespace

Result<IngestConfig> parse_ingest_config(std::string_view text,
                                         const std::filesystem::path& base_dir) {
    using R = Result<IngestConfig>;
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& e) {
        std::ostringstream why;
        why << "line " << e.source().begin.line << ": " << e.description();
        return R::failure(why.str());
    }
    IngestConfig config;
    const toml::node_view<const toml::node> ingest{root["ingest"].node()};
    read(ingest, "updates_endpoint", config.updates_endpoint);
    read(ingest, "snapshot_endpoint", config.snapshot_endpoint);
    std::string journal = config.journal_dir.string(), dead_letter;
    read(ingest, "journal_dir", journal);
    read(ingest, "dead_letter_file", dead_letter);
    config.journal_dir = resolve(base_dir, journal);
    config.dead_letter_file = resolve(base_dir, dead_letter);
    std::int64_t fsync = config.fsync_interval_ms, heartbeat = config.heartbeat_ms;
    std::int64_t max_bytes = static_cast<std::int64_t>(config.max_message_bytes);
    read(ingest, "fsync_interval_ms", fsync);
    read(ingest, "heartbeat_ms", heartbeat);
    read(ingest, "max_message_bytes", max_bytes);
    std::int64_t publish_queue = config.publish_queue;
    read(ingest, "publish_queue", publish_queue);
    if (publish_queue < 100 || publish_queue > 10'000'000)
        return R::failure("ingest.publish_queue must be 100..10000000");
    config.publish_queue = static_cast<int>(publish_queue);
    std::int64_t checkpoint_every = static_cast<std::int64_t>(config.checkpoint_every);
    read(ingest, "checkpoint_every", checkpoint_every);
    if (checkpoint_every < 0) return R::failure("ingest.checkpoint_every must be 0 or more");
    config.checkpoint_every = static_cast<std::uint64_t>(checkpoint_every);
    if (fsync < 0 || fsync > 1000) return R::failure("ingest.fsync_interval_ms must be 0..1000");
    if (heartbeat < 100 || heartbeat > 60000)
        return R::failure("ingest.heartbeat_ms must be 100..60000");
    if (max_bytes < 256 || max_bytes > (16 << 20))
        return R::failure("ingest.max_message_bytes must be 256..16777216");
    config.fsync_interval_ms = static_cast<int>(fsync);
    config.heartbeat_ms = static_cast<int>(heartbeat);
    config.max_message_bytes = static_cast<std::size_t>(max_bytes);

    const toml::node_view<const toml::node> placement{root["placement"].node()};
    auto& p = config.placement;
    std::string grid_source, beat_source;
    read(placement, "grid_source", grid_source);
    read(placement, "beat_source", beat_source);
    p.grid_source = resolve(base_dir, grid_source);
    p.beat_source = resolve(base_dir, beat_source);
    read(placement, "grid_layer", p.grid_layer);
    read(placement, "district_layer", p.district_layer);
    read(placement, "street_layer", p.street_layer);
    read(placement, "community_layer", p.community_layer);
    read(placement, "beat_layer", p.beat_layer);
    read(placement, "beat_code_field", p.beat_code_field);
    read(placement, "beat_name_field", p.beat_name_field);

    if (const auto* categories = root["taxonomy"]["categories"].as_array()) {
        for (const auto& c : *categories) {
            auto name = c.value<std::string>();
            if (!name) return R::failure("taxonomy.categories must be strings");
            config.taxonomy.categories.push_back(*name);
        }
    }

    const toml::node_view<const toml::node> merge{root["merge"].node()};
    read(merge, "enabled", config.merge.enabled);
    read(merge, "distance_m", config.merge.distance_m);
    std::int64_t window_s = config.merge.window_ms / 1000;
    read(merge, "window_s", window_s);
    if (config.merge.distance_m < 0 || config.merge.distance_m > 10'000)
        return R::failure("merge.distance_m must be 0..10000");
    if (window_s < 0 || window_s > 86'400) return R::failure("merge.window_s must be 0..86400");
    config.merge.window_ms = window_s * 1000;
    if (const auto* groups = merge["compatible"].as_array()) {
        for (const auto& group : *groups) {
            const auto* list = group.as_array();
            if (!list) return R::failure("merge.compatible is a list of lists of categories");
            std::vector<std::string> categories;
            for (const auto& c : *list) {
                auto name = c.value<std::string>();
                if (!name) return R::failure("merge.compatible holds category names");
                categories.push_back(*name);
            }
            config.merge.compatible.push_back(std::move(categories));
        }
    }

    const toml::node_view<const toml::node> security{root["security"].node()};
    std::string keys = "on", ingest_key_file;
    read(security, "keys", keys);
    read(security, "ingest_key_file", ingest_key_file);
    if (keys != "on" && keys != "off") return R::failure("security.keys must be \"on\" or \"off\"");
    config.keys_off = keys == "off";
    config.ingest_key_file = resolve(base_dir, ingest_key_file);

    std::set<std::string> codes, endpoints;
    if (const auto* departments = root["department"].as_array()) {
        for (std::size_t k = 0; k < departments->size(); ++k) {
            const auto* table = departments->get(k)->as_table();
            std::string where = "department #" + std::to_string(k + 1);
            if (!table) return R::failure(where + " is not a table");
            const toml::node_view<const toml::node> d{*table};
            DepartmentConfig dept;
            read(d, "code", dept.code);
            read(d, "name", dept.name);
            read(d, "name_en", dept.name_en);
            read(d, "endpoint", dept.endpoint);
            read(d, "crs", dept.crs);
            std::int64_t hb = dept.heartbeat_s;
            read(d, "heartbeat_s", hb);
            std::string format = "json", socket = "pull";
            read(d, "format", format);
            read(d, "socket", socket);
            if (format == "json") {
                dept.format = FeedFormat::json;
            } else if (format == "geojson") {
                dept.format = FeedFormat::geojson;
            } else if (format == "cap") {
                dept.format = FeedFormat::cap;
            } else if (format == "citywall") {
                dept.format = FeedFormat::citywall;
            } else {
                return R::failure(where + ": format must be json, geojson, cap or citywall");
            }
            if (socket == "pull") {
                dept.socket = FeedSocket::pull;
            } else if (socket == "sub") {
                dept.socket = FeedSocket::sub;
            } else {
                return R::failure(where + ": socket must be pull or sub");
            }
            read(d, "public_key", dept.public_key);
            read(d, "snapshot_endpoint", dept.snapshot_endpoint);
            if (dept.format == FeedFormat::citywall &&
                (dept.socket != FeedSocket::sub || dept.snapshot_endpoint.empty()))
                return R::failure(
                    where + ": a citywall feed needs socket = \"sub\" and a snapshot_endpoint");
            std::string public_key_file;
            read(d, "public_key_file", public_key_file);
            dept.public_key_file = resolve(base_dir, public_key_file);
            if (!dept.public_key.empty() && dept.public_key.size() != 40)
                return R::failure(where + ": public_key must be 40 Z85 characters");
            const toml::node_view<const toml::node> fields{d["fields"].node()};
            auto& f = dept.fields;
            for (auto [key, field] : {std::pair{"id", &f.id},
                                      {"category", &f.category},
                                      {"severity", &f.severity},
                                      {"status", &f.status},
                                      {"lon", &f.lon},
                                      {"lat", &f.lat},
                                      {"occurred", &f.occurred},
                                      {"title", &f.title},
                                      {"description", &f.description},
                                      {"type", &f.type}})
                read(fields, key, *field);
            const toml::node_view<const toml::node> unit_fields{d["unit_fields"].node()};
            auto& u = dept.unit_fields;
            for (auto [key, field] : {std::pair{"id", &u.id},
                                      {"callsign", &u.callsign},
                                      {"kind", &u.kind},
                                      {"status", &u.status},
                                      {"lon", &u.lon},
                                      {"lat", &u.lat},
                                      {"heading", &u.heading},
                                      {"speed", &u.speed},
                                      {"incident", &u.incident},
                                      {"time", &u.time}})
                read(unit_fields, key, *field);
            if (!read_map(d, "unit_kinds", dept.unit_kinds) ||
                !read_map(d, "unit_statuses", dept.unit_statuses))
                return R::failure(where + ": unit_kinds and unit_statuses map words to words");
            if (!read_map(d, "categories", dept.categories) ||
                !read_map(d, "severities", dept.severities) ||
                !read_map(d, "statuses", dept.statuses))
                return R::failure(where +
                                  ": categories, severities and statuses map words to words");
            if (dept.code.empty()) return R::failure(where + ": code is missing");
            if (dept.endpoint.empty()) return R::failure(where + ": endpoint is missing");
            if (hb < 1 || hb > 3600) return R::failure(where + ": heartbeat_s must be 1..3600");
            dept.heartbeat_s = static_cast<int>(hb);
            if (!codes.insert(dept.code).second)
                return R::failure(where + ": code " + dept.code + " appears twice");
            if (!endpoints.insert(dept.endpoint).second)
                return R::failure(where + ": endpoint " + dept.endpoint + " appears twice");
            config.departments.push_back(std::move(dept));
        }
    }
    if (config.departments.empty()) return R::failure("no [[department]] configured");
    return config;
}

bool MergeConfig::compatible_categories(std::string_view a, std::string_view b) const {
    if (a == b) return true;
    for (const auto& group : compatible) {
        bool has_a = false, has_b = false;
        for (const auto& c : group) {
            has_a |= c == a;
            has_b |= c == b;
        }
        if (has_a && has_b) return true;
    }
    return false;
}

bool Taxonomy::accepts(std::string_view category) const {
    if (categories.empty()) return true;
    for (const auto& c : categories)
        if (c == category) return true;
    return false;
}

Result<IngestConfig> load_ingest_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Result<IngestConfig>::failure("cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    auto config = parse_ingest_config(text.str(), file.parent_path());
    if (!config) return Result<IngestConfig>::failure(file.string() + ": " + config.error());
    return config;
}

}  // namespace citywall
