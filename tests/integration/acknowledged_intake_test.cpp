// Acknowledged delivery under kill -9: one department sends 20,000 new reports through an
// AcknowledgedFeed while the real citywall-ingest is killed mid-stream and restarted on the same
// journal and ports. Once every report has its answer, each is in the journal exactly once, and
// nothing was acknowledged that the journal did not hold.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "area_levels.hpp"
#include "citywall/journal.hpp"
#include "citywall/wire.hpp"
#include "department_link.hpp"
#include "ingest_process.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"

namespace citywall {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::IngestProcess;

constexpr int kReports = 20'000;
constexpr const char* kDepartment = "110";

std::string tail_of(const std::filesystem::path& file, std::size_t bytes = 3000) {
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > bytes ? "…" + text.substr(text.size() - bytes) : text;
}

TimeMs wall_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Report k opens incident "R<k>"; its time goes with it, so that a resend is the same report.
std::string report(int k) {
    return R"({"id":"R)" + std::to_string(k) +
           R"(","category":"police.theft","severity":3,"lon":-122.41,"lat":37.76,"occurred":)" +
           std::to_string(wall_ms()) + "}";
}

std::optional<int> report_number(std::string_view source_id) {
    if (source_id.size() < 2 || source_id[0] != 'R') return std::nullopt;
    int k = 0;
    for (char c : source_id.substr(1)) {
        if (c < '0' || c > '9' || k > kReports) return std::nullopt;
        k = 10 * k + (c - '0');
    }
    return k < kReports ? std::optional<int>(k) : std::nullopt;
}

// What the journal holds from the department: per report, how many incident events carry it
// and how many of those opened a new incident.
struct JournalCount {
    std::map<int, int> events;
    std::map<int, int> opened;
    std::vector<std::string> problems;
};

JournalCount count_journal(const std::filesystem::path& dir) {
    JournalCount count;
    auto reader = JournalReader::open(dir);
    if (!reader) {
        count.problems.push_back("journal: " + reader.error());
        return count;
    }
    std::set<std::uint64_t> incidents;
    while (auto record = (*reader)->next()) {
        auto decoded = wire::decode(record->payload);
        if (!decoded) {
            count.problems.push_back("seq " + std::to_string(record->seq) + ": " + decoded.error());
            continue;
        }
        const auto* update = std::get_if<wire::IncidentUpdate>(&*decoded);
        if (!update) continue;
        const bool opened = incidents.insert(update->incident.id).second;
        for (const auto& source : update->incident.sources) {
            if (source.department != kDepartment) continue;
            auto k = report_number(source.source_id);
            if (!k) {
                count.problems.push_back("a report nobody sent: " + source.source_id);
                continue;
            }
            ++count.events[*k];
            if (opened) ++count.opened[*k];
        }
    }
    if ((*reader)->stats().corrupt_records != 0)
        count.problems.push_back(std::to_string((*reader)->stats().corrupt_records) +
                                 " corrupt records");
    return count;
}

// Waits for ingest's first heartbeat; a clear failure when it exits or stays silent.
::testing::AssertionResult serving(IngestProcess& ingest, zmq::socket_t& updates,
                                   const std::filesystem::path& log) {
    updates.set(zmq::sockopt::rcvtimeo, 100);
    for (const auto deadline = Clock::now() + 20s; Clock::now() < deadline;) {
        zmq::message_t message;
        if (updates.recv(message)) return ::testing::AssertionSuccess();
        if (!ingest.running())
            return ::testing::AssertionFailure()
                   << "citywall-ingest exited at start with one department of socket = "
                      "\"acknowledged\" (does its config accept it? docs/protocol.md, "
                      "\"Acknowledged delivery\"). Its log:\n"
                   << tail_of(log);
    }
    return ::testing::AssertionFailure() << "citywall-ingest sent no heartbeat in 20 s. Its log:\n"
                                         << tail_of(log);
}

std::string describe(const department_link::AcknowledgedFeed& feed) {
    const auto& c = feed.counters();
    std::string text = "sent " + std::to_string(c.sent) + ", acknowledged " +
                       std::to_string(c.acknowledged) + ", duplicates " +
                       std::to_string(c.duplicates) + ", refused " +
                       std::to_string(c.refused_total()) + ", resent " + std::to_string(c.resent) +
                       ", reconnects " + std::to_string(c.reconnects) + ", in flight " +
                       std::to_string(feed.in_flight()) + ", unknown answers " +
                       std::to_string(c.unknown_replies) + ", malformed answers " +
                       std::to_string(c.malformed_replies);
    for (const auto& [reason, n] : c.refused)
        text += "; refused " + reason + ": " + std::to_string(n);
    return text;
}

