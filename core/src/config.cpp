#include "citywall/config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "citywall/config_schemas.hpp"
#include "citywall/feed_time.hpp"
#include "citywall/time_zone.hpp"
#include "citywall/toml_schema.hpp"

namespace citywall {

namespace {

using toml_schema::FileRole;
using toml_schema::Key;
using toml_schema::Type;

// Every key an ingest file may hold and the type of its value (docs/config.md). Anything else
// stops ingest at start: a misspelt journal_dir must not send the journal somewhere else.
constexpr Key kIngestKeys[] = {
    {"updates_endpoint", Type::endpoint},
    {"snapshot_endpoint", Type::endpoint},
    {"journal_dir", Type::string, {}, FileRole::output},
    {"dead_letter_file", Type::string, {}, FileRole::output},
    {"fsync_interval_ms", Type::integer},
    {"heartbeat_ms", Type::integer},
    {"max_message_bytes", Type::integer},
    {"checkpoint_every", Type::integer},
    {"publish_queue", Type::integer},
    {"max_walls", Type::integer},
    {"dead_letter_max_bytes", Type::integer},
    {"dead_letter_record_bytes", Type::integer},
    {"drill", Type::boolean},
    {"live_config", Type::string, {}, FileRole::local},
};
// default_severity: a category, or a prefix of some followed by .*, → a severity.
constexpr Key kTaxonomyKeys[] = {{"categories", Type::strings}, {"default_severity", Type::words}};
constexpr Key kMergeKeys[] = {
    {"enabled", Type::boolean},
    {"distance_m", Type::number},
    {"window_s", Type::integer},
    {"compatible", Type::string_lists},
};
// [deadlines] and each [[deadline]]: minutes from receipt by severity (docs/config.md).
constexpr const char* kDeadlineMinutes[] = {"critical_minutes", "major_minutes", "moderate_minutes",
                                            "low_minutes", "sign_minutes"};
constexpr Key kDeadlinesKeys[] = {
    {"critical_minutes", Type::integer},          {"major_minutes", Type::integer},
    {"moderate_minutes", Type::integer},          {"low_minutes", Type::integer},
    {"escalate_every_minutes", Type::integer},    {"sign_minutes", Type::integer},
    {"leaders", Type::string, {}, FileRole::map},
};
constexpr Key kDeadlineKeys[] = {
    {"category", Type::string},       {"critical_minutes", Type::integer},
    {"major_minutes", Type::integer}, {"moderate_minutes", Type::integer},
    {"low_minutes", Type::integer},   {"sign_minutes", Type::integer},
};
constexpr std::int64_t kMaxDeadlineMinutes = 30 * 24 * 60;
constexpr Key kSecurityKeys[] = {{"keys", Type::string},
                                 {"ingest_key_file", Type::string, {}, FileRole::key},
                                 {"role_without_keys", Type::string}};
// [department.fields] and [department.unit_fields]: paths into the department's messages.
constexpr Key kFieldKeys[] = {
    {"id", Type::string},       {"category", Type::string}, {"severity", Type::string},
    {"status", Type::string},   {"lon", Type::string},      {"lat", Type::string},
    {"occurred", Type::string}, {"title", Type::string},    {"description", Type::string},
    {"priority", Type::string}, {"type", Type::string},     {"order", Type::string},
    {"action", Type::string},   {"reason", Type::string},   {"note", Type::string},
    {"until", Type::string},
};
constexpr Key kUnitFieldKeys[] = {
    {"id", Type::string},      {"callsign", Type::string}, {"kind", Type::string},
    {"status", Type::string},  {"lon", Type::string},      {"lat", Type::string},
    {"heading", Type::string}, {"speed", Type::string},    {"incident", Type::string},
    {"time", Type::string},
};
constexpr Key kDepartmentKeys[] = {
    {"code", Type::string},
    {"name", Type::string},
    {"name_en", Type::string},
    {"endpoint", Type::endpoint},
    {"socket", Type::string},
    {"format", Type::string},
    {"crs", Type::string},
    {"heartbeat_s", Type::integer},
    {"public_key", Type::string, {}, FileRole::key_text},
    {"public_key_file", Type::string, {}, FileRole::key},
    {"snapshot_endpoint", Type::endpoint},
    {"max_rate", Type::integer},
    {"time_zone", Type::string},
    {"time_format", Type::string_or_strings},
    {"fields", Type::table, kFieldKeys},
    {"unit_fields", Type::table, kUnitFieldKeys},
    // The department's own words (any key) → ours.
    {"categories", Type::words},
    {"severities", Type::words},
    {"statuses", Type::words},
    {"unit_kinds", Type::words},
    {"unit_statuses", Type::words},
    {"case_actions", Type::words},
};
constexpr Key kWallKeys[] = {
    {"name", Type::string},
    {"public_key", Type::string, {}, FileRole::key_text},
    {"public_key_file", Type::string, {}, FileRole::key},
    {"role", Type::string},
};
constexpr Key kSections[] = {
    {"centre", Type::table, kCentreKeys},
    {"ingest", Type::table, kIngestKeys},
    {"area", Type::tables, kAreaLevelKeys},
    {"taxonomy", Type::table, kTaxonomyKeys},
    {"merge", Type::table, kMergeKeys},
    {"deadlines", Type::table, kDeadlinesKeys},
    {"deadline", Type::tables, kDeadlineKeys},
    {"security", Type::table, kSecurityKeys},
    {"department", Type::tables, kDepartmentKeys},
    {"wall", Type::tables, kWallKeys},
};

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
    if (path.empty()) return {};
    std::filesystem::path p(path);
    return p.is_absolute() ? p : base / p;
}

// Reads a table of words into a map; the schema has checked that each value is a string or an
// integer (a numeric code).
void read_map(const toml::node_view<const toml::node>& table, const char* key,
              std::map<std::string, std::string>& out) {
    const auto* t = table[key].as_table();
    if (!t) return;
    for (const auto& [k, v] : *t) {
        auto number = v.value<std::int64_t>();
        out[std::string(k.str())] = number ? std::to_string(*number) : *v.value<std::string>();
    }
}

template <class T>
void read(const toml::node_view<const toml::node>& table, const char* key, T& out) {
    if (auto v = table[key].value<T>()) out = *v;
}

// The four *_minutes keys of a table, each 0..kMaxDeadlineMinutes; the first out of range.
const char* read_minutes(const toml::node_view<const toml::node>& table, DeadlineMinutes& out) {
    for (std::size_t k = 0; k < out.size(); ++k) {
        const auto minutes = table[kDeadlineMinutes[k]].value<std::int64_t>();
        if (!minutes) continue;
        if (*minutes < 0 || *minutes > kMaxDeadlineMinutes) return kDeadlineMinutes[k];
        out[k] = static_cast<int>(*minutes);
    }
    return nullptr;
}

// A category ("fire.building": words of lowercase letters, digits and _, joined by dots, at
// least two) or a prefix of one followed by ".*" ("fire.*", "fire.building.*").
bool is_deadline_category(std::string_view category) {
    const bool pattern = category.ends_with(".*");
    if (pattern) category.remove_suffix(2);
    if (category.empty() || category.size() > 64) return false;
    bool in_word = false;
    int dots = 0;
    for (char c : category) {
        if (c == '.') {
            if (!in_word) return false;
            in_word = false;
            ++dots;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            in_word = true;
        } else {
            return false;
        }
    }
    return in_word && (pattern || dots >= 1);
}

// A severity as the file may write it: 1..4, or its name.
std::optional<Severity> severity_named(const toml::node& value) {
    if (auto level = value.value<std::int64_t>(); level && *level >= 1 && *level <= 4)
        return static_cast<Severity>(*level);
    const auto name = value.value<std::string>();
    if (!name || name->size() == 1) return std::nullopt;  // "1" is not a severity; 1 is
    return parse_severity(*name);
}

std::vector<std::string> read_strings(const toml::array& list) {
    std::vector<std::string> out;
    for (const auto& item : list)
        out.push_back(*item.value<std::string>());
    return out;
}

Result<IngestConfig> parse(std::string_view text, const std::filesystem::path& base_dir,
                           const std::string& file) {
    using R = Result<IngestConfig>;
    toml::table root;
    try {
        root = toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& e) {
        return R::failure(ErrorKind::invalid,
                          toml_schema::location(file, e.source()) + std::string(e.description()));
    }
    // A file written for the fixed grid hierarchy: say what replaced it, not just "unknown".
    if (const toml::node* old = root.get("placement"))
        return R::failure(ErrorKind::invalid,
                          toml_schema::problem(file, old, "[placement]", "",
                                               "replaced by [[area]] tables, one a level "
                                               "(docs/config.md, \"Areas\")"));
    // Every key and type first, so no value below is read from a file that has a mistake.
    if (auto mistakes = toml_schema::check(root, kSections, file); !mistakes.empty())
        return R::failure(ErrorKind::invalid, mistakes);
    const auto fail = [&](const toml::node* table, std::string_view section, std::string_view key,
                          std::string_view what) {
        return R::failure(ErrorKind::invalid,
                          toml_schema::problem(file, table, section, key, what));
    };

    IngestConfig config;
    const toml::node* ingest_table = root.get("ingest");
    const toml::node_view<const toml::node> ingest{ingest_table};
    read(ingest, "updates_endpoint", config.updates_endpoint);
    read(ingest, "snapshot_endpoint", config.snapshot_endpoint);
    for (const auto& [key, endpoint] : {std::pair{"updates_endpoint", &config.updates_endpoint},
                                        {"snapshot_endpoint", &config.snapshot_endpoint}})
        if (endpoint->empty())
            return fail(ingest_table, "[ingest]", key,
                        "\"\" is not a ZeroMQ endpoint (tcp://host:port, ipc://path or "
                        "inproc://name)");
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
        return fail(ingest_table, "[ingest]", "publish_queue", "must be 100..10000000");
    config.publish_queue = static_cast<int>(publish_queue);
    std::int64_t max_walls = config.max_walls;
    read(ingest, "max_walls", max_walls);
    if (max_walls < 1 || max_walls > 10'000)
        return fail(ingest_table, "[ingest]", "max_walls", "must be 1..10000");
    config.max_walls = static_cast<int>(max_walls);
    auto dead_letter_max = static_cast<std::int64_t>(config.dead_letter_max_bytes);
    auto dead_letter_record = static_cast<std::int64_t>(config.dead_letter_record_bytes);
    read(ingest, "dead_letter_max_bytes", dead_letter_max);
    read(ingest, "dead_letter_record_bytes", dead_letter_record);
    if (dead_letter_max < 0 || dead_letter_max > (std::int64_t{1} << 40))
        return fail(ingest_table, "[ingest]", "dead_letter_max_bytes", "must be 0..1 TiB");
    if (dead_letter_record < 0 || dead_letter_record > (64 << 20))
        return fail(ingest_table, "[ingest]", "dead_letter_record_bytes", "must be 0..64 MiB");
    config.dead_letter_max_bytes = static_cast<std::uint64_t>(dead_letter_max);
    config.dead_letter_record_bytes = static_cast<std::size_t>(dead_letter_record);
    std::int64_t checkpoint_every = static_cast<std::int64_t>(config.checkpoint_every);
    read(ingest, "checkpoint_every", checkpoint_every);
    if (checkpoint_every < 0)
        return fail(ingest_table, "[ingest]", "checkpoint_every", "must be 0 or more");
    config.checkpoint_every = static_cast<std::uint64_t>(checkpoint_every);
    if (fsync < 0 || fsync > 1000)
        return fail(ingest_table, "[ingest]", "fsync_interval_ms", "must be 0..1000");
    if (heartbeat < 100 || heartbeat > 60000)
        return fail(ingest_table, "[ingest]", "heartbeat_ms", "must be 100..60000");
    if (max_bytes < 256 || max_bytes > (16 << 20))
        return fail(ingest_table, "[ingest]", "max_message_bytes", "must be 256..16777216");
    config.fsync_interval_ms = static_cast<int>(fsync);
    config.heartbeat_ms = static_cast<int>(heartbeat);
    config.max_message_bytes = static_cast<std::size_t>(max_bytes);
    read(ingest, "drill", config.drill);
    std::string live_config;
    read(ingest, "live_config", live_config);
    if (!live_config.empty() && !config.drill)
        return fail(ingest_table, "[ingest]", "live_config",
                    "only a drill names the live city's config");
    if (!live_config.empty()) config.live_config = resolve(base_dir, live_config);

    auto areas = read_area_levels(root, file, base_dir);
    if (!areas) return areas.error_value();
    config.areas = std::move(*areas);

    auto centre = read_centre(root, file);
    if (!centre) return centre.error_value();
    config.centre = std::move(*centre);
    if (config.centre.time_zone.empty()) {
        auto machine = TimeZone::machine_zone_name();
        if (!machine) return fail(root.get("centre"), "[centre]", "time_zone", machine.error());
        config.centre.time_zone = *machine;
        if (auto zone = TimeZone::find(config.centre.time_zone); !zone)
            return fail(root.get("centre"), "[centre]", "time_zone", zone.error());
    }

    if (const auto* categories = root["taxonomy"]["categories"].as_array())
        config.taxonomy.categories = read_strings(*categories);
    if (const auto* defaults = root["taxonomy"]["default_severity"].as_table()) {
        const auto& taxonomy = config.taxonomy.categories;
        for (const auto& [key, value] : *defaults) {
            const std::string category(key.str());
            const std::string where = "[taxonomy.default_severity]";
            if (!is_deadline_category(category))
                return fail(defaults, where, category,
                            "is neither a category (family.kind) nor a prefix of one followed "
                            "by .* (fire.*)");
            if (!taxonomy.empty() &&
                std::none_of(taxonomy.begin(), taxonomy.end(),
                             [&](const std::string& c) { return category_matches(category, c); }))
                return fail(defaults, where, category,
                            category.ends_with(".*") ? "matches no category of [taxonomy]"
                                                     : "is not a category of [taxonomy]");
            auto severity = severity_named(value);
            if (!severity)
                return fail(defaults, where, category,
                            "must be 1..4 or critical, major, moderate, low");
            config.taxonomy.default_severities.push_back({category, *severity});
        }
    }

    const toml::node* merge_table = root.get("merge");
    const toml::node_view<const toml::node> merge{merge_table};
    read(merge, "enabled", config.merge.enabled);
    read(merge, "distance_m", config.merge.distance_m);
    std::int64_t window_s = config.merge.window_ms / 1000;
    read(merge, "window_s", window_s);
    if (config.merge.distance_m < 0 || config.merge.distance_m > 10'000)
        return fail(merge_table, "[merge]", "distance_m", "must be 0..10000");
    if (window_s < 0 || window_s > 86'400)
        return fail(merge_table, "[merge]", "window_s", "must be 0..86400");
    config.merge.window_ms = window_s * 1000;
    if (const auto* groups = merge["compatible"].as_array())
        for (const auto& group : *groups)
            config.merge.compatible.push_back(read_strings(*group.as_array()));

    const toml::node* deadlines_table = root.get("deadlines");
    const toml::node_view<const toml::node> deadlines{deadlines_table};
    DeadlineConfig& due = config.deadlines;
    if (const char* key = read_minutes(deadlines, due.minutes))
        return fail(deadlines_table, "[deadlines]", key,
                    "must be 0..43200 minutes (0: no deadline)");
    std::int64_t every = due.escalate_every_minutes;
    read(deadlines, "escalate_every_minutes", every);
    if (every < 1 || every > 1440)
        return fail(deadlines_table, "[deadlines]", "escalate_every_minutes", "must be 1..1440");
    due.escalate_every_minutes = static_cast<int>(every);
    std::string leaders;
    read(deadlines, "leaders", leaders);
    if (!leaders.empty()) due.leaders = resolve(base_dir, leaders);
    if (const auto* rules = root["deadline"].as_array()) {
        std::map<std::string, std::size_t> categories;  // → the rule that has it
        for (std::size_t k = 0; k < rules->size(); ++k) {
            const toml::node* table = rules->get(k);
            const std::string where = "[[deadline]] #" + std::to_string(k + 1);
            const toml::node_view<const toml::node> r{table};
            DeadlineRule rule;
            read(r, "category", rule.category);
            if (rule.category.empty()) return fail(table, where, "", "category is missing");
            if (!is_deadline_category(rule.category))
                return fail(table, where, "category",
                            "\"" + rule.category +
                                "\" is neither a category (family.kind) nor a prefix of one "
                                "followed by .* (fire.*)");
            const auto& taxonomy = config.taxonomy.categories;
            if (!taxonomy.empty() &&
                std::none_of(taxonomy.begin(), taxonomy.end(),
                             [&](const std::string& c) { return rule.matches(c); }))
                return fail(table, where, "category",
                            "\"" + rule.category +
                                (rule.pattern() ? "\" matches no category of [taxonomy]"
                                                : "\" is not a category of [taxonomy]"));
            if (auto [first, fresh] = categories.emplace(rule.category, k + 1); !fresh)
                return fail(table, where, "category",
                            rule.category + " is also the category of deadline #" +
                                std::to_string(first->second));
            if (const char* key = read_minutes(r, rule.minutes))
                return fail(table, where, key, "must be 0..43200 minutes (0: no deadline)");
            if (std::none_of(rule.minutes.begin(), rule.minutes.end(),
                             [](const auto& m) { return m.has_value(); }))
                return fail(table, where, "",
                            "sets no deadline (critical_minutes, major_minutes, "
                            "moderate_minutes, low_minutes or sign_minutes)");
            due.rules.push_back(std::move(rule));
        }
    }

    const toml::node* security_table = root.get("security");
    const toml::node_view<const toml::node> security{security_table};
    std::string keys = "on", ingest_key_file;
    read(security, "keys", keys);
    read(security, "ingest_key_file", ingest_key_file);
    if (keys != "on" && keys != "off")
        return fail(security_table, "[security]", "keys", "must be \"on\" or \"off\"");
    config.keys_off = keys == "off";
    config.ingest_key_file = resolve(base_dir, ingest_key_file);
    std::string role_without_keys = "viewer";
    read(security, "role_without_keys", role_without_keys);
    if (auto role = parse_wall_role(role_without_keys))
        config.role_without_keys = *role;
    else
        return fail(
            security_table, "[security]", "role_without_keys",
            "\"" + role_without_keys + "\" is not a role (viewer, operator, leader, trainer)");

    std::map<std::string, std::size_t> codes, endpoints;  // → the department that has it
    if (const auto* departments = root["department"].as_array()) {
        for (std::size_t k = 0; k < departments->size(); ++k) {
            const toml::node* table = departments->get(k);
            const std::string where = "[[department]] #" + std::to_string(k + 1);
            const toml::node_view<const toml::node> d{table};
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
                return fail(table, where, "format", "must be json, geojson, cap or citywall");
            }
            if (socket == "pull") {
                dept.socket = FeedSocket::pull;
            } else if (socket == "sub") {
                dept.socket = FeedSocket::sub;
            } else if (socket == "acknowledged") {
                dept.socket = FeedSocket::acknowledged;
            } else {
                return fail(table, where, "socket", "must be pull, sub or acknowledged");
            }
            read(d, "public_key", dept.public_key);
            read(d, "snapshot_endpoint", dept.snapshot_endpoint);
            if (dept.format == FeedFormat::citywall &&
                (dept.socket != FeedSocket::sub || dept.snapshot_endpoint.empty()))
                return fail(table, where, "format",
                            "a citywall feed needs socket = \"sub\" and a snapshot_endpoint");
            std::string public_key_file;
            read(d, "public_key_file", public_key_file);
            dept.public_key_file = resolve(base_dir, public_key_file);
            if (!dept.public_key.empty() && dept.public_key.size() != 40)
                return fail(table, where, "public_key", "must be 40 Z85 characters");
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
                                      {"priority", &f.priority},
                                      {"type", &f.type},
                                      {"order", &f.order},
                                      {"action", &f.action},
                                      {"reason", &f.reason},
                                      {"note", &f.note},
                                      {"until", &f.until}})
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
            read_map(d, "unit_kinds", dept.unit_kinds);
            read_map(d, "unit_statuses", dept.unit_statuses);
            read_map(d, "case_actions", dept.case_actions);
            read_map(d, "categories", dept.categories);
            read_map(d, "severities", dept.severities);
            read_map(d, "statuses", dept.statuses);
            if (dept.code.empty()) return fail(table, where, "", "code is missing");
            if (dept.code.front() == '@')
                return fail(table, where, "code", "may not start with '@' (kept for the walls)");
            std::int64_t max_rate = 0;
            read(d, "max_rate", max_rate);
            if (max_rate < 0 || max_rate > 10'000'000)
                return fail(table, where, "max_rate", "must be 0..10000000 messages a second");
            dept.max_rate = static_cast<int>(max_rate);
            dept.time_zone = config.centre.time_zone;
            read(d, "time_zone", dept.time_zone);
            auto zone = TimeZone::find(dept.time_zone);
            if (!zone) return fail(table, where, "time_zone", zone.error());
            if (auto one = d["time_format"].value<std::string>()) {
                dept.time_formats.push_back(*one);
            } else if (const auto* many = d["time_format"].as_array()) {
                dept.time_formats = read_strings(*many);
                if (dept.time_formats.empty())
                    return fail(table, where, "time_format",
                                "an empty list; leave the key out for the default");
            }
            if (auto times = FeedTimeFormat::make(dept.time_formats, std::move(*zone)); !times)
                return fail(table, where, "time_format", times.error());
            if (dept.endpoint.empty()) return fail(table, where, "", "endpoint is missing");
            if (hb < 1 || hb > 3600) return fail(table, where, "heartbeat_s", "must be 1..3600");
            dept.heartbeat_s = static_cast<int>(hb);
            if (auto [first, fresh] = codes.emplace(dept.code, k + 1); !fresh)
                return fail(table, where, "code",
                            dept.code + " is also the code of department #" +
                                std::to_string(first->second));
            if (auto [first, fresh] = endpoints.emplace(dept.endpoint, k + 1); !fresh)
                return fail(table, where, "endpoint",
                            dept.endpoint + " is also the endpoint of department #" +
                                std::to_string(first->second));
            config.departments.push_back(std::move(dept));
        }
    }
    if (config.departments.empty()) return fail(nullptr, "", "", "no [[department]] configured");

    std::map<std::string, std::size_t> wall_names;  // → the wall that has it
    if (const auto* walls = root["wall"].as_array()) {
        for (std::size_t k = 0; k < walls->size(); ++k) {
            const toml::node* table = walls->get(k);
            const std::string where = "[[wall]] #" + std::to_string(k + 1);
            const toml::node_view<const toml::node> w{table};
            WallConfig wall;
            std::string role = "viewer", public_key_file;
            read(w, "name", wall.name);
            read(w, "public_key", wall.public_key);
            read(w, "public_key_file", public_key_file);
            read(w, "role", role);
            wall.public_key_file = resolve(base_dir, public_key_file);
            if (wall.name.empty()) return fail(table, where, "", "name is missing");
            if (auto [first, fresh] = wall_names.emplace(wall.name, k + 1); !fresh)
                return fail(
                    table, where, "name",
                    wall.name + " is also the name of wall #" + std::to_string(first->second));
            if (auto parsed = parse_wall_role(role))
                wall.role = *parsed;
            else
                return fail(table, where, "role",
                            "\"" + role + "\" is not a role (viewer, operator, leader, trainer)");
            if (!wall.public_key.empty() && wall.public_key.size() != 40)
                return fail(table, where, "public_key", "must be 40 Z85 characters");
            if (wall.public_key.empty() && wall.public_key_file.empty())
                return fail(table, where, "", "public_key or public_key_file is missing");
            config.walls.push_back(std::move(wall));
        }
    }
    return config;
}

}  // namespace

