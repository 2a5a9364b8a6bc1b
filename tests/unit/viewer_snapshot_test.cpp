// A picture of the wall as files: the PNG holds exactly the pixels given, its JSON sidecar says
// where the map sits, folders are made as needed, a half-written picture is never left under the
// final name, and a place that cannot be written is an error. (Rendering into the offscreen
// target needs a GL context: the render tests.)
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.hpp"
#include "snapshot.hpp"

namespace citywall::viewer {
namespace {

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Top-to-bottom RGB rows where each pixel tells where it is.
std::vector<std::uint8_t> gradient(int width, int height) {
    std::vector<std::uint8_t> rgb;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            rgb.push_back(static_cast<std::uint8_t>(x * 17));
            rgb.push_back(static_cast<std::uint8_t>(y * 29));
            rgb.push_back(static_cast<std::uint8_t>((x + y) % 2 ? 255 : 0));
        }
    }
    return rgb;
}

TEST(Snapshot, ThePngHoldsThePixelsAndTheSidecarTheView) {
    testing::ScratchDir dir("citywall-snapshot");
    Camera camera;
    camera.width = 7;
    camera.height = 5;
    camera.center = {12'695'123.4567, -2'577'000.25};
    camera.metres_per_pixel = 2.5;
    const auto rgb = gradient(7, 5);
    const auto out = dir / "deep/er/wall.png";  // folders that are not there yet
    auto written = write_snapshot(out, camera, rgb, 120);
    ASSERT_TRUE(written) << written.error();

    int width = 0, height = 0, channels = 0;
    std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> pixels(
        stbi_load(out.c_str(), &width, &height, &channels, 3), stbi_image_free);
    ASSERT_TRUE(pixels);
    EXPECT_EQ(width, 7);
    EXPECT_EQ(height, 5);
    EXPECT_EQ(std::vector<std::uint8_t>(pixels.get(), pixels.get() + rgb.size()), rgb);

    EXPECT_EQ(read_text(out.string() + ".json"),
              "{\"width\": 7, \"height\": 5, \"center_x\": 12695123.457, \"center_y\": "
              "-2577000.250, \"metres_per_pixel\": 2.5, \"incidents\": 120}\n");
    EXPECT_FALSE(std::filesystem::exists(out.string() + ".partial"));
}

TEST(Snapshot, ANewPictureReplacesTheOldOne) {
    testing::ScratchDir dir("citywall-snapshot");
    Camera camera;
    camera.width = 2;
    camera.height = 2;
    const auto out = dir / "wall.png";
    ASSERT_TRUE(write_snapshot(out, camera, std::vector<std::uint8_t>(12, 0), 1));
    ASSERT_TRUE(write_snapshot(out, camera, std::vector<std::uint8_t>(12, 200), 2));
    int width = 0, height = 0, channels = 0;
    std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> pixels(
        stbi_load(out.c_str(), &width, &height, &channels, 3), stbi_image_free);
    ASSERT_TRUE(pixels);
    EXPECT_EQ(pixels.get()[0], 200);
    EXPECT_NE(read_text(out.string() + ".json").find("\"incidents\": 2}"), std::string::npos);
}

TEST(Snapshot, APlaceThatCannotBeWrittenIsAnError) {
    testing::ScratchDir dir("citywall-snapshot");
    std::ofstream(dir / "a-file") << "not a folder";
    Camera camera;
    camera.width = 1;
    camera.height = 1;
    const auto out = dir / "a-file/wall.png";
    auto written = write_snapshot(out, camera, {1, 2, 3}, 0);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error_kind(), ErrorKind::io);
    EXPECT_NE(written.error().find("wall.png"), std::string::npos) << written.error();
}

}  // namespace
}  // namespace citywall::viewer
