#include "feed_fields.hpp"

#include <charconv>
#include <cmath>

namespace citywall::ingest {

namespace {

std::optional<Severity> severity_from_level(std::string_view level) {
    if (level.size() != 1 || level[0] < '1' || level[0] > '4') return std::nullopt;
    return static_cast<Severity>(level[0] - '0');
}

std::string quoted(std::string_view word) {
    return "'" + utf8_prefix(word, 64) + "'";
}

template <class Map>
Map copy_map(const std::map<std::string, std::string>& from) {
    return Map(from.begin(), from.end());
}

}  // namespace

bool is_well_formed_category(std::string_view c) {
    auto dot = c.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == c.size() ||
        c.size() > kMaxCategoryLength)
        return false;
    for (char ch : c) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

std::optional<double> parse_decimal_text(std::string_view text) {
    if (text.empty() || text.size() > 32) return std::nullopt;
    std::size_t pos = text[0] == '-' ? 1 : 0;
    std::size_t digits_before = 0, digits_after = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        ++pos;
        ++digits_before;
    }
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            ++pos;
            ++digits_after;
        }
        if (digits_after == 0) return std::nullopt;
    }
    if (pos != text.size() || digits_before == 0) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::string integer_text(long long value) {
    return std::to_string(value);
}

FeedVocabulary::FeedVocabulary(const DepartmentConfig& department, const Taxonomy& taxonomy)
    : categories_(copy_map<decltype(categories_)>(department.categories)),
      severities_(copy_map<decltype(severities_)>(department.severities)),
      statuses_(copy_map<decltype(statuses_)>(department.statuses)),
      case_actions_(copy_map<decltype(case_actions_)>(department.case_actions)),
      taxonomy_(taxonomy) {}

namespace {
// One of a department's steps by our code; nothing for anything else.
std::optional<CaseAction> department_step(std::string_view code) {
    const auto action = parse_case_action(code);
    if (!action || !rule_of(*action).taken_by(Doer::department)) return std::nullopt;
    return action;
}
constexpr std::string_view kDepartmentSteps =
    "sign, return_request, arrive, resolve, extend_request";
}  // namespace

std::optional<CaseAction> FeedVocabulary::case_action(std::string_view word,
                                                      FeedReject& why) const {
    if (!case_actions_.empty()) {
        const auto it = case_actions_.find(word);
        if (it == case_actions_.end()) {
            why = feed_reject(RejectReason::bad_field, quoted(word) + " is not in case_actions");
            return std::nullopt;
        }
        return department_step(it->second);  // checked with the config
    }
    const auto step = department_step(word);
    if (!step)
        why = feed_reject(RejectReason::bad_field, "action '" + utf8_prefix(word, 64) +
                                                       "' is not a department's (" +
                                                       std::string(kDepartmentSteps) + ")");
    return step;
}

std::string FeedVocabulary::check(const DepartmentConfig& department) {
    for (const auto& [word, category] : department.categories)
        if (!is_well_formed_category(category))
            return "categories." + word + " = '" + category + "' is not a family.kind category";
    for (const auto& [word, level] : department.severities)
        if (!severity_from_level(level))
            return "severities." + word + " = '" + level + "' is not 1..4";
    for (const auto& [word, status] : department.statuses)
        if (!parse_incident_status(status))
            return "statuses." + word + " = '" + status + "' is not a citywall status";
    for (const auto& [word, action] : department.case_actions)
        if (!department_step(action))
            return "case_actions." + word + " = '" + action + "' is not a department's step (" +
                   std::string(kDepartmentSteps) + ")";
    return {};
}

std::optional<std::string> FeedVocabulary::find_category(std::string_view word) const {
    if (auto it = categories_.find(word); it != categories_.end()) return it->second;
    return std::nullopt;
}

std::optional<std::string> FeedVocabulary::category(std::string_view word, FeedReject& why) const {
    if (maps_categories()) {
        auto mapped = find_category(word);
        if (!mapped) {
            const std::string detail = quoted(word) + " is not in categories";
            why = feed_reject(RejectReason::unknown_category, detail);
        }
        return mapped;
    }
    if (!is_well_formed_category(word)) {
        why = feed_reject(RejectReason::bad_category, utf8_prefix(word, kMaxCategoryLength));
        return std::nullopt;
    }
    return std::string(word);
}

std::optional<Severity> FeedVocabulary::find_severity(std::string_view word) const {
    if (auto it = severities_.find(word); it != severities_.end())
        return severity_from_level(it->second);
    return std::nullopt;
}

std::optional<Severity> FeedVocabulary::severity(std::string_view word, FeedReject& why) const {
    auto level = maps_severities() ? find_severity(word) : severity_from_level(word);
    if (!level)
        why = feed_reject(RejectReason::bad_severity,
                          maps_severities() ? quoted(word) + " is not in severities"
                                            : "severity must be 1 (critical) to 4 (low)");
    return level;
}

std::optional<IncidentStatus> FeedVocabulary::status(std::string_view word, FeedReject& why) const {
    std::optional<IncidentStatus> status;
    if (maps_statuses()) {
        if (auto it = statuses_.find(word); it != statuses_.end())
            status = parse_incident_status(it->second);
        if (!status)
            why = feed_reject(RejectReason::bad_status, quoted(word) + " is not in statuses");
    } else {
        status = parse_incident_status(word);
        if (!status)
            why = feed_reject(RejectReason::bad_status, utf8_prefix(word, kMaxStatusLength));
    }
    return status;
}

bool FeedVocabulary::accepts(std::string_view category, FeedReject& why) const {
    if (taxonomy_.accepts(category)) return true;
    why = feed_reject(RejectReason::unknown_category,
                      utf8_prefix(category, kMaxCategoryLength) + " is not in the taxonomy");
    return false;
}

std::optional<FeedReject> final_checks(const FeedReport& report, const FeedVocabulary& vocabulary,
                                       TimeMs now, const FeedLimits& limits) {
    if (report.occurred > now + limits.max_future_ms)
        return feed_reject(RejectReason::future_time, "occurred is ahead of ingest's clock");
    if (report.occurred < 0) return feed_reject(RejectReason::bad_time, "occurred before 1970");
    FeedReject why;
    if (!vocabulary.accepts(report.category, why)) return why;
    return std::nullopt;
}

}  // namespace citywall::ingest
