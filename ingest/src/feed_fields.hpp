// What every feed format shares once a message is read: the limits on text fields, UTF-8 checks,
// and the department's vocabulary — its own words for category, severity and status turned
// into the city's (docs/protocol.md, "Department feeds"; docs/config.md, [[department]]).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "citywall/case_flow.hpp"
#include "citywall/config.hpp"
#include "citywall/utf8.hpp"
#include "feed_message.hpp"

namespace citywall::ingest {

inline constexpr std::size_t kMaxIdLength = 128;
inline constexpr std::size_t kMaxCategoryLength = 64;
inline constexpr std::size_t kMaxStatusLength = 32;
inline constexpr std::size_t kMaxTitleLength = 512;
inline constexpr std::size_t kMaxDescriptionLength = 8192;

inline FeedReject feed_reject(RejectReason reason, std::string detail) {
    return FeedReject{reason, std::move(detail)};
}

// The city taxonomy's shape: family.kind, lowercase letters, digits and `_`, ≤ 64 bytes.
bool is_well_formed_category(std::string_view category);

// A decimal number written as text: "114.0521", "-3", "22.6"; no exponent, no spaces, no sign
// but '-', at most 32 characters. Nothing for anything else.
std::optional<double> parse_decimal_text(std::string_view text);

// An integer as the key it is looked up under in a department map: its decimal text.
std::string integer_text(long long value);

// The department's words for category, severity and status, and the taxonomy that accepts the
// result. Default-constructed: the native vocabulary (no maps, every well-formed category).
class FeedVocabulary {
  public:
    FeedVocabulary() = default;
    FeedVocabulary(const DepartmentConfig& department, const Taxonomy& taxonomy);

    // Empty when the department's maps are usable, else what is wrong with them.
    static std::string check(const DepartmentConfig& department);

    bool maps_categories() const { return !categories_.empty(); }
    bool maps_severities() const { return !severities_.empty(); }
    bool maps_statuses() const { return !statuses_.empty(); }

    // The department's category word → a well-formed category; unknown_category / bad_category.
    std::optional<std::string> category(std::string_view word, FeedReject& why) const;
    // Looks a word up in `categories` without rejecting: nothing when it is not there.
    std::optional<std::string> find_category(std::string_view word) const;
    // A word (or an integer's decimal text) through `severities`; bad_severity on a miss.
    std::optional<Severity> severity(std::string_view word, FeedReject& why) const;
    std::optional<Severity> find_severity(std::string_view word) const;
    // A word through `statuses`, or one of our status names when there is no map; bad_status.
    std::optional<IncidentStatus> status(std::string_view word, FeedReject& why) const;
    // A department's word for a step of a case (an answer to an order), through its
    // case_actions when it has them, else our code; a step that is not a department's is
    // refused (bad_field) as a word not in the map is.
    std::optional<CaseAction> case_action(std::string_view word, FeedReject& why) const;
    // The last check of every report: the taxonomy accepts its category (unknown_category).
    bool accepts(std::string_view category, FeedReject& why) const;
    // The severity of a report of this category that says none ([taxonomy.default_severity]).
    Severity default_severity(std::string_view category) const {
        return taxonomy_.default_severity(category);
    }

  private:
    std::map<std::string, std::string, std::less<>> categories_;
    std::map<std::string, std::string, std::less<>> severities_;
    std::map<std::string, std::string, std::less<>> statuses_;
    std::map<std::string, std::string, std::less<>> case_actions_;
    Taxonomy taxonomy_;
};

// The checks every decoded report passes last, whatever its format: occurred not ahead of the
// clock, not before 1970, and a category the taxonomy accepts. Returns the reject, if any.
std::optional<FeedReject> final_checks(const FeedReport& report, const FeedVocabulary& vocabulary,
                                       TimeMs now, const FeedLimits& limits);

}  // namespace citywall::ingest
