// A point placed at every configured level: the innermost area of each hierarchy that holds it,
// its parents by code prefix or by geometry, the levels above an orphan by the point; the
// start-up report of how levels nest; map layers read with GDAL: polygons and multipolygons kept,
// other features skipped and counted, another CRS reprojected to WGS84, text that is not UTF-8
// repaired, and every missing file, layer or field an error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

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

std::string testing_area(const AreaPath& path, std::string_view level) {
    const AreaRef* area = area_at(path, level);
    return area ? area->code : std::string();
}

// A square of `size` degrees with its south-west corner at (lon, lat).
geo::Polygon square(double lon, double lat, double size) {
    return {{{lon, lat}, {lon + size, lat}, {lon + size, lat + size}, {lon, lat + size}}, {}};
}

MapArea area(std::string level, std::string code, std::string name, geo::Polygon shape) {
    const LonLat inside{(shape.outer[0].lon + shape.outer[2].lon) / 2,
                        (shape.outer[0].lat + shape.outer[2].lat) / 2};
    return {{std::move(level), std::move(code), std::move(name)}, {std::move(shape)}, inside};
}

CityPlacement::Level level(std::string key, std::string hierarchy, ParentBy parent,
                           std::vector<MapArea> areas) {
    CityPlacement::Level out;
    out.config.level = std::move(key);
    out.config.hierarchy = std::move(hierarchy);
    out.config.parent = parent;
    out.areas = std::move(areas);
    return out;
}

// A district over a street over a community over two grids side by side, by code prefix; a
// grid whose parents the map lacks (with a hole: a lake); and two police beats across them.
CityPlacement city(AreaReport* report = nullptr) {
    geo::Polygon with_lake = square(114.2, 22.5, 0.1);
    with_lake.holes.push_back(square(114.24, 22.54, 0.02).outer);
    std::vector<CityPlacement::Level> levels;
    levels.push_back(level("district", "admin", ParentBy::prefix,
                           {area("district", "449901", "东湖区", square(113.9, 22.4, 0.3))}));
    levels.push_back(level("street", "admin", ParentBy::prefix,
                           {area("street", "449901003", "滨江街道", square(113.95, 22.45, 0.2))}));
    levels.push_back(
        level("community", "admin", ParentBy::prefix,
              {area("community", "449901003012", "新村社区", square(113.98, 22.48, 0.15))}));
    levels.push_back(
        level("grid", "admin", ParentBy::prefix,
              {area("grid", "449901003012004", "新村社区第4网格", square(114.0, 22.5, 0.1)),
               area("grid", "449901003012005", "新村社区第5网格", square(114.1, 22.5, 0.1)),
               area("grid", "449977001002003", "孤网格", with_lake)}));
    levels.push_back(level("beat", "police", ParentBy::prefix,
                           {area("beat", "PB01", "城东第1警格", square(114.0, 22.5, 0.15)),
                            area("beat", "PB02", "城东第2警格", square(114.15, 22.5, 0.15))}));
    return CityPlacement(std::move(levels), report);
}

TEST(Placement, TheInnermostAreaBringsItsParentsAndEachHierarchyIsPlaced) {
    const CityPlacement placement = city();
    EXPECT_EQ(placement.level_count(), 5u);
    EXPECT_EQ(placement.area_count(3), 3u);
    const AreaPath path = placement.place({114.05, 22.55});
    EXPECT_EQ(path, (AreaPath{{"district", "449901", "东湖区"},
                              {"street", "449901003", "滨江街道"},
                              {"community", "449901003012", "新村社区"},
                              {"grid", "449901003012004", "新村社区第4网格"},
                              {"beat", "PB01", "城东第1警格"}}));
    EXPECT_EQ(testing_area(placement.place({114.15, 22.55}), "grid"), "449901003012005");
    EXPECT_EQ(testing_area(placement.place({114.2, 22.55}), "beat"), "PB02");
}

TEST(Placement, AnAreaWithoutAParentLeavesTheLevelsAboveToThePoint) {
    AreaReport report;
    const CityPlacement placement = city(&report);
    // The orphan grid lies outside the district's square: only the grid and the beat hold it.
    EXPECT_EQ(placement.place({114.21, 22.51}),
              (AreaPath{{"grid", "449977001002003", "孤网格"}, {"beat", "PB02", "城东第2警格"}}));
    // Inside the district but in no grid: the district, street and community by their shapes.
    const AreaPath edge = placement.place({113.99, 22.49});
    ASSERT_EQ(edge.size(), 3u);
    EXPECT_EQ(edge[2].code, "449901003012");
    // The start-up report names the orphan and the grid that lies outside its parent by code
    // (the second grid's middle is outside the community's square).
    const auto lines = report.lines();
    const auto has = [&](const std::string& text) {
        return std::any_of(lines.begin(), lines.end(),
                           [&](const std::string& line) { return line == text; });
    };
    EXPECT_TRUE(has("grid: 3 areas (first layer in )")) << ::testing::PrintToString(lines);
    EXPECT_TRUE(has("grid: 1 have no community whose code begins theirs, e.g. 449977001002003"))
        << ::testing::PrintToString(lines);
    EXPECT_TRUE(has("grid: 1 lie outside the community their code names, e.g. 449901003012005"))
        << ::testing::PrintToString(lines);
}

