// The leaders file an escalation reads (docs/config.md, "Leaders"), and whom each step of an
// escalation reaches in a city's first hierarchy.
#include <gtest/gtest.h>

#include "area_leaders.hpp"
#include "area_levels.hpp"

namespace citywall::ingest {
namespace {

std::vector<AreaLevelConfig> levels() {
    auto admin = testing::demo_levels("city.gpkg");
    admin[1].name = "街道";
    admin[1].name_en = "Street";
    return admin;
}

Result<AreaLeaders> parse(std::string_view text) {
    return AreaLeaders::parse(text, "leaders.csv", levels());
}

std::string error_of(std::string_view text) {
    auto leaders = parse(text);
    EXPECT_FALSE(leaders) << text;
    return leaders ? std::string() : leaders.error();
}

TEST(AreaLeaders, ReadsTheColumnsInAnyOrderAsExcelWritesThem) {
    const auto leaders = parse(
        "\xEF\xBB\xBFname,phone,level,code\r\n"
        "王建国,13800000001,street,440304001\r\n"
        "\"Li, Ming\",\"139 \"\"night\"\"\",community,440304001001\r\n"
        "\r\n"
        "张主任,,centre,\r\n");
    ASSERT_TRUE(leaders) << leaders.error();
    EXPECT_EQ(leaders->size(), 3u);
    ASSERT_TRUE(leaders->find("street", "440304001"));
    EXPECT_EQ(leaders->find("street", "440304001")->name, "王建国");
    EXPECT_EQ(leaders->find("street", "440304001")->phone, "13800000001");
    EXPECT_EQ(leaders->find("community", "440304001001")->name, "Li, Ming");
    EXPECT_EQ(leaders->find("community", "440304001001")->phone, "139 \"night\"");
    EXPECT_EQ(leaders->find("centre", "")->name, "张主任");
    EXPECT_FALSE(leaders->find("street", "440304002"));
    EXPECT_FALSE(leaders->find("district", "440304001"));
}

TEST(AreaLeaders, AQuotedFieldMayHoldALineEndAndLaterLinesKeepTheirNumbers) {
    EXPECT_TRUE(parse("level,code,name\nstreet,1,\"王\n建国\"\nstreet,2,李\n"));
    EXPECT_EQ(error_of("level,code,name\nstreet,1,\"王\n建国\"\nstreet,2,李\nward,3,赵\n"),
              "leaders.csv:5: level 'ward' is not one of the city's levels (district, street, "
              "community, grid, beat, centre)");
}

TEST(AreaLeaders, EveryMistakeNamesItsLine) {
    EXPECT_EQ(
        error_of("level,code\nstreet,1\n"),
        "leaders.csv:1: the first line must name the columns level, code, name (name is missing)");
    EXPECT_EQ(error_of("level,code,name,mobile\n"),
              "leaders.csv:1: unknown column 'mobile' (level, code, name, phone)");
    EXPECT_EQ(error_of("level,code,name,code\n"), "leaders.csv:1: column 'code' twice");
    EXPECT_EQ(error_of("level,code,name\nstreet,1\n"), "leaders.csv:2: 2 fields, the header has 3");
    EXPECT_EQ(error_of("level,code,name\nstreet,,王\n"), "leaders.csv:2: no area code");
    EXPECT_EQ(error_of("level,code,name\nstreet,1, \n"), "leaders.csv:2: no name");
    EXPECT_EQ(error_of("level,code,name\nstreet,1,王\nstreet,1,李\n"),
              "leaders.csv:3: area 1 of level street is named twice");
    EXPECT_EQ(error_of("level,code,name\ncentre,,王\ncentre,x,李\n"),
              "leaders.csv:3: the centre's leader is named twice");
    EXPECT_EQ(error_of("level,code,name\nstreet,1,\"王\n"), "leaders.csv:2: a quote is not closed");
    EXPECT_EQ(error_of("level,code,name\nstreet,1,\xff\n"), "leaders.csv:2: not UTF-8 text");
}

Incident in_futian() {
    Incident incident;
    incident.areas = {{"district", "440304", "福田区"},
                      {"street", "440304001", "园岭街道"},
                      {"community", "440304001001", "园东社区"},
                      {"grid", "440304001001001", ""},
                      {"beat", "P-7", "园岭派出所"}};
    return incident;
}

TEST(AreaLeaders, EachStepReachesTheNextLevelUpOfTheFirstHierarchyThenTheCentre) {
    const auto leaders = parse(
        "level,code,name,phone\n"
        "community,440304001001,陈社区,13800000003\n"
        "street,440304001,王建国,13800000001\n"
        "centre,,张主任,\n");
    ASSERT_TRUE(leaders) << leaders.error();
    const Incident incident = in_futian();
    const auto first = escalation_reach(incident, 1, levels(), *leaders);
    EXPECT_EQ(first.level, "community");
    EXPECT_EQ(first.area.code, "440304001001");
    EXPECT_EQ(first.note(), "community 园东社区 (440304001001): 陈社区 13800000003");
    const auto second = escalation_reach(incident, 2, levels(), *leaders);
    EXPECT_EQ(second.note(), "街道 Street 园岭街道 (440304001): 王建国 13800000001");
    // No leader named for the district: said, so the gap in the list is seen.
    const auto third = escalation_reach(incident, 3, levels(), *leaders);
    EXPECT_EQ(third.level, "district");
    EXPECT_FALSE(third.leader);
    EXPECT_EQ(third.note(), "district 福田区 (440304): no leader named");
    // Past the top of the hierarchy: the centre (the police beats are another hierarchy).
    const auto fourth = escalation_reach(incident, 4, levels(), *leaders);
    EXPECT_EQ(fourth.level, "centre");
    EXPECT_EQ(fourth.note(), "指挥中心 the centre: 张主任");
    // An incident no grid holds names the level, and that no area of it holds the incident.
    Incident outside;
    outside.areas = {{"district", "440304", "福田区"}};
    EXPECT_EQ(escalation_reach(outside, 1, levels(), *leaders).note(),
              "community (no area of this level holds the incident): no leader named");
    // A city without areas: every step reaches the centre.
    EXPECT_EQ(escalation_reach(incident, 1, {}, *leaders).level, "centre");
}

}  // namespace
}  // namespace citywall::ingest
