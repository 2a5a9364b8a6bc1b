#include "area_leaders.hpp"

#include <algorithm>

#include "citywall/utf8.hpp"
#include "state_file.hpp"

namespace citywall::ingest {

namespace {

bool all_utf8(const std::vector<std::string>& fields) {
    return std::all_of(fields.begin(), fields.end(),
                       [](const std::string& f) { return is_valid_utf8(f); });
}

// Splits one CSV record (RFC 4180: a quoted field may hold commas and "" for a quote). The text
// after it, from the next line on, is left in `rest`. False: a quote is not closed.
bool next_record(std::string_view& rest, std::vector<std::string>& fields) {
    fields.assign(1, std::string());
    std::size_t k = 0;
    bool quoted = false;
    while (k < rest.size()) {
        const char c = rest[k++];
        if (quoted) {
            if (c != '"') {
                fields.back() += c;
            } else if (k < rest.size() && rest[k] == '"') {
                fields.back() += '"';
                ++k;
            } else {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    rest.remove_prefix(k);
    return !quoted;
}

std::string trimmed(std::string text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

}  // namespace

Result<AreaLeaders> AreaLeaders::parse(std::string_view text, std::string_view file,
                                       const std::vector<AreaLevelConfig>& levels) {
    using R = Result<AreaLeaders>;
    std::size_t line = 1;
    auto fail = [&](const std::string& why) {
        return R::failure(ErrorKind::invalid,
                          std::string(file) + ":" + std::to_string(line) + ": " + why);
    };
    if (text.size() > kMaxLeadersBytes)
        return fail("larger than " + std::to_string(kMaxLeadersBytes >> 20) + " MiB");
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

    std::vector<std::string> fields;
    if (!next_record(text, fields)) return fail("a quote is not closed");
    if (!all_utf8(fields)) return fail("not UTF-8 text");
    int level_at = -1, code_at = -1, name_at = -1, phone_at = -1;
    for (std::size_t k = 0; k < fields.size(); ++k) {
        const std::string column = trimmed(fields[k]);
        int* at = column == "level"   ? &level_at
                  : column == "code"  ? &code_at
                  : column == "name"  ? &name_at
                  : column == "phone" ? &phone_at
                                      : nullptr;
        if (!at) return fail("unknown column '" + column + "' (level, code, name, phone)");
        if (*at >= 0) return fail("column '" + column + "' twice");
        *at = static_cast<int>(k);
    }
    if (level_at < 0 || code_at < 0 || name_at < 0)
        return fail("the first line names the columns: level, code, name (and phone)");
    const std::size_t columns = fields.size();

    std::string known;
    for (const AreaLevelConfig& level : levels)
        known += level.level + ", ";
    known += kCentreLevel;

    AreaLeaders out;
    std::size_t next_line = line + 1;
    while (!text.empty()) {
        line = next_line;
        const std::string_view from = text;
        if (!next_record(text, fields)) return fail("a quote is not closed");
        // A quoted field may hold line ends: the next record starts after them.
        const std::string_view record = from.substr(0, from.size() - text.size());
        next_line = line + static_cast<std::size_t>(std::count(record.begin(), record.end(), '\n'));
        if (!all_utf8(fields)) return fail("not UTF-8 text");
        if (fields.size() == 1 && trimmed(fields[0]).empty()) continue;  // a blank line
        if (fields.size() != columns)
            return fail(std::to_string(fields.size()) + " fields, the header has " +
                        std::to_string(columns));
        std::string level = trimmed(fields[static_cast<std::size_t>(level_at)]);
        std::string code = trimmed(fields[static_cast<std::size_t>(code_at)]);
        AreaLeader leader{trimmed(fields[static_cast<std::size_t>(name_at)]),
                          phone_at >= 0 ? trimmed(fields[static_cast<std::size_t>(phone_at)]) : ""};
        const bool centre = level == kCentreLevel;
        const bool a_level = std::any_of(levels.begin(), levels.end(),
                                         [&](const auto& l) { return l.level == level; });
        if (!centre && !a_level)
            return fail("level '" + level + "' is not one of the city's levels (" + known + ")");
        if (centre) code.clear();
        if (!centre && code.empty()) return fail("no area code");
        if (leader.name.empty()) return fail("no name");
        if (!out.leaders_.try_emplace({level, code}, std::move(leader)).second)
            return fail(centre ? "the centre's leader is named twice"
                               : "area " + code + " of level " + level + " is named twice");
    }
    return out;
}

Result<AreaLeaders> AreaLeaders::read(const std::filesystem::path& path,
                                      const std::vector<AreaLevelConfig>& levels) {
    auto bytes = read_whole_file(path);
    if (!bytes) return bytes.because("leaders: ");
    return parse(*bytes, path.string(), levels);
}

const AreaLeader* AreaLeaders::find(std::string_view level, std::string_view code) const {
    const auto it = leaders_.find(std::pair<std::string, std::string>(level, code));
    return it == leaders_.end() ? nullptr : &it->second;
}

std::string EscalationReach::note() const {
    std::string text = label;
    if (!area.empty())
        text += " " + (area.name.empty() ? area.code : area.name + " (" + area.code + ")");
    else if (level != kCentreLevel)
        text += " (no area of this level holds the incident)";
    if (!leader) return text + ": no leader named";
    text += ": " + leader->name;
    if (!leader->phone.empty()) text += " " + leader->phone;
    return text;
}

EscalationReach escalation_reach(const Incident& incident, std::uint8_t steps,
                                 const std::vector<AreaLevelConfig>& levels,
                                 const AreaLeaders& leaders) {
    std::vector<const AreaLevelConfig*> first;
    for (const AreaLevelConfig& level : levels)
        if (level.hierarchy == levels.front().hierarchy) first.push_back(&level);
    EscalationReach reach;
    if (steps < first.size()) {
        const AreaLevelConfig& level = *first[first.size() - 1 - steps];
        reach.level = level.level;
        reach.label = level.name.empty() || level.name_en.empty() || level.name == level.name_en
                          ? level.label("zh")
                          : level.name + " " + level.name_en;
        if (const AreaRef* area = area_at(incident.areas, level.level)) reach.area = *area;
        if (!reach.area.empty()) reach.leader = leaders.find(reach.level, reach.area.code);
    } else {
        reach.level = std::string(kCentreLevel);
        reach.label = "指挥中心 the centre";
        reach.leader = leaders.find(kCentreLevel, "");
    }
    return reach;
}

}  // namespace citywall::ingest
