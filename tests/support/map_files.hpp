// Map layers for tests as text GDAL reads: GeoJSON features and collections, and an OGR VRT file
// that gathers one GeoJSON file per layer into one source of named layers (as a GeoPackage would).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace citywall::testing {

// The rings of a square of `size` degrees with its south-west corner at (lon, lat), as a
// GeoJSON Polygon's coordinates.
inline std::string square_coordinates(double lon, double lat, double size) {
    const auto at = [](double x, double y) {
        return "[" + std::to_string(x) + "," + std::to_string(y) + "]";
    };
    return "[[" + at(lon, lat) + "," + at(lon + size, lat) + "," + at(lon + size, lat + size) +
           "," + at(lon, lat + size) + "," + at(lon, lat) + "]]";
}

inline std::string square_polygon(double lon, double lat, double size) {
    return R"({"type":"Polygon","coordinates":)" + square_coordinates(lon, lat, size) + "}";
}

// `properties` is a JSON object's text; `geometry` a GeoJSON geometry's, or "null".
inline std::string geojson_feature(const std::string& properties, const std::string& geometry) {
    return R"({"type":"Feature","properties":)" + properties + R"(,"geometry":)" + geometry + "}";
}

// `crs`: empty, or a member to put before "features" (with its trailing comma).
inline std::string geojson_collection(const std::vector<std::string>& features,
                                      const std::string& crs = "") {
    std::string text = R"({"type":"FeatureCollection",)" + crs + R"("features":[)";
    for (std::size_t k = 0; k < features.size(); ++k)
        text += (k ? "," : "") + features[k];
    return text + "]}";
}

// An OGR VRT source whose layers are named GeoJSON files beside it: {layer name, file name}.
// A GeoJSON file's own layer is named after the file without its extension.
inline std::string vrt_of_layers(const std::vector<std::pair<std::string, std::string>>& layers) {
    std::string text = "<OGRVRTDataSource>";
    for (const auto& [layer, file] : layers)
        text += "<OGRVRTLayer name=\"" + layer + "\"><SrcDataSource relativeToVRT=\"1\">" + file +
                "</SrcDataSource><SrcLayer>" + file.substr(0, file.rfind('.')) +
                "</SrcLayer></OGRVRTLayer>";
    return text + "</OGRVRTDataSource>";
}

}  // namespace citywall::testing
