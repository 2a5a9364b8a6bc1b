// The wall's areas: every level read from one source, each with its point-in-polygon index, fill
// triangles, boxes and a point inside each area; a level that fails reported and left empty; and
// an area found by its code, its name, or a part of its name unique at the coarsest level that has
// it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "area_levels.hpp"
#include "city_areas.hpp"
#include "citywall/geo.hpp"
#include "map_files.hpp"
#include "scratch_dir.hpp"

namespace citywall::viewer {
namespace {

using testing::geojson_collection;
using testing::geojson_feature;
using testing::square_polygon;

std::string area(const std::string& code, const std::string& name, double lon, double lat,
                 double size) {
    return geojson_feature(R"({"code":")" + code + R"(","name":")" + name + R"("})",
                           square_polygon(lon, lat, size));
}

class CityAreasTest : public ::testing::Test {
  protected:
    void SetUp() override {
        write("d.geojson", geojson_collection({area("449901", "东湖区", 114.0, 22.5, 0.2),
                                               area("449902", "西山区", 114.2, 22.5, 0.2)}));
        write("s.geojson", geojson_collection({area("449901003", "滨江街道", 114.0, 22.5, 0.2)}));
        write("c.geojson",
              geojson_collection({area("449901003012", "新村社区", 114.0, 22.5, 0.2)}));
        write("g.geojson",
              geojson_collection({area("449901003012004", "新村社区第4网格", 114.0, 22.5, 0.1),
                                  area("449901003012005", "新村社区第5网格", 114.1, 22.5, 0.1)}));
        write("b.geojson", geojson_collection({area("PB01", "东湖第1警格", 114.0, 22.5, 0.4)}));
        const auto city =
            write("city.vrt", testing::vrt_of_layers({{"grids", "g.geojson"},
                                                      {"communities", "c.geojson"},
                                                      {"streets", "s.geojson"},
                                                      {"districts", "d.geojson"},
                                                      {"police_beats", "b.geojson"}}));
        levels_ = testing::demo_levels(city);
        levels_[0].name = "区";
        levels_[0].name_en = "District";
        levels_[4].name = "警格";
        levels_[4].name_en = "Police beat";
    }

