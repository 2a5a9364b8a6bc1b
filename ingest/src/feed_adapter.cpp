#include "feed_adapter.hpp"

namespace citywall::ingest {

namespace {

// The department speaks citywall's own JSON feed format (docs/protocol.md).
class NativeJsonAdapter final : public FeedAdapter {
  public:
    NativeJsonAdapter(const Taxonomy& taxonomy, const FeedLimits& limits)
        : taxonomy_(taxonomy), limits_(limits) {}
    FeedMessage decode(std::string_view bytes, TimeMs now) const override {
        auto message = decode_feed_message(bytes, now, limits_);
        if (const auto* report = std::get_if<FeedReport>(&message);
            report && !taxonomy_.accepts(report->category))
            return FeedReject{"unknown_category", report->category};
        return message;
    }

  private:
    Taxonomy taxonomy_;
    FeedLimits limits_;
};

}  // namespace

std::unique_ptr<FeedAdapter> make_feed_adapter(const DepartmentConfig&, const Taxonomy& taxonomy,
                                               const FeedLimits& limits) {
    return std::make_unique<NativeJsonAdapter>(taxonomy, limits);
}

}  // namespace citywall::ingest
