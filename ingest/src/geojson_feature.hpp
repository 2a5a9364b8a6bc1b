// A department that sends one GeoJSON Feature (RFC 7946) per message: the position from its
// Point geometry, the id from the Feature's "id" or its properties, every other field from its
// properties through the department's field mapping (docs/protocol.md, "GeoJSON Feature").
#pragma once

#include <string_view>

#include "feed_message.hpp"
#include "json_feed.hpp"

namespace citywall::ingest {

FeedMessage decode_geojson_feature(std::string_view bytes, TimeMs now,
                                   const JsonReportReader& properties);

}  // namespace citywall::ingest
