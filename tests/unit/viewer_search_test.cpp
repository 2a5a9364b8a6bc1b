// The search box's matches: a term that names an area, an incident and a unit is offered as
// all three, each with its kind, never settled silently for one of them.
#include "area_levels.hpp"
#include "search.hpp"

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <filesystem>

#include "pictures.hpp"
#include "sample_incidents.hpp"

namespace citywall::viewer {
namespace {

// The levels, in the config's order.
constexpr AreaLevel kDistrict = 0, kCommunity = 2, kGrid = 3, kBeat = 4;

namespace fs = std::filesystem;

struct Area {
    std::string code, name;
    double lon;
};

// A GeoPackage with one layer a level: each area a small square along the equator.
void write_layer(GDALDataset& gpkg, const char* layer_name, const std::vector<Area>& areas) {
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* layer = gpkg.CreateLayer(layer_name, &wgs84, wkbPolygon, nullptr);
    ASSERT_TRUE(layer);
    OGRFieldDefn code("code", OFTString), name("name", OFTString);
    ASSERT_EQ(layer->CreateField(&code), OGRERR_NONE);
    ASSERT_EQ(layer->CreateField(&name), OGRERR_NONE);
    for (const Area& area : areas) {
        OGRFeature feature(layer->GetLayerDefn());
        feature.SetField("code", area.code.c_str());
        feature.SetField("name", area.name.c_str());
        OGRLinearRing ring;
        ring.addPoint(area.lon, 0);
        ring.addPoint(area.lon + 0.01, 0);
        ring.addPoint(area.lon + 0.01, 0.01);
        ring.addPoint(area.lon, 0.01);
        ring.closeRings();
        OGRPolygon square;
        square.addRing(&ring);
        feature.SetGeometry(&square);
        ASSERT_EQ(layer->CreateFeature(&feature), OGRERR_NONE);
    }
}

class SearchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = fs::temp_directory_path() /
                ("citywall-search-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".gpkg");
        fs::remove(path_);
        GDALAllRegister();
        {
            std::unique_ptr<GDALDataset> gpkg(
                GetGDALDriverManager()->GetDriverByName("GPKG")->Create(path_.c_str(), 0, 0, 0,
                                                                        GDT_Unknown, nullptr));
            ASSERT_TRUE(gpkg);
            write_layer(*gpkg, "districts", {{"4403", "南山区", 0.0}});
            write_layer(*gpkg, "streets", {{"440301", "南头街道", 0.0}});
            write_layer(*gpkg, "communities",
                        {{"44030101", "南山社区", 0.0}, {"44030102", "前海社区", 0.02}});
            write_layer(*gpkg, "grids", {{"4403010101", "南山社区第1网格", 0.0}});
            // Police beats numbered like incidents are.
            write_layer(*gpkg, "police_beats",
                        {{"101", "中心第1警格", 0.0}, {"102", "中心第2警格", 0.02}});
        }
        std::vector<std::string> errors;
        areas_ = CityAreas::load(testing::demo_levels(path_), errors);
        ASSERT_TRUE(errors.empty()) << errors.front();
        Incident incident = testing::sample_incident(101);
        incident.title = "盗窃";
        picture_ = testing::picture_of({incident});
        Unit unit;
        unit.department = "110";
        unit.id = "101";
        unit.callsign = "巡逻12";
        ASSERT_EQ(picture_.apply(wire::UnitUpdate{11, unit}), CityPicture::Outcome::applied);
    }
    void TearDown() override { fs::remove(path_); }

    fs::path path_;
    CityAreas areas_;
    CityPicture picture_;
};

TEST_F(SearchTest, ANumberThatIsABeatAnIncidentAndAUnitIsOfferedAsAllThree) {
    const auto found = find_matches("101", picture_, areas_);
    ASSERT_EQ(found.size(), 3u);
    EXPECT_EQ(found[0].kind, SearchMatch::Kind::area);
    EXPECT_EQ(found[0].area.level, kBeat);
    EXPECT_EQ(areas_.ref(found[0].area).code, "101");
    EXPECT_NE(found[0].label.find("beat"), std::string::npos) << found[0].label;
    EXPECT_EQ(found[1].kind, SearchMatch::Kind::incident);
    EXPECT_EQ(found[1].incident, 101u);
    EXPECT_NE(found[1].label.find("#101"), std::string::npos) << found[1].label;
    EXPECT_NE(found[1].label.find("盗窃"), std::string::npos) << found[1].label;
    EXPECT_EQ(found[2].kind, SearchMatch::Kind::unit);
    EXPECT_NE(found[2].label.find("巡逻12"), std::string::npos) << found[2].label;
}

TEST_F(SearchTest, ATermThatNamesOneThingFindsOnlyIt) {
    auto found = find_matches("102", picture_, areas_);  // a beat, no incident, no unit
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, SearchMatch::Kind::area);
    found = find_matches("巡逻12", picture_, areas_);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, SearchMatch::Kind::unit);
    found = find_matches("4403", picture_, areas_);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].area.level, kDistrict);
    EXPECT_TRUE(find_matches("", picture_, areas_).empty());
    EXPECT_TRUE(find_matches("no such place", picture_, areas_).empty());
}

// A number that names nothing on the wall is a case to ask ingest for (a closed one is opened
// by its number); "#" asks for the case even where a beat has that code.
TEST_F(SearchTest, ANumberThatNamesNothingHereIsACaseToAskIngestFor) {
    auto found = find_matches("999", picture_, areas_);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, SearchMatch::Kind::case_number);
    EXPECT_EQ(found[0].incident, 999u);
    EXPECT_NE(found[0].label.find("#999"), std::string::npos) << found[0].label;
    found = find_matches("#102", picture_, areas_);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, SearchMatch::Kind::case_number);
    EXPECT_EQ(found[0].incident, 102u);
    found = find_matches("#101", picture_, areas_);  // open: the incident itself
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].kind, SearchMatch::Kind::incident);
    EXPECT_TRUE(find_matches("#0", picture_, areas_).empty());
    EXPECT_TRUE(find_matches("#", picture_, areas_).empty());
}

TEST_F(SearchTest, PartOfANameOffersEveryAreaThatHoldsItCoarsestFirst) {
    const auto found = find_matches("南山", picture_, areas_);
    ASSERT_EQ(found.size(), 3u);  // the district, the community, the grid
    EXPECT_EQ(found[0].area.level, kDistrict);
    EXPECT_EQ(found[1].area.level, kCommunity);
    EXPECT_EQ(found[2].area.level, kGrid);
    EXPECT_EQ(find_matches("南山", picture_, areas_, 2).size(), 2u) << "at most the limit";
    // A whole name is an exact match: only the community of that name.
    const auto exact = find_matches("南山社区", picture_, areas_);
    ASSERT_EQ(exact.size(), 1u);
    EXPECT_EQ(exact[0].area.level, kCommunity);
}

}  // namespace
}  // namespace citywall::viewer
