// citywall-pngdiff: compares a rendered PNG with a reference.
//   citywall-pngdiff ACTUAL EXPECTED DIFF [--channel-tolerance N] [--max-fraction F]
//   citywall-pngdiff --probe IMAGE X Y R G B [--channel-tolerance N]
//   citywall-pngdiff --lonlat-to-pixel LON LAT CENTER_X CENTER_Y MPP WIDTH HEIGHT
// A pixel differs when any channel differs by more than the channel tolerance; the images
// match when at most max-fraction of the pixels differ. On a mismatch DIFF is written: the
// reference dimmed to grey with every differing pixel in red. --probe checks one pixel's colour.
#include <stb_image.h>
#include <stb_image_write.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Image {
    int width = 0, height = 0;
    std::unique_ptr<unsigned char, decltype(&stbi_image_free)> pixels{nullptr, stbi_image_free};
    const unsigned char* at(int x, int y) const {
        return pixels.get() + (static_cast<std::size_t>(y) * width + x) * 3;
    }
};

bool load(const char* path, Image& image) {
    int channels = 0;
    image.pixels.reset(stbi_load(path, &image.width, &image.height, &channels, 3));
    if (!image.pixels) std::fprintf(stderr, "pngdiff: cannot read %s\n", path);
    return image.pixels != nullptr;
}

int usage() {
    std::fprintf(stderr,
                 "usage: citywall-pngdiff ACTUAL EXPECTED DIFF [--channel-tolerance N] "
                 "[--max-fraction F]\n"
                 "       citywall-pngdiff --probe IMAGE X Y R G B [--channel-tolerance N]\n");
    return 2;
}

int probe(const std::vector<std::string>& args, int tolerance) {
    if (args.size() != 7) return usage();
    Image image;
    if (!load(args[1].c_str(), image)) return 2;
    const int x = std::atoi(args[2].c_str()), y = std::atoi(args[3].c_str());
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) {
        std::fprintf(stderr, "pngdiff: probe %d,%d outside the %dx%d image\n", x, y, image.width,
                     image.height);
        return 1;
    }
    const unsigned char* p = image.at(x, y);
    const int want[3] = {std::atoi(args[4].c_str()), std::atoi(args[5].c_str()),
                         std::atoi(args[6].c_str())};
    for (int c = 0; c < 3; ++c) {
        if (std::abs(p[c] - want[c]) > tolerance) {
            std::fprintf(stderr, "pngdiff: pixel %d,%d is %d,%d,%d; expected %d,%d,%d (+-%d)\n", x,
                         y, p[0], p[1], p[2], want[0], want[1], want[2], tolerance);
            return 1;
        }
    }
    std::printf("pngdiff: pixel %d,%d is %d,%d,%d as expected\n", x, y, p[0], p[1], p[2]);
    return 0;
}

// Where a WGS84 point lands in a snapshot, from its sidecar (docs/viewer.md); prints "X Y".
int lonlat_to_pixel(const std::vector<std::string>& args) {
    if (args.size() != 8) return usage();
    double v[7];
    for (int i = 0; i < 7; ++i)
        v[i] = std::atof(args[static_cast<std::size_t>(i) + 1].c_str());
    const double pi = 3.14159265358979323846, radius = 6378137.0;
    const double mx = radius * v[0] * pi / 180;
    const double my = radius * std::log(std::tan(pi / 4 + v[1] * pi / 360));
    const double x = (mx - v[2]) / v[4] + v[5] / 2;
    const double y = v[6] / 2 - (my - v[3]) / v[4];
    std::printf("%d %d\n", static_cast<int>(std::floor(x)), static_cast<int>(std::floor(y)));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args;
    int tolerance = 16;
    double max_fraction = 0.005;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--channel-tolerance" && i + 1 < argc) {
            tolerance = std::atoi(argv[++i]);
        } else if (arg == "--max-fraction" && i + 1 < argc) {
            max_fraction = std::atof(argv[++i]);
        } else {
            args.push_back(arg);
        }
    }
    if (!args.empty() && args[0] == "--probe") return probe(args, tolerance);
    if (!args.empty() && args[0] == "--lonlat-to-pixel") return lonlat_to_pixel(args);
    if (args.size() != 3) return usage();

    Image actual, expected;
    if (!load(args[0].c_str(), actual) || !load(args[1].c_str(), expected)) return 2;
    if (actual.width != expected.width || actual.height != expected.height) {
        std::fprintf(stderr, "pngdiff: size %dx%d differs from the reference's %dx%d\n",
                     actual.width, actual.height, expected.width, expected.height);
        return 1;
    }
    const int w = actual.width, h = actual.height;
    std::vector<unsigned char> diff(static_cast<std::size_t>(w) * h * 3);
    std::size_t differing = 0;
    int worst = 0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const unsigned char* a = actual.at(x, y);
            const unsigned char* e = expected.at(x, y);
            int delta = 0;
            for (int c = 0; c < 3; ++c)
                delta = std::max(delta, std::abs(a[c] - e[c]));
            worst = std::max(worst, delta);
            unsigned char* d = diff.data() + (static_cast<std::size_t>(y) * w + x) * 3;
            if (delta > tolerance) {
                ++differing;
                d[0] = 255, d[1] = 0, d[2] = 0;
            } else {
                const auto grey = static_cast<unsigned char>((e[0] + e[1] + e[2]) / 9);
                d[0] = d[1] = d[2] = grey;
            }
        }
    }
    const double fraction = static_cast<double>(differing) / (static_cast<double>(w) * h);
    std::printf(
        "pngdiff: %zu of %d pixels differ by more than %d (%.3f%%, limit %.3f%%); "
        "largest channel difference %d\n",
        differing, w * h, tolerance, fraction * 100, max_fraction * 100, worst);
    if (fraction <= max_fraction) return 0;
    if (!stbi_write_png(args[2].c_str(), w, h, 3, diff.data(), w * 3)) {
        std::fprintf(stderr, "pngdiff: cannot write %s\n", args[2].c_str());
    } else {
        std::fprintf(stderr, "pngdiff: MISMATCH; diff image: %s\n", args[2].c_str());
    }
    return 1;
}
