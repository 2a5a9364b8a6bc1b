// A department's messages in its own format (JSON with its own field names, GeoJSON, CAP 1.2)
// turned into what ingest understands: a FeedReport, a heartbeat, or a reasoned rejection.
#pragma once

#include <memory>
#include <string>
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

// The adapter for the department's `format`, reading through its `fields`, `categories`,
// `severities`, `statuses` and its times through `time_format` in `time_zone` (CAP's times are
// ISO-8601 with a zone by its standard, and are read so whatever the department says). A department
// whose mapping cannot be used (a malformed path, a map value that is not ours) gets an adapter
// that rejects every message as bad_mapping.
std::unique_ptr<FeedAdapter> make_feed_adapter(const DepartmentConfig& department,
                                               const Taxonomy& taxonomy, const FeedLimits& limits);

// Empty when the department's mapping is usable, else what is wrong with it: for a check at
// start, before any message arrives.
Result<void> check_feed_mapping(const DepartmentConfig& department);

}  // namespace citywall::ingest
