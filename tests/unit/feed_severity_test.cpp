// A category's own severity ([taxonomy.default_severity], docs/config.md): what a report that
// says no severity gets, the most specific entry first; the report's own severity always wins.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "citywall/config.hpp"
#include "feed_adapter.hpp"

namespace citywall::ingest {
namespace {

constexpr TimeMs kNow = 1795000000000;

constexpr const char* kCity = R"([centre]
time_zone = "UTC"

[taxonomy]
categories = ["fire.building", "fire.vehicle", "medical.cardiac", "medical.fall",
              "hotline.noise", "police.theft"]

[taxonomy.default_severity]
"fire.*" = "major"
"fire.building" = 1
"medical.cardiac" = "critical"
"hotline.noise" = "low"

[[department]]
code = "110"
endpoint = "tcp://127.0.0.1:5601"
)";

Taxonomy city() {
    auto config = parse_ingest_config(kCity, "/tmp");
    EXPECT_TRUE(config) << config.error();
    return config ? config->taxonomy : Taxonomy{};
}

Severity severity_of(const FeedMessage& message) {
    const auto* report = std::get_if<FeedReport>(&message);
    if (!report) {
        ADD_FAILURE() << "rejected: " << std::get<FeedReject>(message).detail;
        return Severity::moderate;
    }
    return report->severity;
}

TEST(TaxonomySeverityTest, TheMostSpecificEntryWinsElseModerate) {
    const Taxonomy taxonomy = city();
    EXPECT_EQ(taxonomy.default_severity("fire.building"), Severity::critical);  // over fire.*
    EXPECT_EQ(taxonomy.default_severity("fire.vehicle"), Severity::major);      // fire.*
    EXPECT_EQ(taxonomy.default_severity("medical.cardiac"), Severity::critical);
    EXPECT_EQ(taxonomy.default_severity("medical.fall"), Severity::moderate);  // no entry
    EXPECT_EQ(taxonomy.default_severity("hotline.noise"), Severity::low);
    EXPECT_EQ(Taxonomy{}.default_severity("fire.building"), Severity::moderate);
}

TEST(TaxonomySeverityTest, AReportWithoutSeverityTakesItsCategorysAndItsOwnWins) {
    const Taxonomy taxonomy = city();
    auto native = make_feed_adapter(DepartmentConfig{}, taxonomy, {});
    const auto report = [&](const std::string& category, const std::string& more) {
        return native->decode(
            R"({"id":"1","category":")" + category + R"(","lon":114,"lat":22)" + more + "}", kNow);
    };
    EXPECT_EQ(severity_of(report("fire.building", "")), Severity::critical);
    EXPECT_EQ(severity_of(report("fire.vehicle", "")), Severity::major);
    EXPECT_EQ(severity_of(report("medical.fall", "")), Severity::moderate);
    EXPECT_EQ(severity_of(report("hotline.noise", ",\"severity\":null")), Severity::low);
    EXPECT_EQ(severity_of(report("fire.building", ",\"severity\":4")), Severity::low);
    EXPECT_EQ(severity_of(report("hotline.noise", ",\"severity\":1")), Severity::critical);

    // Through a department's own words, and a GeoJSON Feature: the same.
    DepartmentConfig hotline;
    hotline.format = FeedFormat::geojson;
    hotline.fields.severity = "level";
    hotline.severities = {{"紧急", "2"}};
    auto sensors = make_feed_adapter(hotline, taxonomy, {});
    const auto feature = [&](const std::string& properties) {
        return sensors->decode(R"({"type":"Feature","id":"f","geometry":{"type":"Point",)"
                               R"("coordinates":[114,22]},"properties":{)" +
                                   properties + "}}",
                               kNow);
    };
    EXPECT_EQ(severity_of(feature(R"("category":"medical.cardiac")")), Severity::critical);
    EXPECT_EQ(severity_of(feature(R"("category":"medical.cardiac","level":"紧急")")),
              Severity::major);
}

TEST(TaxonomySeverityTest, CapUnknownIsNoSeverityButEveryOtherWordIsTheAlerts) {
    const Taxonomy taxonomy = city();
    DepartmentConfig bureau;
    bureau.format = FeedFormat::cap;
    auto cap = make_feed_adapter(bureau, taxonomy, {});
    const auto alert = [&](const std::string& severity) {
        return cap->decode(R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
          <identifier>A1</identifier><sent>2026-11-18T10:00:00+08:00</sent>
          <status>Actual</status><msgType>Alert</msgType>
          <info><event>fire.building</event><severity>)" +
                               severity + R"(</severity>
          <area><circle>22.5,114.0 0.5</circle></area></info></alert>)",
                           kNow);
    };
    EXPECT_EQ(severity_of(alert("Unknown")), Severity::critical);  // fire.building's own
    EXPECT_EQ(severity_of(alert("Minor")), Severity::low);
    EXPECT_EQ(severity_of(alert("Severe")), Severity::major);
    auto plain = make_feed_adapter(bureau, Taxonomy{{"fire.building"}}, {});
    EXPECT_EQ(severity_of(plain->decode(
                  R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>A1</identifier>
          <sent>2026-11-18T10:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType>
          <info><event>fire.building</event><severity>Unknown</severity>
          <area><circle>22.5,114.0 0.5</circle></area></info></alert>)",
                  kNow)),
              Severity::moderate);
}

