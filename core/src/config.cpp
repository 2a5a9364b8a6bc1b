#include "citywall/config.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace citywall {

namespace {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
    if (path.empty()) return {};
    std::filesystem::path p(path);
    return p.is_absolute() ? p : base / p;
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
