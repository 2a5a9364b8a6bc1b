#include "basemap.hpp"

#include <cpl_conv.h>
#include <gdal_alg.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gdal_util.hpp"
#include "partition.hpp"
#include "random.hpp"

namespace citywall::mapgen {
namespace {

struct Rgb {
    double r, g, b;
};

Rgb mix(Rgb a, Rgb b, double t) {
    return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

double smoothstep(double lo, double hi, double x) {
    const double t = std::clamp((x - lo) / (hi - lo), 0.0, 1.0);
    return t * t * (3.0 - 2.0 * t);
}

// The palette stays within RGB ~15-70 so vector outlines and incident markers stay readable.
constexpr Rgb kRural{22, 25, 28};
constexpr Rgb kWoods{19, 31, 25};
constexpr Rgb kBuilt{31, 33, 38};
constexpr Rgb kPark{21, 37, 29};
constexpr Rgb kWater{13, 27, 47};
constexpr Rgb kSecondaryRoad{50, 52, 58};
constexpr Rgb kPrimaryRoad{64, 64, 70};

enum Mask { kCity, kWaterMask, kParks, kMinorStreets, kSecondary, kPrimary, kMaskCount };

// Pixel grid of the basemap in Web Mercator metres.
struct Raster {
    int size;
    double originX;  // west edge
    double originY;  // north edge
    double pixel;

    double x(int col) const { return originX + (col + 0.5) * pixel; }
    double y(int row) const { return originY - (row + 0.5) * pixel; }
};

Raster frameAround(const GEOSGeometry* outline, int size) {
    const Geom mercator = transform(outline, LocalFrame::toMercator);
    double minX = 0, minY = 0, maxX = 0, maxY = 0;
    GEOSGeom_getXMin_r(geos(), mercator.get(), &minX);
    GEOSGeom_getYMin_r(geos(), mercator.get(), &minY);
    GEOSGeom_getXMax_r(geos(), mercator.get(), &maxX);
    GEOSGeom_getYMax_r(geos(), mercator.get(), &maxY);
    // A square with ~4 km of countryside around the city (Mercator metres are ~1.085 m here).
    const double half = std::max(maxX - minX, maxY - minY) / 2.0 + 4500.0;
    const double cx = (minX + maxX) / 2.0;
    const double cy = (minY + maxY) / 2.0;
    return {size, cx - half, cy + half, 2.0 * half / size};
}

// Separable box blur, run twice for a near-triangular kernel: soft edges without halos. The
// vertical pass keeps running column sums so it walks memory row by row.
void blur(std::vector<std::uint8_t>& image, int size, int radius) {
    const int window = 2 * radius + 1;
    const auto n = static_cast<size_t>(size);
    std::vector<std::uint8_t> line(n);
    std::vector<int> columns(n);
    auto row = [&](int r) {
        return image.data() + static_cast<size_t>(std::clamp(r, 0, size - 1)) * n;
    };
    for (int pass = 0; pass < 2; ++pass) {
        for (int r = 0; r < size; ++r) {
            std::uint8_t* px = row(r);
            auto at = [&](int i) { return px[std::clamp(i, 0, size - 1)]; };
            int sum = 0;
            for (int i = -radius; i <= radius; ++i)
                sum += at(i);
            for (int i = 0; i < size; ++i) {
                line[static_cast<size_t>(i)] = static_cast<std::uint8_t>(sum / window);
                sum += at(i + radius + 1) - at(i - radius);
            }
            std::copy(line.begin(), line.end(), px);
        }
        std::vector<std::uint8_t> out(image.size());
        std::fill(columns.begin(), columns.end(), 0);
        for (int r = -radius; r <= radius; ++r) {
            const std::uint8_t* src = row(r);
            for (size_t c = 0; c < n; ++c)
                columns[c] += src[c];
        }
        for (int r = 0; r < size; ++r) {
            std::uint8_t* dst = out.data() + static_cast<size_t>(r) * n;
            const std::uint8_t* add = row(r + radius + 1);
            const std::uint8_t* drop = row(r - radius);
            for (size_t c = 0; c < n; ++c) {
                dst[c] = static_cast<std::uint8_t>(columns[c] / window);
                columns[c] += add[c] - drop[c];
            }
        }
        image.swap(out);
    }
}

// A smooth field sampled every `step` pixels and interpolated: terrain and neighbourhood noise
// vary over hundreds of metres, so evaluating them per pixel would only cost time.
class CoarseField {
  public:
    CoarseField(int size, int step)
        : step_(step), n_(size / step + 2), values_(static_cast<size_t>(n_) * n_) {}

    template <typename Fn>
    void fill(Fn fn) {
        for (int j = 0; j < n_; ++j) {
            for (int i = 0; i < n_; ++i)
                values_[static_cast<size_t>(j) * n_ + i] =
                    static_cast<float>(fn(i * step_, j * step_));
        }
    }
    float at(size_t i, size_t j) const { return values_[j * static_cast<size_t>(n_) + i]; }
    double sample(int col, int row) const {
        const auto i = static_cast<size_t>(col / step_);
        const auto j = static_cast<size_t>(row / step_);
        const double tx = static_cast<double>(col % step_) / step_;
        const double ty = static_cast<double>(row % step_) / step_;
        const double top = at(i, j) + (at(i + 1, j) - at(i, j)) * tx;
        const double bottom = at(i, j + 1) + (at(i + 1, j + 1) - at(i, j + 1)) * tx;
        return top + (bottom - top) * ty;
    }
    int cells() const { return n_; }
    int step() const { return step_; }

  private:
    int step_;
    int n_;
    std::vector<float> values_;
};

std::vector<std::unique_ptr<OGRGeometry>> mercatorGeometries(
    const std::vector<const GEOSGeometry*>& metric) {
    std::vector<std::unique_ptr<OGRGeometry>> out;
    for (const GEOSGeometry* g : metric)
        out.push_back(toOgr(transform(g, LocalFrame::toMercator).get()));
    return out;
}

void burn(GDALDataset& masks, int band, const std::vector<const GEOSGeometry*>& metric) {
    const auto geometries = mercatorGeometries(metric);
    std::vector<OGRGeometryH> handles;
    for (const auto& g : geometries)
        handles.push_back(OGRGeometry::ToHandle(g.get()));
    std::vector<double> values(handles.size(), 255.0);
    int bands[] = {band + 1};
    const CPLErr err = GDALRasterizeGeometries(
        GDALDataset::ToHandle(&masks), 1, bands, static_cast<int>(handles.size()), handles.data(),
        nullptr, nullptr, values.data(), nullptr, nullptr, nullptr);
    if (err != CE_None) throw std::runtime_error("rasterize failed");
}

// Minor streets: edges of a dense Voronoi inside the city read as a block pattern.
Geom minorStreets(const CityMap& city, std::uint64_t seed) {
    Random rng(seed);
    std::vector<Point> sites;
    const std::vector<Point> ring = exteriorRing(city.outline.get());
    while (sites.size() < 9000) {
        const Point p{rng.range(-24000, 24000), rng.range(-20000, 20000)};
        const double density =
            0.15 + 0.85 * std::exp(-std::pow(std::hypot(p.x, p.y - 1500.0) / 9000.0, 2));
        if (rng.uniform() < density) sites.push_back(p);
    }
    Geom points = makeMultiPoint(sites);
    Geom edges = own(GEOSVoronoiDiagram_r(geos(), points.get(), nullptr, 0.0, 1), "voronoi edges");
    return own(GEOSIntersection_r(geos(), edges.get(), city.outline.get()), "clip streets");
}

std::vector<std::uint8_t> readBand(GDALDataset& ds, int band, int size) {
    std::vector<std::uint8_t> out(static_cast<size_t>(size) * size);
    if (ds.GetRasterBand(band + 1)->RasterIO(GF_Read, 0, 0, size, size, out.data(), size, size,
                                             GDT_Byte, 0, 0) != CE_None) {
        throw std::runtime_error("mask read failed");
    }
    return out;
}

}  // namespace

void writeBasemap(const CityMap& city, const std::string& path, std::uint64_t seed, int size) {
    const Raster raster = frameAround(city.outline.get(), size);
    const double geoTransform[6] = {raster.originX, raster.pixel, 0.0,
                                    raster.originY, 0.0,          -raster.pixel};
    OGRSpatialReference mercator;
    mercator.importFromEPSG(3857);

    GDALDriver* memDriver = GetGDALDriverManager()->GetDriverByName("MEM");
    DatasetPtr masks(memDriver->Create("", size, size, kMaskCount, GDT_Byte, nullptr));
    masks->SetGeoTransform(const_cast<double*>(geoTransform));
    masks->SetSpatialRef(&mercator);

    burn(*masks, kCity, {city.outline.get()});
    {
        std::vector<Geom> water;
        water.push_back(buffer(makeLine(city.rivers[0].points).get(), 190.0));
        for (size_t i = 1; i < city.rivers.size(); ++i) {
            water.push_back(buffer(makeLine(city.rivers[i].points).get(), 70.0));
        }
        std::vector<const GEOSGeometry*> views;
        for (const Geom& g : water)
            views.push_back(g.get());
        burn(*masks, kWaterMask, views);
    }
    {
        std::vector<const GEOSGeometry*> views;
        for (const Geom& g : city.parks)
            views.push_back(g.get());
        burn(*masks, kParks, views);
    }
    const Geom streets = minorStreets(city, seed);
    burn(*masks, kMinorStreets, {streets.get()});
    for (const bool primary : {false, true}) {
        std::vector<Geom> roads;
        std::vector<const GEOSGeometry*> views;
        for (const Polyline& r : city.roads) {
            if ((r.roadClass == "primary") != primary) continue;
            roads.push_back(buffer(makeLine(r.points).get(), primary ? 26.0 : 16.0));
            views.push_back(roads.back().get());
        }
        burn(*masks, primary ? kPrimary : kSecondary, views);
    }

    std::vector<std::vector<std::uint8_t>> mask(kMaskCount);
    for (int m = 0; m < kMaskCount; ++m)
        mask[static_cast<size_t>(m)] = readBand(*masks, m, size);
    masks.reset();
    blur(mask[kCity], size, 10);
    blur(mask[kParks], size, 3);
    blur(mask[kWaterMask], size, 1);
    blur(mask[kSecondary], size, 1);
    blur(mask[kPrimary], size, 1);

    // Terrain height drives the wooded hills outside the city and a faint hillshade.
    const ValueNoise terrainNoise(mix64(seed ^ 0x7e77a1));
    const ValueNoise blockNoise(mix64(seed ^ 0xb10c));
    const Point centre = LocalFrame::toMercator({0.0, 1500.0});
    constexpr int kStep = 4;
    CoarseField terrain(size, kStep);
    terrain.fill([&](int col, int row) {
        return terrainNoise.fbm(raster.x(col) / 7000.0, raster.y(row) / 7000.0, 5);
    });
    CoarseField shade(size, kStep);
    shade.fill([&](int col, int row) {
        // Light from the north-west over the terrain's slope.
        const auto i = static_cast<size_t>(std::max(col / kStep, 1));
        const auto j = static_cast<size_t>(std::max(row / kStep, 1));
        const double slope =
            (terrain.at(i, j) - terrain.at(i - 1, j)) + (terrain.at(i, j - 1) - terrain.at(i, j));
        return std::clamp(1.0 - slope * 15.0, 0.85, 1.15);
    });
    CoarseField core(size, kStep);
    core.fill([&](int col, int row) {
        return std::exp(
            -std::pow(std::hypot(raster.x(col) - centre.x, raster.y(row) - centre.y) / 14000.0, 2));
    });
    CoarseField patch(size, kStep);
    patch.fill([&](int col, int row) {
        return blockNoise.fbm(raster.x(col) / 900.0, raster.y(row) / 900.0, 3) - 0.5;
    });

    const size_t pixels = static_cast<size_t>(size) * size;
    std::vector<std::uint8_t> red(pixels), green(pixels), blue(pixels);
    auto paintRow = [&](int row) {
        for (int col = 0; col < size; ++col) {
            const size_t i = static_cast<size_t>(row) * size + col;
            auto level = [&](int m) { return mask[static_cast<size_t>(m)][i] / 255.0; };

            const double light = shade.sample(col, row);
            Rgb colour = mix(kRural, kWoods, smoothstep(0.52, 0.66, terrain.sample(col, row)));
            colour = {colour.r * light, colour.g * light, colour.b * light};

            // Built-up land is brighter towards the core, with a patchwork of neighbourhoods.
            const double centrality = core.sample(col, row);
            const double quarter = patch.sample(col, row);
            Rgb built{kBuilt.r + 7 * centrality + 8 * quarter,
                      kBuilt.g + 7 * centrality + 8 * quarter,
                      kBuilt.b + 8 * centrality + 8 * quarter};
            const double urban = level(kCity);
            colour = mix(colour, built, 0.9 * urban);
            const double street = level(kMinorStreets) * urban;
            colour = {colour.r + 6 * street, colour.g + 6 * street, colour.b + 7 * street};
            colour = mix(colour, kPark, 0.85 * level(kParks));
            colour = mix(colour, kWater, level(kWaterMask));
            colour = mix(colour, kSecondaryRoad, 0.9 * level(kSecondary));
            colour = mix(colour, kPrimaryRoad, 0.9 * level(kPrimary));

            // Per-pixel grain breaks up flat areas on a large wall.
            const double grain = static_cast<double>(mix64(seed ^ i) >> 62) - 1.5;
            auto byte = [&](double v) {
                return static_cast<std::uint8_t>(
                    std::clamp(std::lround(v + grain * 0.7), 0L, 255L));
            };
            red[i] = byte(colour.r);
            green[i] = byte(colour.g);
            blue[i] = byte(colour.b);
        }
    };
    {
        // Rows are independent; two workers match the build machines.
        std::thread helper([&] {
            for (int row = 1; row < size; row += 2)
                paintRow(row);
        });
        for (int row = 0; row < size; row += 2)
            paintRow(row);
        helper.join();
    }

    DatasetPtr image(memDriver->Create("", size, size, 3, GDT_Byte, nullptr));
    image->SetGeoTransform(const_cast<double*>(geoTransform));
    image->SetSpatialRef(&mercator);
    std::uint8_t* channels[] = {red.data(), green.data(), blue.data()};
    for (int b = 0; b < 3; ++b) {
        GDALRasterBand* band = image->GetRasterBand(b + 1);
        band->SetColorInterpretation(static_cast<GDALColorInterp>(GCI_RedBand + b));
        if (band->RasterIO(GF_Write, 0, 0, size, size, channels[b], size, size, GDT_Byte, 0, 0) !=
            CE_None) {
            throw std::runtime_error("basemap write failed");
        }
    }

    std::filesystem::remove(path);
    GDALDriver* tiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    const char* options[] = {"TILED=YES",   "BLOCKXSIZE=512",  "BLOCKYSIZE=512", "COMPRESS=DEFLATE",
                             "PREDICTOR=2", "PHOTOMETRIC=RGB", "ZLEVEL=3",       nullptr};
    DatasetPtr written(tiff->CreateCopy(path.c_str(), image.get(), FALSE,
                                        const_cast<char**>(options), nullptr, nullptr));
    if (!written) throw std::runtime_error("cannot write " + path);
    written.reset();
    image.reset();

    // Internal overviews let the wall zoom out without reading every full-resolution tile.
    DatasetPtr update(GDALDataset::FromHandle(GDALOpen(path.c_str(), GA_Update)));
    if (!update) throw std::runtime_error("cannot reopen " + path);
    CPLSetConfigOption("COMPRESS_OVERVIEW", "DEFLATE");
    CPLSetConfigOption("PREDICTOR_OVERVIEW", "2");
    CPLSetConfigOption("ZLEVEL_OVERVIEW", "3");
    int levels[] = {2, 4, 8, 16};
    const CPLErr err = update->BuildOverviews("AVERAGE", 4, levels, 0, nullptr, nullptr, nullptr);
    CPLSetConfigOption("COMPRESS_OVERVIEW", nullptr);
    CPLSetConfigOption("PREDICTOR_OVERVIEW", nullptr);
    CPLSetConfigOption("ZLEVEL_OVERVIEW", nullptr);
    if (err != CE_None) throw std::runtime_error("overviews failed for " + path);
}

}  // namespace citywall::mapgen
