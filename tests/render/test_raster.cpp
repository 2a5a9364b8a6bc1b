// citywall-test-raster OUT.tif: a GeoTIFF for the raster tile test, in Web Mercator with 10 m
// pixels, 3000 x 2000 of them from (12,690,000, 2,600,000) at the north-west corner. Red is a
// checker of 2 x 2 pixel cells (bright or dark), which averages to grey at any level coarser
// than the file's own, so a picture shows which level was drawn; green runs west to east and
// blue north to south, so it also shows where each tile went.
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: citywall-test-raster OUT.tif\n");
        return 2;
    }
    constexpr int kWidth = 3000, kHeight = 2000;
    GDALAllRegister();
    char** options = CSLSetNameValue(nullptr, "COMPRESS", "DEFLATE");
    options = CSLSetNameValue(options, "TILED", "YES");
    GDALDatasetH ds =
        GDALCreate(GDALGetDriverByName("GTiff"), argv[1], kWidth, kHeight, 3, GDT_Byte, options);
    CSLDestroy(options);
    if (!ds) {
        std::fprintf(stderr, "citywall-test-raster: cannot create %s: %s\n", argv[1],
                     CPLGetLastErrorMsg());
        return 1;
    }
    double transform[6] = {12'690'000.0, 10.0, 0, 2'600'000.0, 0, -10.0};
    GDALSetGeoTransform(ds, transform);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(srs, 3857);
    GDALSetSpatialRef(ds, srs);
    OSRDestroySpatialReference(srs);

    std::vector<unsigned char> band(static_cast<std::size_t>(kWidth) * kHeight);
    bool ok = true;
    for (int b = 1; b <= 3; ++b) {
        for (int y = 0; y < kHeight; ++y) {
            for (int x = 0; x < kWidth; ++x) {
                const int checker = ((x >> 1) + (y >> 1)) & 1;
                const int value = b == 1   ? (checker ? 230 : 20)
                                  : b == 2 ? x * 255 / (kWidth - 1)
                                           : y * 255 / (kHeight - 1);
                band[static_cast<std::size_t>(y) * kWidth + x] = static_cast<unsigned char>(value);
            }
        }
        ok = ok && GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, 0, kWidth, kHeight,
                                band.data(), kWidth, kHeight, GDT_Byte, 0, 0) == CE_None;
    }
    GDALClose(ds);
    if (!ok) {
        std::fprintf(stderr, "citywall-test-raster: cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
