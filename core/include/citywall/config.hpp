// Ingest's configuration file (TOML; docs/config.md). Relative paths in it are resolved
// against the directory of the file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "citywall/result.hpp"

namespace citywall {

struct DepartmentConfig {
    std::string code;     // "110", "119", "12345", …; the department's identity on the wall
    std::string name;     // Chinese name
    std::string name_en;  // English name
    std::string endpoint; // ZeroMQ endpoint ingest binds for this department (PULL)
    std::string crs = "EPSG:4326";  // coordinate system of the positions it sends
    int heartbeat_s = 10;           // silent this long → stale on the wall
};

struct PlacementConfig {
    // Basic grids with 15-digit codes; the parents' codes are its 6/9/12-digit prefixes.
    // Empty source: incidents are not placed in grids.
    std::filesystem::path grid_source;
    std::string grid_layer = "grids";
    std::string district_layer = "districts";
    std::string street_layer = "streets";
    std::string community_layer = "communities";
    std::filesystem::path beat_source;  // empty: no police beats
    std::string beat_layer = "police_beats";
    std::string beat_code_field = "code";
    std::string beat_name_field = "name";
};

struct IngestConfig {
    std::string updates_endpoint = "tcp://127.0.0.1:5556";   // PUB: sequenced updates
    std::string snapshot_endpoint = "tcp://127.0.0.1:5557";  // ROUTER: snapshots on request
    std::filesystem::path journal_dir = "journal";
    int fsync_interval_ms = 50;
    int heartbeat_ms = 1000;
    std::size_t max_message_bytes = 64 * 1024;
    std::filesystem::path dead_letter_file;  // empty: <journal_dir>/dead-letter.jsonl
    PlacementConfig placement;
    std::vector<DepartmentConfig> departments;
};

Result<IngestConfig> load_ingest_config(const std::filesystem::path& file);
Result<IngestConfig> parse_ingest_config(std::string_view toml_text,
                                         const std::filesystem::path& base_dir);

}  // namespace citywall
