// check(): the inputs found and opened, every layer surveyed, the nesting found.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "city_check.hpp"
#include "layer_survey.hpp"
#include "nesting.hpp"

namespace citywall::city {

namespace {

namespace fs = std::filesystem;

// Extensions of the vector files a folder is searched for (a .gdb folder is opened whole).
constexpr std::array<std::string_view, 15> kVectorExtensions = {
    ".shp", ".gpkg",   ".geojson", ".json", ".topojson", ".kml", ".kmz",     ".gml",
    ".fgb", ".sqlite", ".tab",     ".mif",  ".gpx",      ".gdb", ".geojsonl"};
// Files that belong to one of those (a shapefile's parts, GML's schema …): passed over quietly.
constexpr std::array<std::string_view, 18> kCompanionExtensions = {
    ".dbf", ".shx", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".qpj", ".xml",
    ".id",  ".map", ".dat", ".ind", ".mid", ".gfs", ".xsd", ".qmd", ".fix"};

std::string lower_extension(const fs::path& path) {
    std::string extension = path.extension().string();
    for (char& c : extension)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return extension;
}

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, const std::string& extension) {
    return std::find(list.begin(), list.end(), extension) != list.end();
}

// The vector sources under a folder, in name order; other files go to `ignored`.
void search_folder(const fs::path& folder, std::vector<fs::path>& found, CityCheck& check) {
    std::error_code error;
    std::vector<fs::path> files;
    fs::recursive_directory_iterator walk(folder, fs::directory_options::skip_permission_denied,
                                          error);
    if (error) {
        check.unreadable.push_back({folder, "cannot read the folder: " + error.message()});
        return;
    }
    for (; walk != fs::recursive_directory_iterator(); walk.increment(error)) {
        if (error) {
            check.unreadable.push_back({folder, "cannot read the folder: " + error.message()});
            return;
        }
        const fs::path& path = walk->path();
        const std::string extension = lower_extension(path);
        if (walk->is_directory(error)) {
            if (extension == ".gdb") {
                files.push_back(path);
                walk.disable_recursion_pending();
            }
            continue;
        }
        if (listed(kVectorExtensions, extension)) {
            files.push_back(path);
        } else if (!listed(kCompanionExtensions, extension)) {
            check.ignored.push_back(path);
        }
    }
    std::sort(files.begin(), files.end());
    found.insert(found.end(), files.begin(), files.end());
}

struct CloseDataset {
    void operator()(GDALDataset* dataset) const { GDALClose(dataset); }
};

}  // namespace

CityCheck check(const std::vector<std::string>& inputs) {
    GDALAllRegister();
    CityCheck check;
    check.inputs = inputs;

    std::vector<fs::path> sources;
    for (const std::string& input : inputs) {
        const fs::path path(input);
        std::error_code error;
        const auto status = fs::status(path, error);
        if (!fs::exists(status)) {
            check.unreadable.push_back({path, "no such file or folder"});
        } else if (fs::is_directory(status) && lower_extension(path) != ".gdb") {
            search_folder(path, sources, check);
        } else {
            sources.push_back(path);
        }
    }
    std::sort(check.ignored.begin(), check.ignored.end());

    std::vector<std::vector<AreaShape>> shapes;
    for (const fs::path& source : sources) {
        GdalMessages messages;
        std::unique_ptr<GDALDataset, CloseDataset> dataset(GDALDataset::Open(
            source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR, nullptr,
            nullptr, nullptr));
        if (!dataset) {
            std::string why = messages.last().empty() ? "not a format GDAL knows" : messages.last();
            check.unreadable.push_back({source, "GDAL cannot read it as vector data: " + why});
            continue;
        }
        if (dataset->GetLayerCount() == 0) {
            check.unreadable.push_back({source, "GDAL opens it but finds no vector layer in it"});
            continue;
        }
        check.sources.push_back(source);
        const std::string driver =
            dataset->GetDriver() ? dataset->GetDriver()->GetDescription() : "";
        for (OGRLayer* layer : dataset->GetLayers()) {
            SurveyedLayer surveyed = survey_layer(*layer, source, driver);
            check.layers.push_back(std::move(surveyed.summary));
            shapes.push_back(std::move(surveyed.shapes));
        }
    }
    find_nesting(check, shapes);
    return check;
}

}  // namespace citywall::city
