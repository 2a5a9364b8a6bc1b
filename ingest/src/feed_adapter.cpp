#include "feed_adapter.hpp"

#include "cap_alert.hpp"
#include "citywall/feed_time.hpp"
#include "geojson_feature.hpp"
#include "json_feed.hpp"

namespace citywall::ingest {

namespace {

// JSON objects read through the department's field mapping; with the default mapping and no
// maps this is citywall's own format (docs/protocol.md).
class JsonAdapter final : public FeedAdapter {
  public:
    explicit JsonAdapter(JsonReportReader reader) : reader_(std::move(reader)) {}
    FeedMessage decode(std::string_view bytes, TimeMs now) const override {
        return reader_.decode(bytes, now);
    }

  private:
    JsonReportReader reader_;
};

// One GeoJSON Feature per message; its properties read through the field mapping.
class GeoJsonAdapter final : public FeedAdapter {
  public:
    explicit GeoJsonAdapter(JsonReportReader properties) : properties_(std::move(properties)) {}
    FeedMessage decode(std::string_view bytes, TimeMs now) const override {
        return decode_geojson_feature(bytes, now, properties_);
    }

  private:
    JsonReportReader properties_;
};

// OASIS CAP 1.2 alerts; the field mapping does not apply, the vocabulary does.
class CapAdapter final : public FeedAdapter {
  public:
    CapAdapter(FeedVocabulary vocabulary, const FeedLimits& limits)
        : vocabulary_(std::move(vocabulary)), limits_(limits) {}
    FeedMessage decode(std::string_view bytes, TimeMs now) const override {
        return decode_cap_alert(bytes, now, vocabulary_, limits_);
    }

  private:
    FeedVocabulary vocabulary_;
    FeedLimits limits_;
};

// A department whose mapping cannot be used: every message is rejected with the reason, so
// the operator sees it on the feed-health panel and in the dead-letter file.
class MisconfiguredAdapter final : public FeedAdapter {
  public:
    explicit MisconfiguredAdapter(std::string problem) : problem_(std::move(problem)) {}
    FeedMessage decode(std::string_view, TimeMs) const override {
        return FeedReject{RejectReason::bad_mapping, problem_};
    }

  private:
    std::string problem_;
};

// The department's time formats in its zone. A loaded config always names the zone; a
// DepartmentConfig made in code without one reads its patterns in the machine's zone.
Result<FeedTimeFormat> time_format(const DepartmentConfig& department) {
    if (department.time_zone.empty() && department.time_formats.empty())
        return FeedTimeFormat{};  // nothing to read in a zone
    std::string name = department.time_zone;
    if (name.empty()) {
        auto machine = TimeZone::machine_zone_name();
        if (!machine) return machine.because("time_zone: ");
        name = *machine;
    }
    auto zone = TimeZone::find(name);
    if (!zone) return zone.because("time_zone: ");
    auto format = FeedTimeFormat::make(department.time_formats, std::move(*zone));
    if (!format) return format.because("time_format: ");
    return format;
}

}  // namespace

Result<void> check_feed_mapping(const DepartmentConfig& department) {
    std::string problem;
    if (!JsonFieldPaths::compile(department.fields, problem) ||
        !JsonUnitReader::make(department, problem))
        return Error{ErrorKind::invalid, problem};
    if (problem = FeedVocabulary::check(department); !problem.empty())
        return Error{ErrorKind::invalid, problem};
    if (auto times = time_format(department); !times) return times.error_value();
    return {};
}

std::unique_ptr<FeedAdapter> make_feed_adapter(const DepartmentConfig& department,
                                               const Taxonomy& taxonomy, const FeedLimits& limits) {
    std::string problem = FeedVocabulary::check(department);
    auto paths = JsonFieldPaths::compile(department.fields, problem);
    auto units = problem.empty() ? JsonUnitReader::make(department, problem) : std::nullopt;
    auto times = time_format(department);
    if (problem.empty() && !times) problem = times.error();
    if (!paths || !units || !problem.empty())
        return std::make_unique<MisconfiguredAdapter>("department " + department.code + ": " +
                                                      problem);
    FeedVocabulary vocabulary(department, taxonomy);
    switch (department.format) {
        case FeedFormat::geojson:
            return std::make_unique<GeoJsonAdapter>(
                JsonReportReader(std::move(*paths), std::move(vocabulary), limits,
                                 std::move(*units), std::move(*times)));
        case FeedFormat::cap:
            return std::make_unique<CapAdapter>(std::move(vocabulary), limits);
        case FeedFormat::citywall:
            return std::make_unique<MisconfiguredAdapter>(
                "department " + department.code + ": a citywall feed is read by its upstream link");
        case FeedFormat::json:
            break;
    }
    return std::make_unique<JsonAdapter>(JsonReportReader(
        std::move(*paths), std::move(vocabulary), limits, std::move(*units), std::move(*times)));
}

}  // namespace citywall::ingest