// docs/config.md's example, as the page explains it.
TEST(TaxonomySeverityTest, TheDocumentedExampleGivesTheDocumentedSeverities) {
    std::ifstream in(std::filesystem::path(CITYWALL_DOCS) / "config.md");
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = doc.find("```toml\n", doc.find("## Categories and their severity")) + 8;
    auto config = parse_ingest_config(
        "[centre]\ntime_zone = \"UTC\"\n" + doc.substr(at, doc.find("```", at) - at) +
            "[[department]]\ncode = \"110\"\nendpoint = \"tcp://127.0.0.1:5601\"\n",
        "/tmp");
    ASSERT_TRUE(config) << config.error();
    const Taxonomy& taxonomy = config->taxonomy;
    EXPECT_EQ(taxonomy.default_severity("fire.vehicle"), Severity::major);
    EXPECT_EQ(taxonomy.default_severity("fire.building"), Severity::critical);
    EXPECT_EQ(taxonomy.default_severity("medical.cardiac"), Severity::critical);
    EXPECT_EQ(taxonomy.default_severity("hotline.noise"), Severity::low);
    EXPECT_EQ(taxonomy.default_severity("medical.fall"), Severity::moderate);
}

TEST(TaxonomySeverityTest, AMistakeInTheTableNamesTheLineAndTheCategory) {
    const auto error = [](const std::string& entry) {
        auto config = parse_ingest_config(
            "[centre]\ntime_zone = \"UTC\"\n[taxonomy]\ncategories = [\"fire.building\"]\n"
            "[taxonomy.default_severity]\n" +
                entry + "\n[[department]]\ncode = \"110\"\nendpoint = \"tcp://127.0.0.1:5601\"\n",
            "/tmp");
        EXPECT_FALSE(config) << entry;
        return config ? std::string() : config.error();
    };
    EXPECT_EQ(error("\"fire.buildng\" = 1"),
              "line 6: [taxonomy.default_severity] \"fire.buildng\": is not a category of "
              "[taxonomy]");
    EXPECT_EQ(error("\"medical.*\" = 1"),
              "line 6: [taxonomy.default_severity] \"medical.*\": matches no category of "
              "[taxonomy]");
    EXPECT_EQ(error("Fire = 1"),
              "line 6: [taxonomy.default_severity] Fire: is neither a category (family.kind) nor "
              "a prefix of one followed by .* (fire.*)");
    EXPECT_EQ(error("\"fire.building\" = 5"),
              "line 6: [taxonomy.default_severity] \"fire.building\": must be 1..4 or critical, "
              "major, moderate, low");
    EXPECT_EQ(error("\"fire.building\" = \"urgent\""),
              "line 6: [taxonomy.default_severity] \"fire.building\": must be 1..4 or critical, "
              "major, moderate, low");
}

}  // namespace
}  // namespace citywall::ingest
