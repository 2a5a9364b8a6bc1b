// A raster layer read a tile at a time: which tiles a view needs, what each reads from the file
// (with its gutter), and the reader thread, on GeoTIFFs written here.
#include "raster_tiles.hpp"

#include <cpl_string.h>
#include <gdal.h>
#include <gtest/gtest.h>
#include <ogr_srs_api.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "scratch_dir.hpp"

namespace citywall::viewer {
namespace {

namespace fs = std::filesystem;

// 12 m pixels, as the demo city's basemap.
constexpr double kPixel = 12.0;
constexpr double kWest = 12'685'000.0, kNorth = 2'618'000.0;

MercatorBox box_of(int width, int height) {
    return {kWest, kNorth - height * kPixel, kWest + width * kPixel, kNorth};
}

// Each pixel says where it is: R = x mod 251, G = y mod 251, B = 7.
std::uint8_t red_at(int x) {
    return static_cast<std::uint8_t>(x % 251);
}
std::uint8_t green_at(int y) {
    return static_cast<std::uint8_t>(y % 251);
}

class RasterTilesTest : public ::testing::Test {
  protected:
    void SetUp() override { init_gdal(); }

    // A tiled RGB GeoTIFF in Web Mercator, uncompressed so a cut file fails where it is cut.
    fs::path write_tiff(const std::string& name, int width, int height, bool georeferenced = true) {
        const fs::path path = dir_ / name;
        GDALDriverH driver = GDALGetDriverByName("GTiff");
        char** options = nullptr;
        options = CSLSetNameValue(options, "TILED", "YES");
        options = CSLSetNameValue(options, "BLOCKXSIZE", "128");
        options = CSLSetNameValue(options, "BLOCKYSIZE", "128");
        GDALDatasetH ds = GDALCreate(driver, path.c_str(), width, height, 3, GDT_Byte, options);
        CSLDestroy(options);
        EXPECT_NE(ds, nullptr);
        if (georeferenced) {
            double gt[6] = {kWest, kPixel, 0, kNorth, 0, -kPixel};
            GDALSetGeoTransform(ds, gt);
            OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
            OSRImportFromEPSG(srs, 3857);
            GDALSetSpatialRef(ds, srs);
            OSRDestroySpatialReference(srs);
        }
        std::vector<std::uint8_t> band(static_cast<std::size_t>(width) * height);
        for (int b = 1; b <= 3; ++b) {
            for (int y = 0; y < height; ++y) {
                for (int x = 0; x < width; ++x) {
                    band[static_cast<std::size_t>(y) * width + x] = b == 1   ? red_at(x)
                                                                    : b == 2 ? green_at(y)
                                                                             : 7;
                }
            }
            EXPECT_EQ(GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, 0, width, height,
                                   band.data(), width, height, GDT_Byte, 0, 0),
                      CE_None);
        }
        GDALClose(ds);
        return path;
    }

