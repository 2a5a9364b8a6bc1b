// Checks two wall snapshots taken before and after incidents were sent: at the screen position
// of every sent incident a marker must appear (the picture changed there), and away from them
// the map must be unchanged. Usage:
//   marker_check BEFORE.png AFTER.png AFTER.png.json POINTS.csv
// POINTS.csv holds id,lon,lat per line (citywall-feedsim --points); the JSON sidecar gives the
// view (citywall-viewer --snapshot).
#include <rapidjson/document.h>
#include <stb_image.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "citywall/geo.hpp"

namespace {

struct Image {
    int width = 0, height = 0;
    std::unique_ptr<unsigned char, void (*)(void*)> pixels{nullptr, stbi_image_free};
    int difference(const Image& other, int x, int y) const {
        const unsigned char* a = pixels.get() + (y * width + x) * 3;
        const unsigned char* b = other.pixels.get() + (y * width + x) * 3;
        return std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]);
    }
};

Image load(const char* path) {
    Image image;
    int channels = 0;
    image.pixels.reset(stbi_load(path, &image.width, &image.height, &channels, 3));
    if (!image.pixels) {
        std::fprintf(stderr, "marker_check: cannot read %s\n", path);
        std::exit(2);
    }
    return image;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr,
                     "usage: marker_check BEFORE.png AFTER.png AFTER.png.json POINTS.csv\n");
        return 2;
    }
    Image before = load(argv[1]), after = load(argv[2]);
    if (before.width != after.width || before.height != after.height) {
        std::fprintf(stderr, "marker_check: the snapshots differ in size\n");
        return 1;
    }
    std::ifstream sidecar_file(argv[3]);
    std::stringstream sidecar_text;
    sidecar_text << sidecar_file.rdbuf();
    rapidjson::Document view;
    view.Parse(sidecar_text.str().c_str());
    if (view.HasParseError() || !view.IsObject() || !view.HasMember("metres_per_pixel")) {
        std::fprintf(stderr, "marker_check: cannot read the view from %s\n", argv[3]);
        return 2;
    }
    const double cx = view["center_x"].GetDouble(), cy = view["center_y"].GetDouble();
    const double mpp = view["metres_per_pixel"].GetDouble();

    struct Pixel {
        int x, y;
    };
    std::vector<Pixel> markers;
    std::ifstream points(argv[4]);
    std::string line;
    while (std::getline(points, line)) {
        std::stringstream fields(line);
        std::string id, lon, lat;
        std::getline(fields, id, ',');
        std::getline(fields, lon, ',');
        std::getline(fields, lat, ',');
        auto m = citywall::geo::to_mercator({std::stod(lon), std::stod(lat)});
        markers.push_back({static_cast<int>(std::lround((m.x - cx) / mpp + after.width / 2.0)),
                           static_cast<int>(std::lround(after.height / 2.0 - (m.y - cy) / mpp))});
    }
    if (markers.empty()) {
        std::fprintf(stderr, "marker_check: no points in %s\n", argv[4]);
        return 2;
    }

    // A marker is there when some pixel within 2 px of the position changed clearly.
    int found = 0;
    for (const auto& p : markers) {
        int strongest = 0;
        for (int dy = -2; dy <= 2; ++dy) {
            for (int dx = -2; dx <= 2; ++dx) {
                int x = p.x + dx, y = p.y + dy;
                if (x >= 0 && y >= 0 && x < after.width && y < after.height)
                    strongest = std::max(strongest, after.difference(before, x, y));
            }
        }
        bool seen = strongest > 90;
        found += seen;
        std::printf("marker at (%d, %d): %s (largest change %d)\n", p.x, p.y,
                    seen ? "present" : "MISSING", strongest);
    }

    // Away from every marker nothing may change: the picture moved only where incidents are.
    std::mt19937 rng(7);
    int sampled = 0, changed = 0;
    while (sampled < 5000) {
        int x = static_cast<int>(rng() % after.width), y = static_cast<int>(rng() % after.height);
        bool near = false;
        for (const auto& p : markers)
            near |= std::abs(p.x - x) < 24 && std::abs(p.y - y) < 24;
        if (near) continue;
        ++sampled;
        changed += after.difference(before, x, y) > 30;
    }
    std::printf("%d of %zu markers present; %d of %d pixels away from them changed\n", found,
                markers.size(), changed, sampled);
    bool ok = found == static_cast<int>(markers.size()) && changed <= sampled / 100;
    std::printf("%s\n", ok ? "marker_check: PASS" : "marker_check: FAIL");
    return ok ? 0 : 1;
}
