// The command centre itself ([centre] in docs/config.md): its name, the language(s) its walls
// speak, its time zone and where the city ends. Ingest and the walls read the same table.
#pragma once

#include <string>
#include <string_view>

#include "citywall/result.hpp"
#include "citywall/toml_schema.hpp"

namespace citywall {

// What a wall's words are in: Chinese, English, or both side by side ("接入状态 Feed health").
enum class Language { zh, en, zh_en };

// `zh`, `en` or both, the Chinese first; one of them alone when the other is empty or the same.
std::string in_language(Language language, std::string_view zh, std::string_view en);

struct CentreConfig {
    std::string name;     // "深圳市城市运行管理中心": the wall's title, in the log
    std::string name_en;  // "Shenzhen City Operations Centre"
    Language language = Language::zh_en;
    // An incident farther than this beyond every area is "outside the city" (Incident::far_m).
    double outside_km = 10;
    // Its IANA time zone: the zone of a department that names none. Empty when the file names
    // none; ingest's loaded config then has the machine's zone.
    std::string time_zone;

    // The centre's name in its walls' language; `fallback` when it has none.
    std::string title(std::string_view fallback) const;
};

// The keys of [centre], for a program's schema (toml_schema::check).
inline constexpr toml_schema::Key kCentreKeys[] = {
    {"name", toml_schema::Type::string},       {"name_en", toml_schema::Type::string},
    {"language", toml_schema::Type::string},   {"time_zone", toml_schema::Type::string},
    {"outside_km", toml_schema::Type::number},
};

// Reads [centre] of `root` (already checked against a schema holding kCentreKeys). Refused, with
// the file, line and key: a language that is not "zh", "en" or "zh+en", outside_km beyond
// 0..20000, and a time zone the system does not know.
Result<CentreConfig> read_centre(const toml::table& root, std::string_view file);

}  // namespace citywall