TEST(Placement, ParentsByGeometryWhereCodesDoNotNest) {
    // Real district adcodes over grid codes of another scheme: only the shapes nest.
    std::vector<CityPlacement::Level> levels;
    levels.push_back(level("district", "admin", ParentBy::prefix,
                           {area("district", "440305", "南山区", square(113.8, 22.4, 0.2)),
                            area("district", "440304", "福田区", square(114.0, 22.4, 0.2))}));
    levels.push_back(level("grid", "admin", ParentBy::geometry,
                           {area("grid", "G-0001", "一号网格", square(113.85, 22.45, 0.05)),
                            area("grid", "G-0002", "二号网格", square(114.05, 22.45, 0.05)),
                            area("grid", "G-0003", "海上网格", square(115.0, 22.45, 0.05))}));
    AreaReport report;
    const CityPlacement placement(std::move(levels), &report);
    EXPECT_EQ(placement.place({113.87, 22.47}),
              (AreaPath{{"district", "440305", "南山区"}, {"grid", "G-0001", "一号网格"}}));
    EXPECT_EQ(placement.place({114.07, 22.47})[0].code, "440304");
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_EQ(report.problems[0].what, "lie in no district");
    EXPECT_EQ(report.problems[0].examples, (std::vector<std::string>{"G-0003"}));
}

