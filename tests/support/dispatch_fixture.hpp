// The dispatch tests' fixture (tests/integration/dispatch_test.cpp, dispatch_notices_test.cpp):
// an ingest with keys on, three acknowledged departments (12345, city-mgmt, water), walls of
// every role, and ingest's clock in the test's hands.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "citywall/keys.hpp"
#include "department_link.hpp"
#include "ingest_process.hpp"
#include "key_pairs.hpp"
#include "loopback.hpp"
#include "scratch_dir.hpp"
#include "wall_client.hpp"

namespace citywall::testing {

using namespace std::chrono_literals;
using department_link::AcknowledgedFeed;

constexpr TimeMs kStart = 1'780'000'000'000;
constexpr TimeMs kMin = 60'000;

// A department on its acknowledged feed that keeps every order it is sent.
struct Department {
    std::unique_ptr<AcknowledgedFeed> feed;
    std::vector<rapidjson::Document> orders;
    std::vector<department_link::Answer> answers;

    void pump_for(std::chrono::milliseconds how_long) {
        const auto until = std::chrono::steady_clock::now() + how_long;
        while (std::chrono::steady_clock::now() < until)
            feed->poll(20ms);
    }
    bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > until) return false;
            feed->poll(20ms);
        }
        return true;
    }
    bool has_order(const std::string& id) const {
        for (const auto& o : orders)
            if (o["order"].GetString() == id) return true;
        return false;
    }
    // Sends `body` and waits for its answer (not another's: the heartbeat a new connection
    // speaks is answered too).
    department_link::Answer say(const std::string& body) {
        const std::size_t before = answers.size();
        EXPECT_TRUE(feed->send(body));
        auto mine = [&]() -> const department_link::Answer* {
            for (std::size_t k = before; k < answers.size(); ++k)
                if (answers[k].body == body) return &answers[k];
            return nullptr;
        };
        EXPECT_TRUE(pump_until([&] { return mine() != nullptr; }));
        return mine() ? *mine() : department_link::Answer{};
    }
};

class DispatchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ingest_keys_ = fresh_key_pair();
        ASSERT_TRUE(write_key_files(scratch_.path(), "ingest", ingest_keys_, false));
        config_.updates_endpoint = loopback_endpoint();
        config_.snapshot_endpoint = loopback_endpoint();
        config_.journal_dir = scratch_.path() / "journal";
        config_.heartbeat_ms = 100;
        config_.ingest_key_file = scratch_.path() / "ingest.key";
        // Hotline cases: resolve within two hours of the order, sign within ten minutes.
        config_.deadlines.minutes = {120, 120, 120, 120, 10};
        for (const auto& [code, keys] :
             {std::pair{"12345", &hotline_keys_}, std::pair{"city-mgmt", &city_keys_},
              std::pair{"water", &water_keys_}}) {
            auto d = department_config(code, code, loopback_endpoint());
            d.socket = FeedSocket::acknowledged;
            d.public_key = keys->public_key;
            config_.departments.push_back(d);
        }
        config_.walls.push_back({"leader-li", leader_keys_.public_key, {}, WallRole::leader});
        config_.walls.push_back(
            {"operator-wang", operator_keys_.public_key, {}, WallRole::operator_});
        config_.walls.push_back({"east", viewer_keys_.public_key, {}, WallRole::viewer});
        config_.walls.push_back({"trainer", trainer_keys_.public_key, {}, WallRole::trainer});
        options_.clock = [this] { return now_.load(); };
    }

    std::unique_ptr<WallClient> wall(const KeyPair& keys) {
        auto w = std::make_unique<WallClient>(context_, config_.updates_endpoint,
                                              config_.snapshot_endpoint, 0,
                                              WallKeys{keys, ingest_keys_.public_key});
        std::this_thread::sleep_for(100ms);
        w->request_snapshot();
        EXPECT_TRUE(w->pump_until([](const CityPicture& p) { return p.has_snapshot(); }));
        return w;
    }

    Department department(std::size_t k, const KeyPair& keys) {
        department_link::FeedOptions options;
        options.keys = department_link::CurveClientKeys{keys.public_key, keys.secret_key,
                                                        ingest_keys_.public_key};
        auto feed = AcknowledgedFeed::open(context_, config_.departments[k].endpoint, options);
        EXPECT_TRUE(feed) << (feed ? "" : feed.error());
        Department d{std::move(*feed), {}, {}};
        return d;
    }
    // Hooks the department's orders and answers into its lists (after it has its address).
    static void listen(Department& d) {
        d.feed->on_order([&d](std::string_view json) {
            rapidjson::Document doc;
            doc.Parse(json.data(), json.size());
            ASSERT_FALSE(doc.HasParseError());
            d.orders.push_back(std::move(doc));
        });
        d.feed->on_answer([&d](const department_link::Answer& a) { d.answers.push_back(a); });
    }

    // The hotline reports one case; its global id once the wall has it.
    std::uint64_t report(Department& hotline, WallClient& w, const std::string& id,
                         const std::string& title = "Water on Market St",
                         const std::string& lon = "-122.4194", const std::string& lat = "37.7749") {
        const auto answer = hotline.say(R"({"id":")" + id +
                                        R"(","category":"urban.waterlogging","severity":3,"lon":)" +
                                        lon + R"(,"lat":)" + lat + R"(,"title":")" + title +
                                        R"(","description":"a caller reports standing water"})");
        EXPECT_EQ(answer.outcome, department_link::Outcome::acknowledged) << answer.detail;
        std::uint64_t found = 0;
        EXPECT_TRUE(w.pump_until([&](const CityPicture& p) {
            for (const auto& [gid, incident] : p.incidents())
                if (incident.title == title) found = incident.id;
            return found != 0;
        }));
        return found;
    }

    static wire::CaseCommand command(std::uint64_t incident, CaseAction action,
                                     std::string department = {}, std::string id = {}) {
        static int n = 0;
        wire::CaseCommand c;
        c.id = id.empty() ? "cmd-" + std::to_string(++n) : id;
        c.incident = incident;
        c.action = action;
        c.department = std::move(department);
        return c;
    }

    ScratchDir scratch_{"citywall-dispatch"};
    zmq::context_t context_{1};
    KeyPair ingest_keys_, hotline_keys_ = fresh_key_pair(), city_keys_ = fresh_key_pair(),
                          water_keys_ = fresh_key_pair(), leader_keys_ = fresh_key_pair(),
                          operator_keys_ = fresh_key_pair(), viewer_keys_ = fresh_key_pair(),
                          trainer_keys_ = fresh_key_pair();
    IngestConfig config_;
    ingest::StartOptions options_;
    std::atomic<TimeMs> now_{kStart};
};

}  // namespace citywall::testing