// Pumps the feed until `done`; false when no answer came for `stall` while some were due.
bool pump_until(department_link::AcknowledgedFeed& feed, const std::function<bool()>& done,
                std::chrono::seconds stall) {
    std::uint64_t answered = feed.counters().answered();
    auto progress = Clock::now();
    while (!done()) {
        feed.poll(5ms);
        if (feed.counters().answered() != answered || feed.in_flight() == 0) {
            answered = feed.counters().answered();
            progress = Clock::now();
        } else if (Clock::now() - progress > stall) {
            return false;
        }
    }
    return true;
}

class AcknowledgedIntake : public ::testing::TestWithParam<int> {};

TEST_P(AcknowledgedIntake, KillNineMidStreamLosesNothingAndJournalsEachReportOnce) {
    testing::ScratchDir dir("citywall-ack-intake");
    const std::string updates = testing::loopback_endpoint(),
                      snapshots = testing::loopback_endpoint(),
                      police = testing::loopback_endpoint();
    {
        std::ofstream config(dir / "ingest.toml");
        config << "[ingest]\nupdates_endpoint = \"" << updates << "\"\nsnapshot_endpoint = \""
               << snapshots << "\"\njournal_dir = \"journal\"\nfsync_interval_ms = 50\n"
               << "checkpoint_every = 1500\nheartbeat_ms = 200\n"
               << "[security]\nkeys = \"off\"\n"
               << testing::area_levels_toml({testing::sf_districts(
                      std::filesystem::path(CITYWALL_TEST_DATA) / "real/sfpd_districts.geojson")})
               << "[[department]]\ncode = \"" << kDepartment << "\"\nendpoint = \"" << police
               << "\"\nsocket = \"acknowledged\"\n";
    }
    const auto log = dir / "ingest.log";
    // A different stretch of the stream for each run, a random moment within it.
    std::random_device random;
    const unsigned seed = random();
    std::mt19937 rng(seed);
    // Killed once this many reports have their answer: some acknowledged, some journaled but
    // not yet acknowledged, up to a window's worth in flight.
    const int kill_after = GetParam() == 0 ? std::uniform_int_distribution<int>(500, 6'000)(rng)
                                           : std::uniform_int_distribution<int>(9'000, 16'000)(rng);
    std::printf("run %d: seed %u, ingest killed once %d of %d reports are answered\n", GetParam(),
                seed, kill_after, kReports);

    zmq::context_t context(1);
    zmq::socket_t wall(context, zmq::socket_type::sub);
    wall.set(zmq::sockopt::subscribe, "");
    wall.set(zmq::sockopt::linger, 0);
    wall.connect(updates);
    std::optional<IngestProcess> ingest;
    ingest.emplace(dir / "ingest.toml", log);
    ASSERT_TRUE(serving(*ingest, wall, log));

    auto opened = department_link::AcknowledgedFeed::open(context, police);
    ASSERT_TRUE(opened.ok()) << opened.error();
    auto& feed = **opened;
    std::map<int, std::vector<department_link::Outcome>> answers;  // by report
    feed.on_answer([&](const department_link::Answer& a) {
        const auto at = a.body.find(R"("id":"R)");
        const auto k =
            at == std::string::npos
                ? std::nullopt
                : report_number(a.body.substr(at + 6, a.body.find('"', at + 6) - at - 6));
        answers[k.value_or(-1)].push_back(a.outcome);
    });

    const auto no_answer = [&] {
        return "no answer from citywall-ingest for 20 s with " + std::to_string(feed.in_flight()) +
               " messages in flight (does it answer on the acknowledged feed? docs/protocol.md, "
               "\"Acknowledged delivery\"): " +
               describe(feed) + "\nits log:\n" + tail_of(log);
    };
    bool killed = false;
    // kill -9, then a look at the journal it left: "ok" means on disk, so whatever ingest
    // acknowledged must be there. Then ingest again on the same journal and ports.
    const auto kill_and_restart = [&] {
        killed = true;
        ingest->kill_now();
        // Answers the dead ingest had sent are still arriving; every one is its claim.
        for (const auto until = Clock::now() + 200ms; Clock::now() < until;)
            feed.poll(10ms);
        std::set<int> acknowledged_before_kill;
        for (const auto& [n, outcomes] : answers)
            if (outcomes == std::vector{department_link::Outcome::acknowledged})
                acknowledged_before_kill.insert(n);
        const auto journal = count_journal(dir / "journal");
        for (const auto& problem : journal.problems)
            ADD_FAILURE() << "journal at the kill: " << problem;
        std::size_t missing = 0;
        for (int n : acknowledged_before_kill)
            if (!journal.events.contains(n) && ++missing <= 10)
                ADD_FAILURE() << "report " << n << " was acknowledged but is not journaled";
        EXPECT_EQ(missing, 0u);
        EXPECT_LE(acknowledged_before_kill.size(), journal.events.size());
        std::printf("at the kill: %zu acknowledged, %zu journaled, %zu in flight\n",
                    acknowledged_before_kill.size(), journal.events.size(), feed.in_flight());
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
        ingest.emplace(dir / "ingest.toml", log);
    };
    const auto time_to_kill = [&] {
        return !killed && feed.counters().answered() >= static_cast<std::uint64_t>(kill_after);
    };
    for (int k = 0; k < kReports;) {
        if (time_to_kill()) kill_and_restart();
        if (feed.send(report(k))) {
            ++k;
            if (k % 64 == 0) feed.pump(feed.now());
            continue;
        }
        // The window is full: wait for answers, but never for ever.
        ASSERT_TRUE(pump_until(
            feed, [&] { return !feed.window_full() || time_to_kill(); }, 20s))
            << no_answer();
    }
    if (!killed) {
        ASSERT_TRUE(pump_until(feed, time_to_kill, 20s)) << no_answer();
        kill_and_restart();
    }
    ASSERT_TRUE(killed);
    ASSERT_TRUE(pump_until(
        feed, [&] { return feed.in_flight() == 0; }, 30s))
        << "messages left unanswered after ingest's restart: " << describe(feed) << "\nits log:\n"
        << tail_of(log);
    std::printf("%s\n", describe(feed).c_str());
    EXPECT_TRUE(ingest->stop()) << "ingest did not stop cleanly; its log:\n" << tail_of(log);

    const auto& c = feed.counters();
    EXPECT_EQ(c.sent, static_cast<std::uint64_t>(kReports));
    EXPECT_EQ(c.refused_total(), 0u) << describe(feed);
    EXPECT_EQ(c.acknowledged + c.duplicates, static_cast<std::uint64_t>(kReports));
    EXPECT_EQ(c.malformed_replies, 0u);
    EXPECT_GE(c.reconnects, 1u) << "the feed never saw ingest come back";
    EXPECT_FALSE(answers.contains(-1)) << "an answer for a message nobody sent";

    const auto journal = count_journal(dir / "journal");
    for (const auto& problem : journal.problems)
        ADD_FAILURE() << "journal: " << problem;
    int lost = 0, doubled = 0, not_new = 0;
    for (int k = 0; k < kReports; ++k) {
        const int events = journal.events.contains(k) ? journal.events.at(k) : 0;
        const int opened_count = journal.opened.contains(k) ? journal.opened.at(k) : 0;
        if (events == 0 && ++lost <= 10) ADD_FAILURE() << "report " << k << " is not journaled";
        if (events > 1 && ++doubled <= 10)
            ADD_FAILURE() << "report " << k << " is journaled " << events << " times";
        if (events == 1 && opened_count != 1 && ++not_new <= 10)
            ADD_FAILURE() << "report " << k << " did not open a new incident";
    }
    EXPECT_EQ(lost, 0) << "reports lost";
    EXPECT_EQ(doubled, 0) << "reports journaled more than once";
    EXPECT_EQ(not_new, 0);
    EXPECT_LE(c.acknowledged, journal.events.size()) << "more acknowledged than journaled";
    for (int k = 0; k < kReports; ++k) {
        const auto found = answers.find(k);
        if (found == answers.end() || found->second.size() != 1) {
            ADD_FAILURE() << "report " << k << " settled "
                          << (found == answers.end() ? 0 : found->second.size()) << " times";
            break;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(TwoKillMoments, AcknowledgedIntake, ::testing::Values(0, 1));

}  // namespace
}  // namespace citywall
