#include "feed_health.hpp"

#include <algorithm>

namespace citywall::ingest {

FeedHealthBoard::FeedHealthBoard(const std::vector<DepartmentConfig>& departments, TimeMs now,
                                 RefusalCounts refusals)
    : refusals_(std::move(refusals)) {
    for (const auto& d : departments) {
        Feed feed;
        feed.health.department = d.code;
        feed.health.name = d.name.empty() ? d.code : d.name;
        feed.health.name_en = d.name_en;
        feed.heartbeat_ms = d.heartbeat_s * 1000;
        feed.last_report = now;
        feeds_.emplace(d.code, std::move(feed));
    }
}

void FeedHealthBoard::heard(const std::string& department, TimeMs now) {
    auto& feed = feeds_.at(department);
    feed.health.last_message = now;
    ++feed.messages;
}

namespace {
constexpr TimeMs kLagWindowMs = 60'000;
constexpr std::size_t kMaxLagSamples = 4096;
constexpr TimeMs kFloodingShownMs = 5000;

double percentile(std::vector<TimeMs> values, double p) {
    if (values.empty()) return 0.0;
    auto k = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return static_cast<double>(values[k]);
}
}  // namespace

void FeedHealthBoard::accepted(const std::string& department, std::optional<TimeMs> lag_ms,
                               TimeMs now) {
    auto& feed = feeds_.at(department);
    ++feed.health.accepted;
    if (!lag_ms) return;
    feed.lags.emplace_back(now, *lag_ms);
    if (feed.lags.size() > kMaxLagSamples) feed.lags.pop_front();
}

void FeedHealthBoard::rejected(const std::string& department, RejectReason reason) {
    auto& feed = feeds_.at(department);
    ++feed.health.rejected;
    ++feed.rejects[std::string(to_string(reason))];
}

void FeedHealthBoard::peers_changed(const std::string& department, int delta) {
    auto& feed = feeds_.at(department);
    feed.peers = std::max(0, feed.peers + delta);
}

void FeedHealthBoard::held_back(const std::string& department, TimeMs now) {
    feeds_.at(department).held_back = now;
}

// The gate counts every refusal as it happens; the board sees the counts at each report, so a
// refusal's time is the first report that counted it (a heartbeat apart at most).
void FeedHealthBoard::count_refusals(TimeMs now) {
    if (!refusals_) return;
    const auto counts = refusals_();
    for (auto& [code, feed] : feeds_) {
        const auto gate = counts.find(code);
        if (gate == counts.end()) continue;
        std::vector<RejectCount> refusals;
        std::uint64_t most_new = 0;
        for (const RefusalKind& kind : kRefusalKinds) {
            const std::uint64_t count = gate->second.of(kind.reason);
            if (count == 0) continue;
            const std::string reason_code(kind.code);
            std::uint64_t before = 0;
            for (const auto& r : feed.health.refusals)
                if (r.reason == reason_code) before = r.count;
            // The reason that grew most since the last report is the one going on now.
            if (count - before > most_new) {
                most_new = count - before;
                feed.health.last_refusal_reason = reason_code;
            }
            refusals.push_back({reason_code, count});
        }
        if (most_new > 0) feed.health.last_refused = now;
        feed.health.refusals = std::move(refusals);
    }
}

std::vector<FeedHealth> FeedHealthBoard::report(TimeMs now) {
    count_refusals(now);
    std::vector<FeedHealth> out;
    for (auto& [code, feed] : feeds_) {
        // Shown for a few seconds after the last pass that held it back, so a flood that comes
        // in bursts does not blink on the wall.
        feed.health.flooding = feed.held_back != 0 && now - feed.held_back < kFloodingShownMs;
        TimeMs elapsed = now - feed.last_report;
        if (elapsed >= 1000) {
            double fresh = static_cast<double>(feed.messages - feed.messages_at_last_report);
            feed.health.rate_per_s = fresh * 1000.0 / static_cast<double>(elapsed);
            feed.messages_at_last_report = feed.messages;
            feed.last_report = now;
        }
        while (!feed.lags.empty() && feed.lags.front().first < now - kLagWindowMs)
            feed.lags.pop_front();
        std::vector<TimeMs> lags;
        lags.reserve(feed.lags.size());
        for (const auto& sample : feed.lags)
            lags.push_back(sample.second);
        feed.health.lag_p50_ms = percentile(lags, 0.50);
        feed.health.lag_p99_ms = percentile(std::move(lags), 0.99);
        feed.health.rejects.clear();
        for (const auto& [reason, count] : feed.rejects)
            feed.health.rejects.push_back({reason, count});
        feed.health.connected = feed.peers > 0;
        // Never heard, or silent longer than its heartbeat interval: the wall greys it out.
        feed.health.stale =
            feed.health.last_message == 0 || now - feed.health.last_message > feed.heartbeat_ms;
        out.push_back(feed.health);
    }
    return out;
}

std::map<std::string, std::uint64_t> FeedHealthBoard::rejects_by_reason(
    const std::string& department) const {
    auto it = feeds_.find(department);
    return it == feeds_.end() ? std::map<std::string, std::uint64_t>{} : it->second.rejects;
}

}  // namespace citywall::ingest
