// A live ingest's journal of real San Francisco incidents for drill tests: recorded by the real
// ingest over loopback, on an injected clock, and the pictures a drill's walls must be shown of it.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <zmq.hpp>

#include "citywall/journal_index.hpp"
#include "citywall/replay.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "sfpd_reports.hpp"

namespace citywall::testing {

constexpr TimeMs kRecordingStart = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
constexpr TimeMs kReportEveryMs = 7'000;

// A live ingest's journal of 300 real SFPD incidents, every fifth resolved, and fixes of 20
// cars, one report every 7 s of the ingest's (injected) clock: about 55 minutes recorded.
class Recording {
  public:
    Recording() {
        IngestConfig config = loopback_config(dir_.path());
        config.departments.push_back(department_config("SFPD", "SFPD", loopback_endpoint()));
        const std::vector<std::string> reports = sfpd_reports(300);
        std::atomic<TimeMs> now{kRecordingStart};
        ingest::StartOptions options;
        options.clock = [&now] { return now.load(); };
        zmq::context_t context(1);
        RunningIngest ingest(config, options);
        zmq::socket_t police(context, zmq::socket_type::push);
        police.connect(config.departments[0].endpoint);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        for (const std::string& report : reports) {
            police.send(zmq::buffer(report));
            // One at a time, so each is stamped with its own time.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            const std::uint64_t before = handled_;
            while (std::chrono::steady_clock::now() < deadline) {
                const auto c = ingest.server().counters();
                handled_ = c.accepted + c.rejected;
                if (handled_ > before) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            now += kReportEveryMs;
        }
        ingest.stop();
        auto index = JournalIndex::open(dir_.path());
        if (index && index->last()) last_seq_ = index->last()->seq;
        EXPECT_EQ(last_seq_, ingest.server().counters().accepted);
    }
    const std::filesystem::path& path() const { return dir_.path(); }
    std::uint64_t events() const { return last_seq_; }

    // The recording's picture as a drill's walls are shown it, after record `seq` or before
    // the moment `at`.
    std::uint64_t digest_after(std::uint64_t seq) const {
        auto picture = opened();
        EXPECT_TRUE(picture->seek_after(seq));
        return picture->digest();
    }
    std::uint64_t digest_before(TimeMs at) const {
        auto picture = opened();
        EXPECT_TRUE(picture->seek(at));
        return picture->digest();
    }

  private:
    std::optional<RecordedPicture> opened() const {
        auto picture = RecordedPicture::open(dir_.path(), 100);
        EXPECT_TRUE(picture) << picture.error();
        if (!picture) return std::nullopt;
        picture->show_as_drill(true);
        return std::move(*picture);
    }
    ScratchDir dir_{"citywall-drill-recording"};
    std::uint64_t handled_ = 0;
    std::uint64_t last_seq_ = 0;
};

}  // namespace citywall::testing