    const testing::ScratchDir dir_{"citywall-raster"};
};

const std::uint8_t* texel(const RasterTile& tile, int x, int y) {
    return tile.rgba.data() + (static_cast<std::size_t>(y) * tile.window.out_width + x) * 4;
}

// ============================================================================ pyramid ====

TEST(RasterPyramid, PreviewLevelHoldsTheWholeRasterInThePreviewSide) {
    EXPECT_EQ(RasterPyramid(box_of(4096, 4096), 4096, 4096).preview_level(), 2);
    EXPECT_EQ(RasterPyramid(box_of(1024, 300), 1024, 300).preview_level(), 0);
    EXPECT_EQ(RasterPyramid(box_of(1025, 300), 1025, 300).preview_level(), 1);
    EXPECT_EQ(RasterPyramid(box_of(100000, 10), 100000, 10).preview_level(), 7);

    const RasterPyramid pyramid(box_of(4096, 4096), 4096, 4096);
    const TileWindow preview = pyramid.window(pyramid.preview());
    EXPECT_EQ(preview.width, 4096);
    EXPECT_EQ(preview.out_width, 1024);
    EXPECT_EQ(preview.out_height, 1024);
    EXPECT_DOUBLE_EQ(preview.bounds.min_x, kWest);
    EXPECT_DOUBLE_EQ(preview.bounds.max_y, kNorth);
    EXPECT_EQ(preview.uv, (std::array<float, 4>{0, 0, 1, 1}));
}

TEST(RasterPyramid, LevelForAViewIsTheNearestInLogScale) {
    const RasterPyramid pyramid(box_of(4096, 4096), 4096, 4096);
    EXPECT_DOUBLE_EQ(pyramid.metres_per_pixel(0), kPixel);
    EXPECT_DOUBLE_EQ(pyramid.metres_per_pixel(2), 4 * kPixel);
    EXPECT_EQ(pyramid.level_for(0.5), 0);  // closer than the file: its own pixels
    EXPECT_EQ(pyramid.level_for(kPixel), 0);
    EXPECT_EQ(pyramid.level_for(kPixel * 1.40), 0);  // level 1 would be 1.43x shrunk
    EXPECT_EQ(pyramid.level_for(kPixel * 1.42), 1);  // 1.41x magnified
    EXPECT_EQ(pyramid.level_for(kPixel * 2.8), 1);
    EXPECT_EQ(pyramid.level_for(kPixel * 2.9), 2);
    EXPECT_EQ(pyramid.level_for(kPixel * 1000), 2);  // never above the preview
    EXPECT_EQ(pyramid.level_for(0), 0);
}

TEST(RasterPyramid, TilesInAViewAreTheOnesItOverlapsNearestItsCentreFirst) {
    const RasterPyramid pyramid(box_of(4096, 4096), 4096, 4096);
    const MercatorBox all = box_of(4096, 4096);
    EXPECT_EQ(pyramid.tiles_in(all, 0).size(), 256u);
    EXPECT_EQ(pyramid.tiles_in(all, 1).size(), 64u);
    EXPECT_EQ(pyramid.tiles_in(all, 2), std::vector<TileKey>{pyramid.preview()});

    // Nothing of the raster in view: nothing.
    const MercatorBox east = {all.max_x + 10, all.min_y, all.max_x + 5000, all.max_y};
    EXPECT_TRUE(pyramid.tiles_in(east, 0).empty());
    EXPECT_TRUE(pyramid.tiles_in(east, 2).empty());

    // A view of file pixels x 300..700, y 100..400 at level 0: columns 1-2, rows 0-1.
    const MercatorBox view = {kWest + 300 * kPixel, kNorth - 400 * kPixel, kWest + 700 * kPixel,
                              kNorth - 100 * kPixel};
    const auto keys = pyramid.tiles_in(view, 0);
    const std::set<TileKey> got(keys.begin(), keys.end());
    EXPECT_EQ(got, (std::set<TileKey>{{0, 1, 0}, {0, 2, 0}, {0, 1, 1}, {0, 2, 1}}));
    // Its centre (500, 250) lies in column 1, row 0.
    EXPECT_EQ(keys.front(), (TileKey{0, 1, 0}));
}

TEST(RasterPyramid, WindowsCarryAGutterAndTogetherCoverTheRaster) {
    const RasterPyramid pyramid(box_of(1000, 700), 1000, 700, 256);
    ASSERT_EQ(pyramid.preview_level(), 2);

    // An inner tile at level 1: 512 file pixels and a level pixel (2) more on each side.
    const TileWindow inner = pyramid.window({1, 1, 0});
    EXPECT_EQ(inner.x, 510);
    EXPECT_EQ(inner.y, 0);  // the north edge has no neighbour
    EXPECT_EQ(inner.width, 490);
    EXPECT_EQ(inner.out_width, 245);
    EXPECT_FLOAT_EQ(inner.uv[0], 2.0f / 490);
    EXPECT_FLOAT_EQ(inner.uv[1], 0.0f);
    EXPECT_FLOAT_EQ(inner.uv[2], 1.0f);  // the east edge of the raster
    EXPECT_DOUBLE_EQ(inner.bounds.min_x, kWest + 512 * kPixel);
    EXPECT_DOUBLE_EQ(inner.bounds.max_x, kWest + 1000 * kPixel);

    const TileWindow first = pyramid.window({0, 0, 0});
    EXPECT_EQ(first.x, 0);
    EXPECT_EQ(first.width, 257);
    EXPECT_EQ(first.out_width, 257);
    EXPECT_FLOAT_EQ(first.uv[2], 256.0f / 257);

    // The level-0 tiles tile the raster exactly: their areas add up to it, none overlap.
    double area = 0;
    for (const TileKey& key : pyramid.tiles_in(box_of(1000, 700), 0)) {
        const MercatorBox b = pyramid.window(key).bounds;
        area += (b.max_x - b.min_x) * (b.max_y - b.min_y);
    }
    EXPECT_NEAR(area, 1000 * 700 * kPixel * kPixel, 1.0);
}

// ============================================================================ reading ====

TEST_F(RasterTilesTest, ATileHoldsTheFilesPixelsFromItsGutterOn) {
    auto opened = open_raster(write_tiff("city.tif", 600, 400), 256);
    ASSERT_TRUE(opened) << opened.error();
    EXPECT_EQ(opened->pyramid.preview_level(), 2);
    EXPECT_EQ(opened->preview.window.out_width, 150);
    EXPECT_EQ(opened->preview.window.out_height, 100);
    EXPECT_TRUE(opened->preview.error.empty());

    // Level 0, column 1, row 1: file pixels from (255, 255), the gutter's, onwards.
    const RasterTile tile = read_tile(opened->file, opened->pyramid, {0, 1, 1});
    ASSERT_TRUE(tile.error.empty()) << tile.error;
    EXPECT_EQ(tile.window.out_width, 258);
    EXPECT_EQ(tile.window.out_height, 145);  // rows 255..400: the south edge
    for (const auto& [x, y] : {std::pair{0, 0}, {1, 1}, {100, 50}, {257, 144}}) {
        const std::uint8_t* p = texel(tile, x, y);
        EXPECT_EQ(p[0], red_at(255 + x)) << x << "," << y;
        EXPECT_EQ(p[1], green_at(255 + y)) << x << "," << y;
        EXPECT_EQ(p[2], 7);
        EXPECT_EQ(p[3], 255);  // no alpha band, no nodata: opaque
    }
}

TEST_F(RasterTilesTest, TheReaderReadsWhatIsWantedLastAndOnlyOnce) {
    auto opened = open_raster(write_tiff("city.tif", 600, 400), 256);
    ASSERT_TRUE(opened) << opened.error();
    const RasterPyramid pyramid = opened->pyramid;
    RasterTileReader reader(std::move(opened->file), pyramid);

    reader.want({{1, 0, 0}, {1, 1, 0}});
    reader.want({{0, 2, 1}, {0, 0, 0}});  // replaces what still waits
    std::vector<RasterTile> read;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!reader.idle() && std::chrono::steady_clock::now() < deadline) {
        for (RasterTile& tile : reader.take(1))
            read.push_back(std::move(tile));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(reader.idle());
    std::set<TileKey> keys;
    for (const RasterTile& tile : read) {
        EXPECT_TRUE(tile.error.empty()) << tile.error;
        EXPECT_TRUE(keys.insert(tile.key).second) << "read twice";
    }
    // Both of the second list; of the first, at most the one being read when it was replaced.
    EXPECT_TRUE(keys.contains(TileKey{0, 2, 1}));
    EXPECT_TRUE(keys.contains(TileKey{0, 0, 0}));
    EXPECT_LE(keys.size(), 3u);

    // A tile being read, or read and not yet taken, is not read again however often it is
    // wanted (the wall wants its view's missing tiles every frame until they are uploaded).
    for (int frame = 0; frame < 200; ++frame) {
        reader.want({{0, 1, 0}});
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto tiles = reader.take(10);
    EXPECT_TRUE(reader.idle());
    ASSERT_EQ(tiles.size(), 1u);
    EXPECT_EQ(tiles[0].key, (TileKey{0, 1, 0}));
    EXPECT_EQ(texel(tiles[0], 1, 0)[0], red_at(256));
}

TEST_F(RasterTilesTest, TheReaderReadsAheadOfTheWallByABoundedNumberOfTiles) {
    auto opened = open_raster(write_tiff("wide.tif", 2048, 1024), 256);
    ASSERT_TRUE(opened) << opened.error();
    const RasterPyramid pyramid = opened->pyramid;
    const auto keys = pyramid.tiles_in(box_of(2048, 1024), 0);
    ASSERT_EQ(keys.size(), 32u);
    RasterTileReader reader(std::move(opened->file), pyramid);
    reader.want(keys);
    // Nothing is taken: the reader stops once it holds kReadAhead tiles.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (reader.ready() < RasterTileReader::kReadAhead &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(reader.ready(), RasterTileReader::kReadAhead);
    const std::vector<RasterTile> first = reader.take(1000);
    // Taking makes room: the rest arrive.
    std::size_t rest = 0;
    while (!reader.idle() && std::chrono::steady_clock::now() < deadline) {
        rest += reader.take(1000).size();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(first.size() + rest, keys.size());
}

TEST_F(RasterTilesTest, AFileCutShortFailsItsTilesWithAReason) {
    const fs::path path = write_tiff("cut.tif", 512, 512);
    auto file = RasterFile::open(path);  // no preview: no block of it is in GDAL's cache
    ASSERT_TRUE(file) << file.error();
    const RasterPyramid pyramid(file->bounds(), file->width(), file->height(), 128);
    // Keep the header and the first blocks; the south of the pixels is gone.
    fs::resize_file(path, fs::file_size(path) / 3);
    const RasterTile south = read_tile(*file, pyramid, {0, 1, 1});
    EXPECT_FALSE(south.error.empty());
    EXPECT_TRUE(south.rgba.empty());
    EXPECT_NE(south.error.find("cut.tif"), std::string::npos) << south.error;
}

TEST_F(RasterTilesTest, FilesThatCannotBeALayerAreRefusedWithTheReason) {
    auto missing = open_raster(dir_ / "nowhere.tif");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("nowhere.tif"), std::string::npos) << missing.error();

    auto plain = open_raster(write_tiff("plain.tif", 64, 64, false));
    ASSERT_FALSE(plain);
    EXPECT_NE(plain.error().find("no CRS"), std::string::npos) << plain.error();

    const fs::path junk = dir_ / "junk.tif";
    std::ofstream(junk) << "II* this is not a tiff";
    EXPECT_FALSE(open_raster(junk));
}

}  // namespace
}  // namespace citywall::viewer