std::span<const toml_schema::Key> ingest_config_schema() {
    return kSections;
}

Result<IngestConfig> parse_ingest_config(std::string_view text,
                                         const std::filesystem::path& base_dir) {
    return parse(text, base_dir, "");
}

std::string_view describe(WallRole role) {
    switch (role) {
        case WallRole::viewer:
            return "viewer";
        case WallRole::operator_:
            return "operator";
        case WallRole::leader:
            return "leader";
        case WallRole::trainer:
            return "trainer";
    }
    return "?";
}

std::optional<Doer> doer_of(WallRole role) {
    if (role == WallRole::leader) return Doer::leader;
    if (role == WallRole::operator_) return Doer::operator_;
    return std::nullopt;
}

std::optional<WallRole> parse_wall_role(std::string_view text) {
    for (WallRole role :
         {WallRole::viewer, WallRole::operator_, WallRole::leader, WallRole::trainer})
        if (describe(role) == text) return role;
    return std::nullopt;
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

bool category_matches(std::string_view rule, std::string_view c) {
    if (!rule.ends_with(".*")) return c == rule;
    // "fire.*": every category that starts with "fire.".
    const std::string_view prefix = rule.substr(0, rule.size() - 1);
    return c.size() > prefix.size() && c.starts_with(prefix);
}

bool DeadlineRule::matches(std::string_view c) const {
    return category_matches(category, c);
}

TimeMs DeadlineConfig::deadline_ms(std::string_view category, Severity severity) const {
    const auto level = static_cast<std::size_t>(severity) - 1;
    return level < kSignMinutes ? minutes_ms(category, level) : 0;
}

TimeMs DeadlineConfig::sign_ms(std::string_view category) const {
    return minutes_ms(category, kSignMinutes);
}

TimeMs DeadlineConfig::minutes_ms(std::string_view category, std::size_t level) const {
    std::optional<int> chosen = minutes[level];
    std::size_t chosen_specificity = 0;  // [deadlines]
    for (const DeadlineRule& rule : rules) {
        if (!rule.minutes[level] || !rule.matches(category)) continue;
        // The exact category outranks every prefix, and a longer prefix a shorter one. Two
        // rules never tie: the config refuses a category twice.
        const std::size_t specificity =
            rule.pattern() ? rule.category.size() : std::numeric_limits<std::size_t>::max();
        if (specificity > chosen_specificity) {
            chosen_specificity = specificity;
            chosen = rule.minutes[level];
        }
    }
    return chosen ? TimeMs{*chosen} * 60'000 : 0;
}

Severity Taxonomy::default_severity(std::string_view category) const {
    Severity chosen = Severity::moderate;
    std::size_t chosen_specificity = 0;
    for (const CategorySeverity& entry : default_severities) {
        if (!category_matches(entry.category, category)) continue;
        // As for deadlines: the category itself outranks every prefix, a longer prefix a
        // shorter one; a TOML table never has one key twice.
        const std::size_t specificity = entry.category.ends_with(".*")
                                            ? entry.category.size()
                                            : std::numeric_limits<std::size_t>::max();
        if (specificity > chosen_specificity) {
            chosen_specificity = specificity;
            chosen = entry.severity;
        }
    }
    return chosen;
}

bool Taxonomy::accepts(std::string_view category) const {
    if (categories.empty()) return true;
    for (const auto& c : categories)
        if (c == category) return true;
    return false;
}

Result<IngestConfig> load_ingest_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Result<IngestConfig>::failure(ErrorKind::io, "cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.parent_path(), file.string());
}

Result<IngestConfig> load_drill_config(const std::filesystem::path& file,
                                       std::string_view because) {
    auto config = load_ingest_config(file);
    if (!config) return config;
    if (!config->drill)
        return Result<IngestConfig>::failure(ErrorKind::invalid,
                                             file.string() +
                                                 " is not a drill's config ([ingest] drill = "
                                                 "true): " +
                                                 std::string(because));
    return config;
}

}  // namespace citywall
