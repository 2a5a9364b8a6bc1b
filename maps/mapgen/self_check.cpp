#include "self_check.hpp"

#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "gdal_util.hpp"

namespace citywall::mapgen {
namespace {

// Relative tolerance for area identities; shared edges are bit-identical, so this is generous.
constexpr double kTolerance = 1e-9;

struct Feature {
    std::map<std::string, std::string> fields;
    Geom shape;
    double area = 0.0;
};

struct Layer {
    bool present = false;
    std::vector<Feature> features;
    std::map<std::string, size_t> byCode;
};

Layer readLayer(GDALDataset& ds, const char* name, const std::vector<std::string>& fields,
                OGRwkbGeometryType expected, CheckReport& report) {
    Layer out;
    OGRLayer* layer = ds.GetLayerByName(name);
    if (layer == nullptr) {
        report.problems.push_back(std::string("missing layer ") + name);
        return out;
    }
    out.present = true;
    if (wkbFlatten(layer->GetGeomType()) != expected) {
        report.problems.push_back(std::string(name) + ": unexpected geometry type " +
                                  OGRGeometryTypeToName(layer->GetGeomType()));
    }
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    const char* code = srs ? srs->GetAuthorityCode(nullptr) : nullptr;
    if (code == nullptr || std::string(code) != "4490") {
        report.problems.push_back(std::string(name) + ": CRS is not EPSG:4490");
    }
    for (const std::string& f : fields) {
        if (layer->GetLayerDefn()->GetFieldIndex(f.c_str()) < 0) {
            report.problems.push_back(std::string(name) + ": missing field " + f);
        }
    }
    layer->ResetReading();
    for (auto& feature : *layer) {
        Feature f;
        for (const std::string& name_ : fields) {
            const int index = feature->GetFieldIndex(name_.c_str());
            if (index >= 0) f.fields[name_] = feature->GetFieldAsString(index);
        }
        const OGRGeometry* g = feature->GetGeometryRef();
        if (g == nullptr || g->IsEmpty()) {
            report.problems.push_back(std::string(name) + ": empty geometry");
            continue;
        }
        f.shape = fromOgr(*g);
        f.area = area(f.shape.get());
        if (f.fields.count("code") != 0) {
            if (!out.byCode.emplace(f.fields["code"], out.features.size()).second) {
                report.problems.push_back(std::string(name) + ": duplicate code " +
                                          f.fields["code"]);
            }
        }
        out.features.push_back(std::move(f));
    }
    return out;
}

bool digits(const std::string& s, size_t length) {
    return s.size() == length &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

double relative(double a, double b) {
    return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

// Every child lies inside its parent, and the children of each parent add up to it exactly.
void checkNesting(const char* what, Layer& children, Layer& parents, const std::string& parentField,
                  size_t codeLength, CheckReport& report) {
    std::map<std::string, double> childArea;
    std::map<std::string, std::set<std::string>> names;
    for (Feature& child : children.features) {
        const std::string& code = child.fields["code"];
        const std::string& parentCode = child.fields[parentField];
        if (!digits(code, codeLength) || code.compare(0, parentCode.size(), parentCode) != 0) {
            report.problems.push_back(std::string(what) + ": bad code " + code + " under " +
                                      parentCode);
        }
        auto parent = parents.byCode.find(parentCode);
        if (parent == parents.byCode.end()) {
            report.problems.push_back(std::string(what) + " " + code + ": unknown parent " +
                                      parentCode);
            continue;
        }
        if (!names[parentCode].insert(child.fields["name"]).second) {
            report.problems.push_back(std::string(what) + ": name repeated under " + parentCode);
        }
        const Feature& p = parents.features[parent->second];
        const Geom inside = intersection(child.shape.get(), p.shape.get(), 0.0);
        const double error = relative(area(inside.get()), child.area);
        report.worstNestingError = std::max(report.worstNestingError, error);
        if (error > kTolerance) {
            report.problems.push_back(std::string(what) + " " + code + " sticks out of " +
                                      parentCode);
        }
        childArea[parentCode] += child.area;
    }
    for (const Feature& p : parents.features) {
        const std::string& code = p.fields.at("code");
        const double error = relative(childArea[code], p.area);
        report.worstNestingError = std::max(report.worstNestingError, error);
        if (error > kTolerance) {
            report.problems.push_back(std::string(what) + "s of " + code + " do not tile it");
        }
    }
}

// A layer that tiles the whole city: inside the boundary and adding up to its area.
void checkTiling(const char* what, const Layer& layer, const Feature& city, CheckReport& report) {
    double total = 0.0;
    for (const Feature& f : layer.features) {
        const Geom inside = intersection(f.shape.get(), city.shape.get(), 0.0);
        const double error = relative(area(inside.get()), f.area);
        report.worstNestingError = std::max(report.worstNestingError, error);
        if (error > kTolerance) report.problems.push_back(std::string(what) + " outside the city");
        total += f.area;
    }
    const double error = relative(total, city.area);
    report.worstNestingError = std::max(report.worstNestingError, error);
    if (error > kTolerance) {
        report.problems.push_back(std::string(what) + "s leave gaps or overlap in the city");
    }
}

void expectAtLeast(const char* what, int count, int minimum, CheckReport& report) {
    if (count < minimum) {
        report.problems.push_back(std::string("only ") + std::to_string(count) + " " + what +
                                  ", expected at least " + std::to_string(minimum));
    }
}

}  // namespace

CheckReport checkGeoPackage(const std::string& path) {
    CheckReport report;
    DatasetPtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) {
        report.problems.push_back("cannot open " + path);
        return report;
    }
    Layer city = readLayer(*ds, "city_boundary", {"name"}, wkbPolygon, report);
    Layer districts =
        readLayer(*ds, "districts", {"code", "name", "name_en"}, wkbMultiPolygon, report);
    Layer streets =
        readLayer(*ds, "streets", {"code", "name", "district_code"}, wkbMultiPolygon, report);
    Layer communities =
        readLayer(*ds, "communities", {"code", "name", "street_code", "district_code"},
                  wkbMultiPolygon, report);
    Layer grids =
        readLayer(*ds, "grids", {"code", "name", "community_code", "street_code", "district_code"},
                  wkbMultiPolygon, report);
    Layer beats =
        readLayer(*ds, "police_beats", {"code", "name", "station"}, wkbMultiPolygon, report);
    Layer rivers = readLayer(*ds, "rivers", {"name"}, wkbLineString, report);
    Layer roads = readLayer(*ds, "roads", {"name", "class"}, wkbLineString, report);

    report.districts = static_cast<int>(districts.features.size());
    report.streets = static_cast<int>(streets.features.size());
    report.communities = static_cast<int>(communities.features.size());
    report.grids = static_cast<int>(grids.features.size());
    report.beats = static_cast<int>(beats.features.size());
    report.rivers = static_cast<int>(rivers.features.size());
    report.roads = static_cast<int>(roads.features.size());
    std::set<std::string> stations;
    for (const Feature& b : beats.features)
        stations.insert(b.fields.at("station"));
    report.stations = static_cast<int>(stations.size());

    expectAtLeast("districts", report.districts, 10, report);
    expectAtLeast("streets", report.streets, 50, report);
    expectAtLeast("communities", report.communities, 250, report);
    expectAtLeast("grids", report.grids, 1500, report);
    expectAtLeast("police beats", report.beats, 150, report);
    expectAtLeast("rivers", report.rivers, 1, report);
    expectAtLeast("roads", report.roads, 8, report);
    if (city.features.size() != 1) {
        report.problems.push_back("city_boundary must hold exactly one feature");
        return report;
    }
    if (!report.problems.empty()) return report;

    for (const Feature& d : districts.features) {
        const std::string& code = d.fields.at("code");
        if (!digits(code, 6) || code.compare(0, 4, "4499") != 0) {
            report.problems.push_back("district: bad code " + code);
        }
    }
    checkTiling("district", districts, city.features[0], report);
    checkTiling("police beat", beats, city.features[0], report);
    checkNesting("street", streets, districts, "district_code", 9, report);
    checkNesting("community", communities, streets, "street_code", 12, report);
    checkNesting("grid", grids, communities, "community_code", 15, report);

    // The denormalised codes must agree with the chain of parents.
    for (Feature& c : communities.features) {
        if (c.fields["street_code"].compare(0, 6, c.fields["district_code"]) != 0) {
            report.problems.push_back("community " + c.fields["code"] +
                                      ": district_code disagrees");
        }
    }
    for (Feature& g : grids.features) {
        const std::string& code = g.fields["code"];
        if (g.fields["street_code"] != code.substr(0, 9) ||
            g.fields["district_code"] != code.substr(0, 6)) {
            report.problems.push_back("grid " + code + ": parent codes disagree");
        }
    }
    std::set<std::string> roadNames;
    for (Feature& r : roads.features) {
        const std::string& cls = r.fields["class"];
        if (cls != "primary" && cls != "secondary")
            report.problems.push_back("road with class " + cls);
        if (!roadNames.insert(r.fields["name"]).second)
            report.problems.push_back("road name repeated");
    }
    return report;
}

}  // namespace citywall::mapgen
