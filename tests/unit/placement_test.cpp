// A point placed in its grid, with the grid's community, street and district found by the prefixes
// of its code, and in its police beat; map layers read with GDAL: polygons and multipolygons kept,
// other features skipped and counted, another CRS reprojected to WGS84, text that is not UTF-8
// repaired, and every missing file, layer or field an error.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "citywall/geo.hpp"
#include "citywall/placement.hpp"
#include "citywall/utf8.hpp"
#include "map_files.hpp"
#include "scratch_dir.hpp"

namespace citywall {
namespace {

using testing::geojson_collection;
using testing::geojson_feature;
using testing::square_coordinates;
using testing::square_polygon;

// A square of `size` degrees with its south-west corner at (lon, lat).
geo::Polygon square(double lon, double lat, double size) {
    return {{{lon, lat}, {lon + size, lat}, {lon + size, lat + size}, {lon, lat + size}}, {}};
}

MapArea area(std::string code, std::string name, geo::MultiPolygon shape = {}) {
    return {{std::move(code), std::move(name)}, std::move(shape)};
}

// Two grids of one community side by side, a grid whose parents the map lacks, a grid with a
// hole (a lake), and two police beats across them.
CityPlacement city() {
    geo::Polygon with_lake = square(114.2, 22.5, 0.1);
    with_lake.holes.push_back(square(114.24, 22.54, 0.02).outer);
    std::vector<MapArea> grids;
    grids.push_back(area("449901003012004", "新村社区第4网格", {square(114.0, 22.5, 0.1)}));
    grids.push_back(area("449901003012005", "新村社区第5网格", {square(114.1, 22.5, 0.1)}));
    grids.push_back(area("449977001002003", "孤网格", {with_lake}));
    grids.push_back(area("G7", "短码网格", {square(114.3, 22.5, 0.1)}));
    std::vector<MapArea> parents;
    // In no particular order: the placement sorts them.
    parents.push_back(area("449901003012", "新村社区"));
    parents.push_back(area("449901", "东湖区"));
    parents.push_back(area("449901003", "滨江街道"));
    std::vector<MapArea> beats;
    beats.push_back(area("PB01", "城东第1警格", {square(114.0, 22.5, 0.15)}));
    beats.push_back(area("PB02", "城东第2警格", {square(114.15, 22.5, 0.15)}));
    return CityPlacement(std::move(grids), std::move(parents), std::move(beats));
}

TEST(Placement, AGridBringsItsCommunityStreetAndDistrict) {
    const CityPlacement placement = city();
    EXPECT_EQ(placement.grid_count(), 4u);
    EXPECT_EQ(placement.beat_count(), 2u);
    const GridPath path = placement.place_grid({114.05, 22.55});
    EXPECT_EQ(path.grid, (AreaRef{"449901003012004", "新村社区第4网格"}));
    EXPECT_EQ(path.community, (AreaRef{"449901003012", "新村社区"}));
    EXPECT_EQ(path.street, (AreaRef{"449901003", "滨江街道"}));
    EXPECT_EQ(path.district, (AreaRef{"449901", "东湖区"}));
    EXPECT_EQ(placement.place_grid({114.15, 22.55}).grid.code, "449901003012005");
    EXPECT_EQ(placement.place_beat({114.05, 22.55}), (AreaRef{"PB01", "城东第1警格"}));
    EXPECT_EQ(placement.place_beat({114.2, 22.55}), (AreaRef{"PB02", "城东第2警格"}));
}

TEST(Placement, ParentsTheMapLacksKeepTheirCodeWithoutAName) {
    const CityPlacement placement = city();
    const GridPath path = placement.place_grid({114.21, 22.51});
    EXPECT_EQ(path.grid.code, "449977001002003");
    EXPECT_EQ(path.district, (AreaRef{"449977", ""}));
    EXPECT_EQ(path.street, (AreaRef{"449977001", ""}));
    EXPECT_EQ(path.community, (AreaRef{"449977001002", ""}));
    // A code too short to hold its parents' gives the grid alone.
    const GridPath short_code = placement.place_grid({114.35, 22.55});
    EXPECT_EQ(short_code.grid.code, "G7");
    EXPECT_TRUE(short_code.district.empty());
    EXPECT_TRUE(short_code.street.empty());
    EXPECT_TRUE(short_code.community.empty());
}

TEST(Placement, OutsideEveryGridOrBeatIsEmpty) {
    const CityPlacement placement = city();
    EXPECT_TRUE(placement.place_grid({113.0, 22.55}).outside());
    EXPECT_EQ(placement.place_grid({113.0, 22.55}), GridPath{});
    EXPECT_TRUE(placement.place_grid({114.25, 22.55}).outside());  // in the lake
    EXPECT_TRUE(placement.place_beat({114.5, 22.55}).empty());
    const CityPlacement nothing({}, {}, {});
    EXPECT_TRUE(nothing.place_grid({114.05, 22.55}).outside());
    EXPECT_TRUE(nothing.place_beat({114.05, 22.55}).empty());
}

// ---- Map layers read with GDAL ----------------------------------------------------------------

class MapLayerFile : public ::testing::Test {
  protected:
    std::filesystem::path write(const std::string& name, const std::string& text) {
        const auto file = dir_ / name;
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }
    testing::ScratchDir dir_{"citywall-placement"};
};

TEST_F(MapLayerFile, PolygonsAndMultipolygonsAreReadAndOtherFeaturesCounted) {
    const auto file =
        write("grids.geojson",
              geojson_collection({
                  geojson_feature(R"({"code":"449901003012004","name":"第4网格"})",
                                  square_polygon(114.0, 22.5, 0.1)),
                  geojson_feature(R"({"code":"449901003012005","name":"第5网格"})",
                                  R"({"type":"MultiPolygon","coordinates":[)" +
                                      square_coordinates(114.1, 22.5, 0.05) + "," +
                                      square_coordinates(114.3, 22.5, 0.05) + "]}"),
                  geojson_feature(R"({"code":"P1","name":"a point"})",
                                  R"({"type":"Point","coordinates":[114.0,22.5]})"),
                  geojson_feature(R"({"code":"N1","name":"no geometry"})", "null"),
                  geojson_feature(R"({"code":"L1","name":"a line"})",
                                  R"({"type":"LineString","coordinates":[[114,22],[115,23]]})"),
              }));
    std::size_t skipped = 99;
    auto areas = load_map_areas(file, "", "code", "name", &skipped);
    ASSERT_TRUE(areas) << areas.error();
    EXPECT_EQ(skipped, 3u);
    ASSERT_EQ(areas->size(), 2u);
    EXPECT_EQ((*areas)[0].ref, (AreaRef{"449901003012004", "第4网格"}));
    ASSERT_EQ((*areas)[0].shape.size(), 1u);
    EXPECT_TRUE(geo::contains((*areas)[0].shape, {114.05, 22.55}));
    EXPECT_EQ((*areas)[1].ref.code, "449901003012005");
    ASSERT_EQ((*areas)[1].shape.size(), 2u);  // both parts
    EXPECT_TRUE(geo::contains((*areas)[1].shape, {114.32, 22.52}));
    EXPECT_FALSE(geo::contains((*areas)[1].shape, {114.2, 22.52}));
    // By the layer's name too (a GeoJSON file's layer is named after the file).
    EXPECT_TRUE(load_map_areas(file, "grids", "code", "name"));
}

TEST_F(MapLayerFile, TextThatIsNotUtf8IsRepairedAndAMissingNameIsTheCode) {
    const auto file = write(
        "beats.geojson",
        geojson_collection({geojson_feature("{\"code\":\"PB\xff\",\"label\":\"\xb6\xab\xba\xfe\"}",
                                            square_polygon(114.0, 22.5, 0.1))}));
    auto named = load_map_areas(file, "", "code", "label");
    ASSERT_TRUE(named) << named.error();
    ASSERT_EQ(named->size(), 1u);
    EXPECT_EQ(named->front().ref, (AreaRef{"PB?", "????"}));
    EXPECT_TRUE(is_valid_utf8(named->front().ref.name));
    // A layer without the name field: each area is called by its code.
    auto unnamed = load_map_areas(file, "", "code", "name");
    ASSERT_TRUE(unnamed) << unnamed.error();
    EXPECT_EQ(unnamed->front().ref, (AreaRef{"PB?", "PB?"}));
}

TEST_F(MapLayerFile, AnotherCrsIsReprojectedToWgs84) {
    const geo::Mercator sw = geo::to_mercator({114.0, 22.5});
    const geo::Mercator ne = geo::to_mercator({114.1, 22.6});
    const auto at = [](double x, double y) {
        return "[" + std::to_string(x) + "," + std::to_string(y) + "]";
    };
    const std::string ring = "[[" + at(sw.x, sw.y) + "," + at(ne.x, sw.y) + "," + at(ne.x, ne.y) +
                             "," + at(sw.x, ne.y) + "," + at(sw.x, sw.y) + "]]";
    const auto file =
        write("mercator.geojson",
              geojson_collection(
                  {geojson_feature(R"({"code":"M1"})",
                                   R"({"type":"Polygon","coordinates":)" + ring + "}")},
                  R"("crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3857"}},)"));
    auto areas = load_map_areas(file, "", "code", "name");
    ASSERT_TRUE(areas) << areas.error();
    ASSERT_EQ(areas->size(), 1u);
    const geo::Ring& outer = areas->front().shape.front().outer;
    ASSERT_GE(outer.size(), 4u);
    EXPECT_NEAR(outer[0].lon, 114.0, 1e-6);  // lon first, whatever the CRS's axis order
    EXPECT_NEAR(outer[0].lat, 22.5, 1e-6);
    EXPECT_NEAR(outer[2].lon, 114.1, 1e-6);
    EXPECT_NEAR(outer[2].lat, 22.6, 1e-6);
}

TEST_F(MapLayerFile, AMissingFileLayerOrCodeFieldIsAnError) {
    const auto file = write(
        "grids.geojson",
        geojson_collection({geojson_feature(R"({"code":"A"})", square_polygon(114.0, 22.5, 0.1))}));
    auto no_file = load_map_areas(dir_ / "absent.geojson", "", "code", "name");
    ASSERT_FALSE(no_file);
    EXPECT_EQ(no_file.error_kind(), ErrorKind::io);
    EXPECT_NE(no_file.error().find("absent.geojson"), std::string::npos);
    auto not_a_map = load_map_areas(write("junk.geojson", "{ not json"), "", "code", "name");
    EXPECT_FALSE(not_a_map);
    auto no_layer = load_map_areas(file, "districts", "code", "name");
    ASSERT_FALSE(no_layer);
    EXPECT_EQ(no_layer.error_kind(), ErrorKind::not_found);
    EXPECT_NE(no_layer.error().find("'districts'"), std::string::npos) << no_layer.error();
    auto no_field = load_map_areas(file, "", "gb_code", "name");
    ASSERT_FALSE(no_field);
    EXPECT_EQ(no_field.error_kind(), ErrorKind::invalid);
    EXPECT_NE(no_field.error().find("'gb_code'"), std::string::npos) << no_field.error();
}

TEST_F(MapLayerFile, ThePlacementLoadsTheLayersItsConfigurationNames) {
    const auto one_area = [](const std::string& code, const std::string& name, double size) {
        return geojson_collection(
            {geojson_feature(R"({"code":")" + code + R"(","name":")" + name + R"("})",
                             square_polygon(114.0, 22.5, size))});
    };
    write("g.geojson", one_area("449901003012004", "第4网格", 0.1));
    write("d.geojson", one_area("449901", "东湖区", 0.5));
    write("s.geojson", one_area("449901003", "滨江街道", 0.3));
    write("c.geojson", one_area("449901003012", "新村社区", 0.2));
    // One source with a layer per level, as a GeoPackage holds them.
    const auto city = write("city.vrt", testing::vrt_of_layers({{"grids", "g.geojson"},
                                                                {"districts", "d.geojson"},
                                                                {"streets", "s.geojson"},
                                                                {"communities", "c.geojson"}}));
    const auto beats =
        write("beats.geojson",
              geojson_collection({geojson_feature(R"({"jq_dm":"PB01","jq_mc":"第1警格"})",
                                                  square_polygon(114.0, 22.5, 0.2))}));
    // Nothing configured: nothing placed, and no error.
    auto none = CityPlacement::load(PlacementConfig{});
    ASSERT_TRUE(none) << none.error();
    EXPECT_EQ((*none)->grid_count(), 0u);
    EXPECT_TRUE((*none)->place_grid({114.05, 22.55}).outside());

    PlacementConfig config;  // the default layer names
    config.grid_source = city;
    config.beat_source = beats;
    config.beat_layer = "beats";
    config.beat_code_field = "jq_dm";
    config.beat_name_field = "jq_mc";
    auto loaded = CityPlacement::load(config);
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_EQ((*loaded)->grid_count(), 1u);
    EXPECT_EQ((*loaded)->beat_count(), 1u);
    const GridPath path = (*loaded)->place_grid({114.05, 22.55});
    EXPECT_EQ(path.grid, (AreaRef{"449901003012004", "第4网格"}));
    EXPECT_EQ(path.community, (AreaRef{"449901003012", "新村社区"}));
    EXPECT_EQ(path.street, (AreaRef{"449901003", "滨江街道"}));
    EXPECT_EQ(path.district, (AreaRef{"449901", "东湖区"}));
    EXPECT_EQ((*loaded)->place_beat({114.15, 22.65}), (AreaRef{"PB01", "第1警格"}));

    // Without the parents' layers, a grid still gives its parents' codes.
    config.district_layer = config.street_layer = config.community_layer = "";
    auto grids_only = CityPlacement::load(config);
    ASSERT_TRUE(grids_only) << grids_only.error();
    EXPECT_EQ((*grids_only)->place_grid({114.05, 22.55}).district, (AreaRef{"449901", ""}));

    // A layer the source lacks, or a beat field the layer lacks, fails the whole load.
    config.district_layer = "district";
    auto no_districts = CityPlacement::load(config);
    ASSERT_FALSE(no_districts);
    EXPECT_EQ(no_districts.error_kind(), ErrorKind::not_found);
    config.district_layer = "";
    config.beat_code_field = "code";
    EXPECT_FALSE(CityPlacement::load(config));
}

}  // namespace
}  // namespace citywall
