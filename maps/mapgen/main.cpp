// citywall-mapgen: generates the fictional demo city (GeoPackage + GeoTIFF basemap) used by
// ingest, the viewer and the tests. Deterministic: the same seed gives the same city.
#include <gdal_priv.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>

#include "basemap.hpp"
#include "city.hpp"
#include "gpkg_writer.hpp"
#include "leaders.hpp"
#include "self_check.hpp"

namespace {

constexpr std::uint64_t kDefaultSeed = 20261122;
constexpr int kBasemapSize = 4096;

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: citywall-mapgen --out DIR [--seed N] [--check]\n"
                 "  --out DIR   write DIR/demo_city.gpkg, DIR/demo_city_basemap.tif and\n"
                 "              DIR/demo_city_leaders.csv\n"
                 "  --seed N    random seed (default %llu)\n"
                 "  --check     only verify an existing DIR/demo_city.gpkg\n",
                 static_cast<unsigned long long>(kDefaultSeed));
}

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

int report(const citywall::mapgen::CheckReport& r) {
    std::printf(
        "check: %d districts, %d streets, %d communities, %d grids, %d police beats in %d "
        "stations, "
        "%d rivers, %d roads; worst nesting error %.1e\n",
        r.districts, r.streets, r.communities, r.grids, r.beats, r.stations, r.rivers, r.roads,
        r.worstNestingError);
    for (const std::string& p : r.problems)
        std::fprintf(stderr, "check failed: %s\n", p.c_str());
    return r.problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out;
    std::uint64_t seed = kDefaultSeed;
    bool checkOnly = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--out" && i + 1 < argc) {
            out = argv[++i];
        } else if (arg == "--seed" && i + 1 < argc) {
            char* end = nullptr;
            seed = std::strtoull(argv[++i], &end, 10);
            if (end == nullptr || *end != '\0') {
                std::fprintf(stderr, "citywall-mapgen: --seed wants a number\n");
                return 2;
            }
        } else if (arg == "--check") {
            checkOnly = true;
        } else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (out.empty()) {
        usage(stderr);
        return 2;
    }

    GDALAllRegister();
    const std::filesystem::path dir(out);
    const std::string gpkg = (dir / "demo_city.gpkg").string();
    const std::string tif = (dir / "demo_city_basemap.tif").string();
    try {
        if (checkOnly) return report(citywall::mapgen::checkGeoPackage(gpkg));

        std::filesystem::create_directories(dir);
        const auto start = Clock::now();
        const citywall::mapgen::CityMap city = citywall::mapgen::buildCity(seed);
        const double built = secondsSince(start);
        citywall::mapgen::writeGeoPackage(city, gpkg);
        citywall::mapgen::writeLeaders(city, (dir / "demo_city_leaders.csv").string(), seed);
        const double vectors = secondsSince(start);
        citywall::mapgen::writeBasemap(city, tif, seed, kBasemapSize);
        const double raster = secondsSince(start);
        const int status = report(citywall::mapgen::checkGeoPackage(gpkg));
        std::printf(
            "citywall-mapgen: seed %llu -> %s (city %.2f s, gpkg %.2f s, basemap %.2f s, "
            "check %.2f s, total %.2f s)\n",
            static_cast<unsigned long long>(seed), dir.string().c_str(), built, vectors - built,
            raster - vectors, secondsSince(start) - raster, secondsSince(start));
        return status;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "citywall-mapgen: %s\n", e.what());
        return 1;
    }
}
