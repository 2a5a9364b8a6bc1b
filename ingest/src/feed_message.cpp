#include "feed_message.hpp"

#include "json_feed.hpp"

namespace citywall::ingest {

FeedMessage decode_feed_message(std::string_view bytes, TimeMs now, const FeedLimits& limits) {
    // The native format is the JSON reader with the default mapping and no vocabulary maps.
    static const JsonFieldPaths kNativePaths = [] {
        std::string unused;
        return *JsonFieldPaths::compile(FieldMapping{}, unused);
    }();
    return JsonReportReader(kNativePaths, FeedVocabulary{}, limits).decode(bytes, now);
}

}  // namespace citywall::ingest