TEST(Placement, FarBeyondEveryAreaIsOutsideTheCityNearIsNot) {
    CityPlacement placement = city();
    placement.set_far_after(10'000);
    // The district's square runs from 113.9 east: 0.05 degrees west of it is about 5.1 km.
    const LonLat near{113.85, 22.55}, far{113.0, 22.55};
    EXPECT_TRUE(placement.place(near).empty());
    EXPECT_EQ(placement.far_from(near, {}), 0u);
    const double metres_per_degree =
        6378137.0 * std::numbers::pi / 180.0 * std::cos(22.55 * std::numbers::pi / 180.0);
    EXPECT_NEAR(placement.far_from(far, {}), 0.9 * metres_per_degree, 1.0);
    // Inside an area, never far; and a city with no areas has no outside.
    EXPECT_EQ(placement.far_from({114.05, 22.55}, placement.place({114.05, 22.55})), 0u);
    EXPECT_EQ(CityPlacement({}).far_from(far, {}), 0u);
    placement.set_far_after(200'000);
    EXPECT_EQ(placement.far_from(far, {}), 0u);
}

TEST(Placement, DuplicateCodesAreReportedAndOutsideEveryAreaIsEmpty) {
    std::vector<CityPlacement::Level> levels;
    levels.push_back(level("beat", "police", ParentBy::prefix,
                           {area("beat", "B1", "一", square(114.0, 22.5, 0.1)),
                            area("beat", "B1", "一（飞地）", square(114.3, 22.5, 0.1))}));
    AreaReport report;
    const CityPlacement placement(std::move(levels), &report);
    ASSERT_EQ(report.problems.size(), 1u);
    EXPECT_EQ(report.problems[0].count, 1u);
    EXPECT_TRUE(placement.place({113.0, 22.55}).empty());
    EXPECT_EQ(placement.place({114.35, 22.55}).at(0).name, "一（飞地）");
    const CityPlacement nothing({});
    EXPECT_TRUE(nothing.place({114.05, 22.55}).empty());
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
    EXPECT_EQ((*areas)[0].ref, (AreaRef{"", "449901003012004", "第4网格"}));
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
    EXPECT_EQ(named->front().ref, (AreaRef{"", "PB?", "????"}));
    EXPECT_TRUE(is_valid_utf8(named->front().ref.name));
    // A layer without the name field: each area is called by its code.
    auto unnamed = load_map_areas(file, "", "code", "name");
    ASSERT_TRUE(unnamed) << unnamed.error();
    EXPECT_EQ(unnamed->front().ref, (AreaRef{"", "PB?", "PB?"}));
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
    auto none = CityPlacement::load({});
    ASSERT_TRUE(none) << none.error();
    EXPECT_EQ((*none)->level_count(), 0u);
    EXPECT_TRUE((*none)->place({114.05, 22.55}).empty());

    std::vector<AreaLevelConfig> levels;
    for (const auto& [key, layer] : {std::pair{"district", "districts"},
                                     {"street", "streets"},
                                     {"community", "communities"},
                                     {"grid", "grids"}}) {
        AreaLevelConfig level;
        level.level = key;
        level.hierarchy = "admin";
        level.source = city;
        level.layer = layer;
        levels.push_back(level);
    }
    AreaLevelConfig beat;
    beat.level = "beat";
    beat.hierarchy = "police";
    beat.source = beats;
    beat.code_field = "jq_dm";
    beat.name_field = "jq_mc";
    levels.push_back(beat);
    AreaReport report;
    auto loaded = CityPlacement::load(levels, &report);
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_TRUE(report.problems.empty()) << ::testing::PrintToString(report.lines());
    EXPECT_EQ(report.loaded.front(), "district: 1 areas (districts in city.vrt)");
    EXPECT_EQ((*loaded)->place({114.05, 22.55}),
              (AreaPath{{"district", "449901", "东湖区"},
                        {"street", "449901003", "滨江街道"},
                        {"community", "449901003012", "新村社区"},
                        {"grid", "449901003012004", "第4网格"},
                        {"beat", "PB01", "第1警格"}}));
    // Only the grids: a grid is a city of one level.
    auto grids_only = CityPlacement::load({levels[3]});
    ASSERT_TRUE(grids_only) << grids_only.error();
    EXPECT_EQ((*grids_only)->place({114.05, 22.55}),
              (AreaPath{{"grid", "449901003012004", "第4网格"}}));

    // A layer the source lacks, or a field the layer lacks, fails the whole load, naming the
    // level.
    levels[0].layer = "district";
    auto no_districts = CityPlacement::load(levels);
    ASSERT_FALSE(no_districts);
    EXPECT_EQ(no_districts.error_kind(), ErrorKind::not_found);
    EXPECT_NE(no_districts.error().find("[[area]] district"), std::string::npos);
    levels[0].layer = "districts";
    levels[4].code_field = "code";
    EXPECT_FALSE(CityPlacement::load(levels));
}

// Real district boundaries (Shenzhen's nine districts, DataV, tests/data/real) as the top level
// of a city whose grids are numbered by a scheme of their own: the parents come from geometry,
// every grid's district is the one an exact point-in-polygon test of GDAL gives for it, and the
// cells at sea are reported as orphans, not refused.
TEST_F(MapLayerFile, RealDistrictsOverGridsNumberedOtherwiseNestByGeometry) {
    const std::filesystem::path districts =
        std::filesystem::path(CITYWALL_TEST_DATA) / "real/440300_full.json";
    // A cell of 0.04 degrees over Shenzhen's box, each coded "G" and its number.
    std::vector<std::string> cells;
    std::vector<LonLat> centres;
    for (double lat = 22.40; lat < 22.88; lat += 0.04)
        for (double lon = 113.74; lon < 114.64; lon += 0.04) {
            const std::string code = "G" + std::to_string(cells.size());
            cells.push_back(
                geojson_feature(R"({"code":")" + code + R"(","name":")" + code + R"("})",
                                square_polygon(lon, lat, 0.04)));
            centres.push_back({lon + 0.02, lat + 0.02});
        }
    const auto grids = write("grids.geojson", geojson_collection(cells));
    AreaLevelConfig district;
    district.level = "district";
    district.hierarchy = "admin";
    district.source = districts;
    district.code_field = "adcode";
    AreaLevelConfig grid;
    grid.level = "grid";
    grid.hierarchy = "admin";
    grid.source = grids;
    grid.parent = ParentBy::geometry;
    AreaReport report;
    auto loaded = CityPlacement::load({district, grid}, &report);
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_EQ((*loaded)->area_count(0), 9u);
    EXPECT_EQ((*loaded)->area_count(1), cells.size());

    // The reference: which district holds each cell's centre, by GDAL alone.
    std::unique_ptr<GDALDataset> source(
        GDALDataset::Open(districts.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(source);
    std::vector<std::pair<std::string, std::unique_ptr<OGRGeometry>>> shapes;
    for (auto& feature : *source->GetLayer(0)) {
        std::unique_ptr<OGRGeometry> shape(feature->GetGeometryRef()->clone());
        if (!shape->IsValid()) shape.reset(shape->MakeValid());
        shapes.emplace_back(feature->GetFieldAsString("adcode"), std::move(shape));
    }
    std::size_t at_sea = 0, placed = 0;
    for (std::size_t k = 0; k < centres.size(); ++k) {
        OGRPoint point(centres[k].lon, centres[k].lat);
        std::string expected;
        for (const auto& [code, shape] : shapes)
            if (shape->Contains(&point)) expected = code;
        const AreaPath path = (*loaded)->place(centres[k]);
        EXPECT_EQ(testing_area(path, "district"), expected) << "cell " << k;
        EXPECT_EQ(testing_area(path, "grid"), "G" + std::to_string(k));
        if (expected.empty()) {
            ++at_sea;
        } else {
            ++placed;
        }
    }
    EXPECT_GT(placed, 100u);
    ASSERT_GT(at_sea, 0u);
    ASSERT_EQ(report.problems.size(), 1u) << ::testing::PrintToString(report.lines());
    EXPECT_EQ(report.problems[0].what, "lie in no district");
    EXPECT_EQ(report.problems[0].count, at_sea);
}

}  // namespace
}  // namespace citywall