    std::filesystem::path write(const std::string& name, const std::string& text) {
        const auto file = dir_ / name;
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

    CityAreas load() {
        std::vector<std::string> errors;
        CityAreas areas = CityAreas::load(levels_, errors);
        EXPECT_TRUE(errors.empty()) << errors.front();
        return areas;
    }

    testing::ScratchDir dir_{"citywall-city-areas"};
    std::vector<AreaLevelConfig> levels_;
};

// The levels, in the config's order.
constexpr AreaLevel kDistrict = 0, kStreet = 1, kCommunity = 2, kGrid = 3, kBeat = 4;

TEST_F(CityAreasTest, EveryLevelIsReadWithItsIndexBoxesAndTriangles) {
    const CityAreas areas = load();
    EXPECT_TRUE(areas.any());
    EXPECT_EQ(areas.level(kDistrict).refs.size(), 2u);
    EXPECT_EQ(areas.level(kStreet).refs.size(), 1u);
    EXPECT_EQ(areas.level(kCommunity).refs.size(), 1u);
    EXPECT_EQ(areas.level(kGrid).refs.size(), 2u);
    EXPECT_EQ(areas.level(kBeat).refs.size(), 1u);

    EXPECT_EQ(areas.locate(kGrid, {114.05, 22.55}), std::optional<std::uint32_t>(0));
    EXPECT_EQ(areas.locate(kGrid, {114.15, 22.55}), std::optional<std::uint32_t>(1));
    EXPECT_EQ(areas.locate(kDistrict, {114.3, 22.6}), std::optional<std::uint32_t>(1));
    EXPECT_FALSE(areas.locate(kGrid, {114.3, 22.6}));  // outside every grid
    EXPECT_FALSE(areas.locate(kDistrict, {113.0, 22.6}));

    EXPECT_EQ(areas.level_count(), 5u);
    for (std::size_t level = 0; level < areas.level_count(); ++level) {
        const AreaSet& set = areas.level(static_cast<AreaLevel>(level));
        ASSERT_EQ(set.mesh.boxes.size(), set.refs.size()) << level;
        ASSERT_EQ(set.mesh.anchors.size(), set.refs.size()) << level;
        EXPECT_EQ(set.mesh.skipped, 0u);
        // A square is two triangles; each vertex names its area.
        EXPECT_EQ(set.mesh.vertices.size(), 6 * set.refs.size()) << level;
        for (std::uint32_t i = 0; i < set.refs.size(); ++i) {
            // The anchor lies inside its own area.
            const MercatorPoint anchor = set.mesh.anchors[i];
            EXPECT_EQ(set.index.locate(geo::from_mercator({anchor.x, anchor.y})), i)
                << set.refs[i].code;
        }
        for (const AreaVertex& v : set.mesh.vertices)
            EXPECT_LT(v.area, static_cast<float>(set.refs.size()));
    }
}

TEST_F(CityAreasTest, AreasAreFoundByCodeOrWholeNameOrByAPartOfTheirNameCoarsestFirst) {
    const CityAreas areas = load();
    const auto listed = [&](const std::vector<AreaHit>& hits) {
        std::string text;
        for (const AreaHit& hit : hits)
            text += (text.empty() ? "" : ", ") + areas.level(hit.level).config.level + " " +
                    areas.ref(hit).code;
        return text.empty() ? std::string("nothing") : text;
    };
    const auto exact = [&](std::string_view text) { return listed(areas.find_all(text, 12)); };
    const auto part = [&](std::string_view text) {
        return listed(areas.find_containing(text, 12));
    };
    EXPECT_EQ(exact("449901"), "district 449901");
    EXPECT_EQ(exact("449901003012005"), "grid 449901003012005");
    EXPECT_EQ(exact("PB01"), "beat PB01");
    EXPECT_EQ(exact("滨江街道"), "street 449901003");
    // A whole name is exact: the community, not its grids whose names hold it.
    EXPECT_EQ(exact("新村社区"), "community 449901003012");
    EXPECT_EQ(exact("4499"), "nothing");  // codes are exact
    EXPECT_EQ(exact(""), "nothing");
    EXPECT_EQ(exact("第5网格"), "nothing");  // a part of a name is not exact
    // A part of names: every area that holds it, outermost level first.
    EXPECT_EQ(part("第5网格"), "grid 449901003012005");
    EXPECT_EQ(part("东湖"), "district 449901, beat PB01");  // 东湖第1警格 too
    EXPECT_EQ(part("山"), "district 449902");
    EXPECT_EQ(part("网格"), "grid 449901003012004, grid 449901003012005");
    EXPECT_EQ(areas.find_containing("网格", 1).size(), 1u) << "at most the limit";
    EXPECT_EQ(part("南山"), "nothing");
    EXPECT_EQ(part(""), "nothing");
}

TEST_F(CityAreasTest, ALevelThatFailsIsReportedAndTheOthersLoad) {
    levels_[kStreet].layer = "roads";
    std::vector<std::string> errors;
    const CityAreas areas = CityAreas::load(levels_, errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind("areas 'street': ", 0), 0u) << errors[0];
    EXPECT_NE(errors[0].find("'roads'"), std::string::npos) << errors[0];
    EXPECT_FALSE(areas.level(kStreet).loaded());
    EXPECT_TRUE(areas.level(kDistrict).loaded());
    EXPECT_TRUE(areas.level(kBeat).loaded());
    EXPECT_FALSE(areas.locate(kStreet, {114.05, 22.55}));
    EXPECT_TRUE(areas.find_all("滨江街道", 12).empty());

    // No level at all: nothing, and nothing to report.
    errors.clear();
    const CityAreas none = CityAreas::load({}, errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_FALSE(none.any());
    EXPECT_TRUE(none.find_all("449901", 12).empty());
    EXPECT_FALSE(none.locate(0, {114.05, 22.55}));
    // A source that is not there: every level reports it.
    auto missing = testing::demo_levels(dir_ / "absent.gpkg");
    CityAreas::load(missing, errors);
    EXPECT_EQ(errors.size(), missing.size());
}

TEST_F(CityAreasTest, LevelsAreNamedAsTheConfigNamesThemAndGroupedByHierarchy) {
    const CityAreas areas = load();
    EXPECT_EQ(areas.label(kDistrict), "区 District");
    EXPECT_EQ(areas.label(kBeat), "警格 Police beat");
    EXPECT_EQ(areas.label(kGrid), "grid");  // named only by its key
    EXPECT_EQ(areas.label("beat"), "警格 Police beat");
    EXPECT_EQ(areas.label("precinct"), "precinct");  // a level this wall does not know
    EXPECT_EQ(areas.hierarchy(""), (std::vector<AreaLevel>{kDistrict, kStreet, kCommunity, kGrid}));
    EXPECT_EQ(areas.hierarchy("police"), (std::vector<AreaLevel>{kBeat}));
    // A list names an incident by the innermost area of its first hierarchy.
    const AreaPath path{{"district", "449901", "东湖区"},
                        {"grid", "449901003012004", "新村社区第4网格"},
                        {"beat", "PB01", "东湖第1警格"}};
    EXPECT_EQ(areas.place_of(path)->code, "449901003012004");
    EXPECT_EQ(areas.place_of({{"beat", "PB01", "东湖第1警格"}})->code, "PB01");
    EXPECT_EQ(areas.place_of({}), nullptr);
}

}  // namespace
}  // namespace citywall::viewer
