// One layer read through OGR: its summary for the report, and its polygons in WGS84 for the
// nesting. Private to citywall_city.
#pragma once

#include <ogr_geometry.h>

#include <memory>
#include <string>
#include <vector>

#include "city_check.hpp"

class OGRLayer;

namespace citywall::city {

// A polygon feature as the nesting measures it: valid (made valid when it was not), 2D, in WGS84
// lon/lat.
struct AreaShape {
    std::unique_ptr<OGRGeometry> geometry;
    OGREnvelope envelope;
    double area = 0;  // in square degrees: only ever compared with another in the same place
    std::string code, name;
};

struct SurveyedLayer {
    LayerSummary summary;
    std::vector<AreaShape> shapes;  // polygon layers with a usable CRS; else empty
};

SurveyedLayer survey_layer(OGRLayer& layer, const std::filesystem::path& source,
                           const std::string& driver);

// GDAL's errors and warnings, kept instead of printed while one of these lives; GEOS's reasons
// for an invalid geometry arrive this way.
class GdalMessages {
  public:
    GdalMessages();
    ~GdalMessages();
    GdalMessages(const GdalMessages&) = delete;
    GdalMessages& operator=(const GdalMessages&) = delete;

    void clear() { last_.clear(); }
    const std::string& last() const { return last_; }

  private:
    std::string last_;
};

// The level key a name gives: lowercase ASCII letters, digits, '_' and '-', the last word made
// singular ("police_beats" → "police_beat"); empty when nothing of it is usable.
std::string level_key_of(std::string_view name);

}  // namespace citywall::city
