// The event log on its own: numbering, one write a batch, publishing only what the disk holds,
// a journal that fails and heals, and what it hands back when the journal lost events.
#include "event_log.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

namespace citywall::ingest {
namespace {

namespace fs = std::filesystem;

class EventLogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("citywall-event-log-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<EventLog> open_log() {
        auto log = std::make_unique<EventLog>(
            JournalOptions{dir_, 64u << 20, 0},
            EventLog::Hooks{.publish =
                                [this](std::string_view bytes) {
                                    auto message = wire::decode(bytes);
                                    ASSERT_TRUE(message) << message.error();
                                    std::visit([&](const auto& m) { published_.push_back(m.seq); },
                                               *message);
                                },
                            .published = [this](std::uint64_t seq) { told_.push_back(seq); },
                            .rebuild =
                                [this](std::vector<UnjournaledEvent> dropped) {
                                    dropped_ = std::move(dropped);
                                    return Result<void>{};
                                },
                            .say = [this](const std::string& line) { said_.push_back(line); },
                            .clock = [this] { return now_; }});
        auto opened = log->open();
        EXPECT_TRUE(opened) << opened.error();
        return log;
    }

    static wire::Message incident(std::uint64_t id) {
        Incident incident;
        incident.id = id;
        incident.title = "积水 " + std::to_string(id);
        return wire::IncidentUpdate{0, incident};
    }

    fs::path dir_;
    TimeMs now_ = 1'700'000'000'000;
    std::vector<std::uint64_t> published_;
    std::vector<std::uint64_t> told_;
    std::vector<UnjournaledEvent> dropped_;
    std::vector<std::string> said_;
};

TEST_F(EventLogTest, NumbersEventsInOrderAndPublishesThemOnlyOnceTheDiskHasThem) {
    auto log = open_log();
    log->resume(0);
    for (std::uint64_t id = 1; id <= 3; ++id) {
        auto message = incident(id);
        auto seq = log->append(message, now_, "110");
        ASSERT_TRUE(seq) << seq.error();
        EXPECT_EQ(*seq, id);
        EXPECT_EQ(std::get<wire::IncidentUpdate>(message).seq, id) << "the message says its number";
    }
    EXPECT_EQ(log->queued(), 3u);
    EXPECT_TRUE(published_.empty()) << "nothing is published before it is journaled";
    ASSERT_TRUE(log->settle());
    EXPECT_EQ(published_, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_EQ(told_.back(), 3u);
    EXPECT_EQ(log->published_seq(), 3u);
    EXPECT_EQ(log->counters().journaled, 3u);
    EXPECT_EQ(log->counters().published, 3u);

    // Units go the same path, numbered after the incidents.
    Unit unit;
    unit.department = "120";
    unit.id = "A1";
    wire::Message fix = wire::UnitUpdate{0, unit};
    auto seq = log->append(fix, now_, "120");
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, 4u);
    ASSERT_TRUE(log->settle());

    // What the journal holds is what was published, each record of its own kind.
    auto reader = JournalReader::open(dir_, 0);
    ASSERT_TRUE(reader) << reader.error();
    std::vector<std::uint16_t> kinds;
    while (auto record = (*reader)->next())
        kinds.push_back(record->kind);
    EXPECT_EQ(kinds, (std::vector<std::uint16_t>{1, 1, 1, 5}));
}

TEST_F(EventLogTest, NumberingGoesOnAboveEverythingTheJournalHolds) {
    {
        auto log = open_log();
        log->resume(0);
        for (std::uint64_t id = 1; id <= 5; ++id) {
            auto message = incident(id);
            ASSERT_TRUE(log->append(message, now_, "110"));
        }
        ASSERT_TRUE(log->settle());
    }
    auto log = open_log();
    EXPECT_EQ(log->journal_last_seq(), 5u);
    // A state that read less (a record it could not decode) still never reuses a number.
    log->resume(3);
    auto message = incident(6);
    auto seq = log->append(message, now_, "110");
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, 6u);
    EXPECT_EQ(log->published_seq(), 3u);
}

TEST_F(EventLogTest, AnEventOverTheJournalsLimitIsRefusedWithoutTakingANumber) {
    auto log = open_log();
    log->resume(0);
    auto huge = incident(1);
    std::get<wire::IncidentUpdate>(huge).incident.description.assign(kMaxJournalPayload, 'x');
    auto refused = log->append(huge, now_, "110");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().find("over the journal's limit"), std::string::npos)
        << refused.error();
    EXPECT_EQ(log->queued(), 0u);
    EXPECT_FALSE(log->failing()) << "one event too large does not stop the log";
    auto message = incident(2);
    auto seq = log->append(message, now_, "110");
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, 1u);
}

// A write past RLIMIT_FSIZE fails (EFBIG): the disk is full for this test.
class FullDisk {
  public:
    explicit FullDisk(rlim_t bytes) {
        std::signal(SIGXFSZ, SIG_IGN);
        ::getrlimit(RLIMIT_FSIZE, &before_);
        rlimit full = before_;
        full.rlim_cur = bytes;
        ::setrlimit(RLIMIT_FSIZE, &full);
    }
    ~FullDisk() { ::setrlimit(RLIMIT_FSIZE, &before_); }

  private:
    rlimit before_{};
};

TEST_F(EventLogTest, AFailedWriteStopsTheLogKeepsTheBatchAndWritesItOnceTheDiskHasRoom) {
    auto log = open_log();
    log->resume(0);
    auto first = incident(1);
    ASSERT_TRUE(log->append(first, now_, "110"));
    ASSERT_TRUE(log->settle());
    const auto segment_bytes = [&] {
        std::uintmax_t total = 0;
        for (const auto& entry : fs::directory_iterator(dir_))
            if (entry.is_regular_file()) total = std::max(total, entry.file_size());
        return total;
    };
    {
        FullDisk full(segment_bytes() + 8);
        for (std::uint64_t id = 2; id <= 4; ++id) {
            auto message = incident(id);
            ASSERT_TRUE(log->append(message, now_, "110"));
        }
        log->flush();
        ASSERT_TRUE(log->failing());
        EXPECT_NE(log->failure().find("journal write failed since"), std::string::npos)
            << log->failure();
        EXPECT_EQ(log->queued(), 3u) << "the batch is kept";
        auto refused = incident(5);
        EXPECT_FALSE(log->append(refused, now_, "110")) << "nothing is taken while it fails";
        log->retry(now_);  // before its back-off: not tried
        EXPECT_EQ(log->counters().journal_retries, 0u);
        now_ += 300;
        log->retry(now_);  // tried, and fails again: a longer back-off, the same reason
        EXPECT_TRUE(log->failing());
        EXPECT_EQ(log->counters().journal_retries, 1u);
    }
    EXPECT_EQ(published_, (std::vector<std::uint64_t>{1}));
    now_ += 60'000;
    log->retry(now_);
    ASSERT_FALSE(log->failing()) << log->failure();
    ASSERT_TRUE(log->settle());
    EXPECT_EQ(published_, (std::vector<std::uint64_t>{1, 2, 3, 4}));
    EXPECT_TRUE(dropped_.empty()) << "the journal lost nothing: no rebuild";
    auto next = incident(5);
    auto seq = log->append(next, now_, "110");
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, 5u);
}

}  // namespace
}  // namespace citywall::ingest
