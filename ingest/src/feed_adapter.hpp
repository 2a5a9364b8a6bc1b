// A department's messages in its own format (JSON with its own field names, GeoJSON, CAP 1.2)
// turned into what ingest understands: a FeedReport, a heartbeat, or a reasoned rejection.
#pragma once

#include <memory>
#include <string_view>

#include "citywall/config.hpp"
#include "feed_message.hpp"

namespace citywall::ingest {

class FeedAdapter {
  public:
    virtual ~FeedAdapter() = default;
    // Never throws; anything it cannot read comes back as a FeedReject with a reason code.
    virtual FeedMessage decode(std::string_view bytes, TimeMs now) const = 0;
};

std::unique_ptr<FeedAdapter> make_feed_adapter(const DepartmentConfig& department,
                                               const Taxonomy& taxonomy, const FeedLimits& limits);

}  // namespace citywall::ingest
