// Who may speak, over real sockets on loopback: CURVE + the ZAP key gate admit a department only
// with its own key, label its messages with User-Id = its code, and count every refusal. Key
// files round-trip and bad keys are refused with a reason.
#include "department_keys.hpp"
#include "key_pairs.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "loopback.hpp"

#if defined(__SANITIZE_THREAD__)
// libzmq is not built with -fsanitize=thread: it hands memory between its I/O threads and ours
// through its own lock-free queues, which ThreadSanitizer cannot see. Races inside libzmq are
// therefore not ours to report; races in citywall's own code still are.
extern "C" const char* __tsan_default_suppressions() {
    return "race:libzmq.so.5\n";
}
#endif

namespace citywall {
namespace {

using namespace std::chrono_literals;
using ingest::KeyGate;
using ingest::KeyGateConfig;
using ingest::Refusal;
using ingest::RefusalEvent;

constexpr int kReceiveTimeoutMs = 5000;  // generous: only a failure waits this long
constexpr int kSilenceMs = 1000;         // how long "nothing arrives" is watched

// Polls `done` until it holds or a generous deadline passes.
bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return done();
}

std::optional<zmq::message_t> receive(zmq::socket_t& socket, int timeout_ms) {
    socket.set(zmq::sockopt::rcvtimeo, timeout_ms);
    zmq::message_t message;
    if (!socket.recv(message)) return std::nullopt;
    return message;
}

class DepartmentKeysTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ingest_ = testing::fresh_key_pair();
        police_ = testing::fresh_key_pair();
        fire_ = testing::fresh_key_pair();
    }

    KeyGateConfig gate_config(bool keys_off = false) {
        KeyGateConfig config;
        config.ingest = ingest_;
        config.department_keys = {{"110", police_.public_key}, {"119", fire_.public_key}};
        config.keys_off = keys_off;
        config.on_refusal = [this](const RefusalEvent& event) {
            std::lock_guard lock(mutex_);
            refusals_.push_back(event);
        };
        return config;
    }

    void open_gate(bool keys_off = false) {
        auto gate = KeyGate::open(context_, gate_config(keys_off));
        ASSERT_TRUE(gate) << gate.error();
        gate_ = std::move(*gate);
    }

    // The ingest's side: a PULL socket for `department`, guarded by the gate, bound on loopback.
    zmq::socket_t department_socket(const std::string& department, std::string& endpoint) {
        zmq::socket_t socket(context_, zmq::socket_type::pull);
        socket.set(zmq::sockopt::linger, 0);
        auto guarded = gate_->guard(socket, department);
        EXPECT_TRUE(guarded) << guarded.error();
        endpoint = testing::loopback_endpoint();
        socket.bind(endpoint);
        return socket;
    }

    // A department's sender; `keys` empty: a plain NULL sender.
    zmq::socket_t sender(const std::string& endpoint, const std::optional<KeyPair>& keys,
                         const std::string& server_key = {}) {
        zmq::socket_t socket(context_, zmq::socket_type::push);
        socket.set(zmq::sockopt::linger, 0);
        if (keys) {
            auto configured = ingest::configure_department_client(
                socket, server_key.empty() ? ingest_.public_key : server_key, *keys);
            EXPECT_TRUE(configured) << configured.error();
        }
        socket.connect(endpoint);
        return socket;
    }

    ingest::GateCounts counts(const std::string& domain) const {
        auto all = gate_->counts();
        auto it = all.find(domain);
        return it == all.end() ? ingest::GateCounts{} : it->second;
    }

    std::vector<RefusalEvent> refusals() {
        std::lock_guard lock(mutex_);
        return refusals_;
    }

    KeyPair ingest_, police_, fire_;
    zmq::context_t context_{1};
    std::unique_ptr<KeyGate> gate_;  // after the context: destroyed first
    std::mutex mutex_;
    std::vector<RefusalEvent> refusals_;
};

TEST_F(DepartmentKeysTest, DepartmentWithItsOwnKeyGetsThroughLabelledWithItsCode) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    std::string endpoint;
    auto inbox = department_socket("110", endpoint);
    auto police = sender(endpoint, police_);
    police.send(zmq::str_buffer(R"({"id":"P1"})"), zmq::send_flags::none);

    auto message = receive(inbox, kReceiveTimeoutMs);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->to_string(), R"({"id":"P1"})");
    EXPECT_STREQ(message->gets("User-Id"), "110");
    EXPECT_EQ(ingest::speaker_of(*message), "110");
    EXPECT_GE(counts("110").admitted, 1u);
    EXPECT_EQ(counts("110").refused(), 0u);
    EXPECT_EQ(gate_->ingest_public_key(), ingest_.public_key);
}

TEST_F(DepartmentKeysTest, UnknownKeyIsRefusedAndCounted) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    std::string endpoint;
    auto inbox = department_socket("110", endpoint);
    const KeyPair stranger = testing::fresh_key_pair();
    auto impostor = sender(endpoint, stranger);
    impostor.send(zmq::str_buffer(R"({"id":"FAKE"})"), zmq::send_flags::dontwait);

    ASSERT_TRUE(eventually([&] { return counts("110").of(Refusal::unknown_key) >= 1; }));
    EXPECT_FALSE(receive(inbox, kSilenceMs));
    EXPECT_EQ(counts("110").admitted, 0u);
    auto seen = refusals();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front().domain, "110");
    EXPECT_EQ(seen.front().reason, Refusal::unknown_key);
    EXPECT_EQ(seen.front().mechanism, "CURVE");
    EXPECT_EQ(seen.front().client_key, stranger.public_key);
    EXPECT_EQ(seen.front().address, "127.0.0.1");
    EXPECT_EQ(ingest::describe(seen.front().reason), "unknown key");
}

TEST_F(DepartmentKeysTest, OneDepartmentCannotPostAsAnother) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    std::string fire_endpoint;
    auto fire_inbox = department_socket("119", fire_endpoint);
    // Police (110) holds a valid key — but it is not fire's.
    auto police_posing_as_fire = sender(fire_endpoint, police_);
    police_posing_as_fire.send(zmq::str_buffer(R"({"id":"F1"})"), zmq::send_flags::dontwait);

    ASSERT_TRUE(eventually([&] { return counts("119").of(Refusal::other_department_key) >= 1; }));
    EXPECT_FALSE(receive(fire_inbox, kSilenceMs));
    auto seen = refusals();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front().reason, Refusal::other_department_key);
    EXPECT_EQ(seen.front().key_owner, "110");
    EXPECT_EQ(ingest::describe(Refusal::other_department_key), "key of another department");

    // Fire itself still gets through on the same socket.
    auto fire = sender(fire_endpoint, fire_);
    fire.send(zmq::str_buffer(R"({"id":"F2"})"), zmq::send_flags::none);
    auto message = receive(fire_inbox, kReceiveTimeoutMs);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->to_string(), R"({"id":"F2"})");
    EXPECT_STREQ(message->gets("User-Id"), "119");
}

TEST_F(DepartmentKeysTest, PlainSenderIsRefusedWhileKeysAreOn) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    std::string endpoint;
    auto inbox = department_socket("110", endpoint);
    // libzmq itself refuses NULL against a CURVE socket (mechanism mismatch); the socket's
    // monitor reports it, and the gate counts it when told. When the sender sees the mismatch
    // first and closes before its own greeting has gone out (a loaded machine), the socket
    // only sees it leave during the handshake.
    const std::string monitor_endpoint = "inproc://department-keys-monitor";
    ASSERT_EQ(zmq_socket_monitor(inbox.handle(), monitor_endpoint.c_str(),
                                 ingest::kHandshakeRefusalEvents),
              0);
    zmq::socket_t monitor(context_, zmq::socket_type::pair);
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitor_endpoint);

    auto plain = sender(endpoint, std::nullopt);
    plain.send(zmq::str_buffer(R"({"id":"PLAIN"})"), zmq::send_flags::dontwait);

    auto event = receive(monitor, kReceiveTimeoutMs);
    ASSERT_TRUE(event);
    ASSERT_GE(event->size(), 6u);
    std::uint16_t id = 0;
    std::int32_t value = 0;
    std::memcpy(&id, event->data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event->data()) + 2, sizeof value);
    auto reason = ingest::refusal_of_handshake_event(id, value, false);
    ASSERT_TRUE(reason);
    EXPECT_TRUE(*reason == Refusal::wrong_mechanism || *reason == Refusal::broken_handshake)
        << code_of(*reason);
    gate_->count_refusal("110", *reason);
    EXPECT_EQ(counts("110").of(*reason), 1u);
    EXPECT_EQ(counts("110").refused(), 1u);
    // With keys off nobody shows a key: a peer that leaves early is refused nothing.
    EXPECT_FALSE(ingest::refusal_of_handshake_event(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 0, true));
    EXPECT_EQ(ingest::refusal_of_handshake_event(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 0, false),
              Refusal::broken_handshake);

    EXPECT_FALSE(receive(inbox, kSilenceMs));
    zmq_socket_monitor(inbox.handle(), nullptr, 0);
}

TEST_F(DepartmentKeysTest, NullRequestsReachingTheGateAreRefusedWhileKeysAreOn) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    // A department socket set up by hand with only its ZAP domain (not through guard): the gate
    // is asked about NULL and says no.
    zmq::socket_t inbox(context_, zmq::socket_type::pull);
    inbox.set(zmq::sockopt::linger, 0);
    inbox.set(zmq::sockopt::zap_domain, "110");
    const std::string endpoint = testing::loopback_endpoint();
    inbox.bind(endpoint);
    auto plain = sender(endpoint, std::nullopt);
    plain.send(zmq::str_buffer(R"({"id":"PLAIN"})"), zmq::send_flags::dontwait);

    ASSERT_TRUE(eventually([&] { return counts("110").of(Refusal::wrong_mechanism) >= 1; }));
    EXPECT_FALSE(receive(inbox, kSilenceMs));
    EXPECT_EQ(refusals().front().mechanism, "NULL");
}

TEST_F(DepartmentKeysTest, PlainSenderGetsThroughOnlyWithKeysOff) {
    ASSERT_NO_FATAL_FAILURE(open_gate(/*keys_off=*/true));
    EXPECT_TRUE(gate_->keys_off());
    std::string endpoint;
    auto inbox = department_socket("110", endpoint);
    auto plain = sender(endpoint, std::nullopt);
    plain.send(zmq::str_buffer(R"({"id":"P1"})"), zmq::send_flags::none);

    auto message = receive(inbox, kReceiveTimeoutMs);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->to_string(), R"({"id":"P1"})");
    EXPECT_STREQ(message->gets("User-Id"), "110");  // still labelled: the domain
    EXPECT_GE(counts("110").admitted, 1u);
}

TEST_F(DepartmentKeysTest, KeysOffNeedsNoKeysButStillKnowsTheDepartments) {
    KeyGateConfig config;
    config.keys_off = true;
    config.department_keys = {{"110", ""}, {"119", ""}};
    auto gate = KeyGate::open(context_, config);
    ASSERT_TRUE(gate) << gate.error();
    zmq::socket_t socket(context_, zmq::socket_type::pull);
    EXPECT_TRUE((*gate)->guard(socket, "110"));
    auto stranger = (*gate)->guard(socket, "999");
    ASSERT_FALSE(stranger);
    EXPECT_NE(stranger.error().find("999"), std::string::npos);
}

TEST_F(DepartmentKeysTest, SenderWithTheWrongIngestKeyNeverConnects) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    std::string endpoint;
    auto inbox = department_socket("110", endpoint);
    // Police has been handed another server's public key (an impostor ingest's, say): its
    // HELLO cannot be read by our ingest, so nothing goes through and the gate is never asked.
    auto confused = sender(endpoint, police_, testing::fresh_key_pair().public_key);
    confused.send(zmq::str_buffer(R"({"id":"P1"})"), zmq::send_flags::dontwait);
    EXPECT_FALSE(receive(inbox, kSilenceMs));
    EXPECT_EQ(counts("110").admitted, 0u);
}

TEST_F(DepartmentKeysTest, SubscribedDepartmentIsCheckedTheSameWay) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    // socket = "sub": the department binds PUB (CURVE client), the ingest connects SUB (CURVE
    // server). Roles in CURVE do not follow bind/connect.
    auto connect_sub = [&](const std::string& department, const std::string& endpoint) {
        zmq::socket_t sub(context_, zmq::socket_type::sub);
        sub.set(zmq::sockopt::linger, 0);
        EXPECT_TRUE(gate_->guard(sub, department));
        sub.set(zmq::sockopt::subscribe, "");
        sub.connect(endpoint);
        return sub;
    };
    auto bind_pub = [&](const KeyPair& keys, std::string& endpoint) {
        zmq::socket_t pub(context_, zmq::socket_type::pub);
        pub.set(zmq::sockopt::linger, 0);
        EXPECT_TRUE(ingest::configure_department_client(pub, ingest_.public_key, keys));
        endpoint = testing::loopback_endpoint();
        pub.bind(endpoint);
        return pub;
    };

    std::string police_endpoint;
    auto police = bind_pub(police_, police_endpoint);
    auto police_feed = connect_sub("110", police_endpoint);
    std::optional<zmq::message_t> message;
    // PUB drops what it sends before the subscription arrives: send until one is heard.
    ASSERT_TRUE(eventually([&] {
        police.send(zmq::str_buffer("P1"), zmq::send_flags::dontwait);
        message = receive(police_feed, 50);
        return message.has_value();
    }));
    EXPECT_STREQ(message->gets("User-Id"), "110");

    // The police PUB, reached by the SUB meant for fire: refused.
    auto fire_feed = connect_sub("119", police_endpoint);
    ASSERT_TRUE(eventually([&] { return counts("119").of(Refusal::other_department_key) >= 1; }));
    police.send(zmq::str_buffer("P2"), zmq::send_flags::dontwait);
    EXPECT_FALSE(receive(fire_feed, kSilenceMs));
}

TEST_F(DepartmentKeysTest, GateRefusesBadConfigurations) {
    auto open_with = [&](KeyGateConfig config) { return KeyGate::open(context_, config); };

    auto config = gate_config();
    config.department_keys["120"] = "";
    auto missing = open_with(config);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("120"), std::string::npos) << missing.error();

    config = gate_config();
    config.department_keys["120"] = police_.public_key;
    auto shared = open_with(config);
    ASSERT_FALSE(shared);
    EXPECT_NE(shared.error().find("same public_key"), std::string::npos) << shared.error();

    config = gate_config();
    config.department_keys["120"] = std::string(39, 'a');
    auto short_key = open_with(config);
    ASSERT_FALSE(short_key);
    EXPECT_NE(short_key.error().find("39"), std::string::npos) << short_key.error();

    config = gate_config();
    config.ingest.secret_key = "";
    EXPECT_FALSE(open_with(config));

    config = gate_config();
    config.ingest.public_key = police_.public_key;  // not the secret's
    EXPECT_FALSE(open_with(config));

    std::vector<DepartmentConfig> departments(2);
    departments[0].code = departments[1].code = "110";
    EXPECT_FALSE(KeyGateConfig::for_departments(departments, ingest_, false));
    departments[1].code = "119";
    departments[0].public_key = police_.public_key;
    departments[1].public_key = fire_.public_key;
    auto from_config = KeyGateConfig::for_departments(departments, ingest_, false);
    ASSERT_TRUE(from_config) << from_config.error();
    EXPECT_TRUE(open_with(*from_config));
}

TEST_F(DepartmentKeysTest, OneGatePerContextAndItStopsCleanly) {
    ASSERT_NO_FATAL_FAILURE(open_gate());
    auto second = KeyGate::open(context_, gate_config());
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("already has a ZAP handler"), std::string::npos);
    gate_.reset();
    // Stopped, unbound and joined: it can be opened again, many times over.
    for (int k = 0; k < 20; ++k) {
        auto again = KeyGate::open(context_, gate_config());
        ASSERT_TRUE(again) << again.error();
    }
    ASSERT_NO_FATAL_FAILURE(open_gate());
    std::string endpoint;
    auto inbox = department_socket("119", endpoint);
    auto fire = sender(endpoint, fire_);
    fire.send(zmq::str_buffer("F1"), zmq::send_flags::none);
    ASSERT_TRUE(receive(inbox, kReceiveTimeoutMs));
}

// Why the gate must be open before any department socket binds, and why the ingest checks the
// label: with no ZAP handler, libzmq 4.3 admits every CURVE client and labels nothing.
TEST(DepartmentKeysContext, WithoutAGateAnyKeyGetsInUnlabelled) {
    zmq::context_t context(1);
    auto ingest_keys = testing::fresh_key_pair();
    zmq::socket_t inbox(context, zmq::socket_type::pull);
    inbox.set(zmq::sockopt::linger, 0);
    ASSERT_TRUE(ingest::configure_department_server(inbox, "110", ingest_keys.secret_key));
    const std::string endpoint = testing::loopback_endpoint();
    inbox.bind(endpoint);
    zmq::socket_t stranger(context, zmq::socket_type::push);
    stranger.set(zmq::sockopt::linger, 0);
    ASSERT_TRUE(ingest::configure_department_client(stranger, ingest_keys.public_key,
                                                    testing::fresh_key_pair()));
    stranger.connect(endpoint);
    stranger.send(zmq::str_buffer("S1"), zmq::send_flags::none);
    auto message = receive(inbox, kReceiveTimeoutMs);
    ASSERT_TRUE(message);
    EXPECT_EQ(ingest::speaker_of(*message), "");
}

TEST(DepartmentKeysContext, GateStopsWhenItsContextShutsDown) {
    zmq::context_t context(1);
    auto keys = testing::fresh_key_pair();
    KeyGateConfig config;
    config.ingest = keys;
    auto gate = KeyGate::open(context, config);
    ASSERT_TRUE(gate) << gate.error();
    context.shutdown();  // the handler thread sees ETERM and leaves
    gate->reset();       // and the gate still joins it without hanging
    context.close();
}

// ---- Keys and key files -------------------------------------------------------------------

TEST(CurveKey, AcceptsGeneratedKeysAndExplainsBadOnes) {
    auto pair = testing::fresh_key_pair();
    EXPECT_TRUE(parse_curve_key(pair.public_key));
    EXPECT_TRUE(parse_curve_key(pair.secret_key));
    auto derived = public_key_of(pair.secret_key);
    ASSERT_TRUE(derived) << derived.error();
    EXPECT_EQ(*derived, pair.public_key);
    // The example pair from the zmq_curve(7) man page.
    EXPECT_EQ(*public_key_of("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
              "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID");

    auto too_short = parse_curve_key(pair.public_key.substr(1));
    ASSERT_FALSE(too_short);
    EXPECT_NE(too_short.error().find("39 characters"), std::string::npos) << too_short.error();
    EXPECT_FALSE(parse_curve_key(pair.public_key + "0"));
    EXPECT_FALSE(parse_curve_key(""));

    std::string outside = pair.public_key;
    outside[7] = '"';
    auto bad_char = parse_curve_key(outside);
    ASSERT_FALSE(bad_char);
    EXPECT_NE(bad_char.error().find("position 8"), std::string::npos) << bad_char.error();
    outside[7] = ' ';
    EXPECT_FALSE(parse_curve_key(outside));
    outside[7] = '\0';
    EXPECT_FALSE(parse_curve_key(outside));
    outside[7] = '\xe4';
    EXPECT_FALSE(parse_curve_key(outside));

    // "#####" is 85^5 - 1, more than 32 bits: no 32-byte key spells it.
    auto overflow = parse_curve_key(std::string(40, '#'));
    ASSERT_FALSE(overflow);
    EXPECT_NE(overflow.error().find("32 bytes"), std::string::npos) << overflow.error();
    // The largest 4-byte group, "%nSc0" = 0xffffffff, is fine.
    EXPECT_TRUE(parse_curve_key("%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0"));

    EXPECT_FALSE(public_key_of("not a key"));
}

TEST(CurveKey, SocketHelpersRefuseBadKeys) {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::push);
    auto pair = testing::fresh_key_pair();
    EXPECT_FALSE(ingest::configure_department_client(socket, "short", pair));
    EXPECT_FALSE(ingest::configure_department_client(socket, pair.public_key, KeyPair{}));
    EXPECT_FALSE(ingest::configure_department_server(socket, "110", "short"));
    EXPECT_FALSE(ingest::configure_department_server(socket, "", pair.secret_key));
    EXPECT_TRUE(ingest::configure_department_server(socket, "110", pair.secret_key));
}

class KeyFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("citywall-keys-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path write(const std::string& name, const std::string& text,
                                mode_t mode = 0600) {
        std::filesystem::create_directories(dir_);
        auto file = dir_ / name;
        std::ofstream(file, std::ios::binary) << text;
        ::chmod(file.c_str(), mode);
        return file;
    }

    static mode_t mode_of(const std::filesystem::path& file) {
        struct stat info {};
        ::stat(file.c_str(), &info);
        return info.st_mode & 07777;
    }

    std::filesystem::path dir_;
};

TEST_F(KeyFileTest, RoundTripWithOwnerOnlySecret) {
    auto pair = testing::fresh_key_pair();
    auto files = write_key_files(dir_ / "keys", "110", pair, false);
    ASSERT_TRUE(files) << files.error();
    EXPECT_EQ(files->secret_file, dir_ / "keys" / "110.key");
    EXPECT_EQ(files->public_file, dir_ / "keys" / "110.pub");
    EXPECT_EQ(mode_of(files->secret_file), 0600u);
    EXPECT_EQ(mode_of(files->public_file), 0644u);
    EXPECT_EQ(mode_of(dir_ / "keys"), 0700u);

    auto secret = load_secret_key_file(files->secret_file);
    ASSERT_TRUE(secret) << secret.error();
    EXPECT_EQ(secret->public_key, pair.public_key);
    EXPECT_EQ(secret->secret_key, pair.secret_key);
    auto public_key = load_public_key_file(files->public_file);
    ASSERT_TRUE(public_key) << public_key.error();
    EXPECT_EQ(*public_key, pair.public_key);

    // The .pub file has no secret in it, and is no secret key file.
    std::ifstream in(files->public_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find(pair.secret_key), std::string::npos);
    ::chmod(files->public_file.c_str(), 0600);
    auto not_secret = load_secret_key_file(files->public_file);
    ASSERT_FALSE(not_secret);
    EXPECT_NE(not_secret.error().find("no secret key"), std::string::npos);
}

TEST_F(KeyFileTest, NeverReplacesKeysUnlessAsked) {
    auto first = testing::fresh_key_pair(), second = testing::fresh_key_pair();
    ASSERT_TRUE(write_key_files(dir_, "ingest", first, false));
    auto again = write_key_files(dir_, "ingest", second, false);
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().find("exists"), std::string::npos) << again.error();
    EXPECT_EQ(load_secret_key_file(dir_ / "ingest.key")->secret_key, first.secret_key);

    ASSERT_TRUE(write_key_files(dir_, "ingest", second, true));
    EXPECT_EQ(load_secret_key_file(dir_ / "ingest.key")->secret_key, second.secret_key);
    EXPECT_EQ(mode_of(dir_ / "ingest.key"), 0600u);
    // No temporary files left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_))
        ++entries;
    EXPECT_EQ(entries, 2);
}

TEST_F(KeyFileTest, RefusesBadNamesAndMismatchedPairs) {
    auto pair = testing::fresh_key_pair();
    for (const char* name : {"", "../110", "a/b", ".hidden", "名字", "a b"})
        EXPECT_FALSE(write_key_files(dir_, name, pair, false)) << name;
    auto mixed = pair;
    mixed.public_key = testing::fresh_key_pair().public_key;
    auto mismatch = write_key_files(dir_, "110", mixed, false);
    ASSERT_FALSE(mismatch);
    EXPECT_NE(mismatch.error().find("does not belong"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "110.key"));
}

TEST_F(KeyFileTest, SecretFileReadableByOthersIsRefused) {
    auto pair = testing::fresh_key_pair();
    auto file = write("110.key", key_file_text("110", pair, true), 0644);
    auto loaded = load_secret_key_file(file);
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().find("chmod 600"), std::string::npos) << loaded.error();
    EXPECT_FALSE(load_secret_key_file(dir_ / "absent.key"));
    EXPECT_FALSE(load_public_key_file(dir_ / "absent.pub"));
}

TEST_F(KeyFileTest, MalformedFilesSayWhatIsWrong) {
    auto pair = testing::fresh_key_pair();
    const std::string pub = "public = \"" + pair.public_key + "\"\n";
    const std::string sec = "secret = \"" + pair.secret_key + "\"\n";
    auto error_of = [](const std::string& text) {
        auto parsed = parse_key_file(text);
        return parsed ? std::string("accepted") : parsed.error();
    };
    // Fine: comments, blank lines, spaces, CRLF, a trailing comment, '#' inside the key.
    EXPECT_TRUE(parse_key_file("# c\n\n  " + pub + sec));
    EXPECT_TRUE(parse_key_file("public=\"" + pair.public_key + "\"  # mine\r\n"));
    EXPECT_TRUE(parse_key_file("public = \"%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc00000#\""));

    EXPECT_NE(error_of("").find("no public key"), std::string::npos);
    EXPECT_NE(error_of(sec).find("no public key"), std::string::npos);
    EXPECT_NE(error_of(pub + pub).find("line 2: 'public' given twice"), std::string::npos);
    EXPECT_NE(error_of("public\n").find("line 1: expected"), std::string::npos);
    EXPECT_NE(error_of("public = " + pair.public_key).find("double quotes"), std::string::npos);
    EXPECT_NE(error_of("public = \"" + pair.public_key).find("unterminated"), std::string::npos);
    EXPECT_NE(error_of(pub + "owner = \"me\"").find("line 2: unknown setting 'owner'"),
              std::string::npos);
    EXPECT_NE(error_of("public = \"" + pair.public_key + "\" x").find("after the value"),
              std::string::npos);
    EXPECT_NE(error_of("public = \"abc\"").find("line 1: public key is 3 characters"),
              std::string::npos);
    EXPECT_NE(error_of(pub + "secret = \"" + testing::fresh_key_pair().secret_key + "\"")
                  .find("not belong"),
              std::string::npos);

    // Binary junk, a huge file: errors, never a crash.
    std::string junk(4096, '\0');
    for (std::size_t k = 0; k < junk.size(); ++k)
        junk[k] = static_cast<char>(k * 131 % 256);
    EXPECT_FALSE(parse_key_file(junk));
    auto big = write("big.pub", std::string(1 << 20, 'a'));
    auto too_big = load_public_key_file(big);
    ASSERT_FALSE(too_big);
    EXPECT_NE(too_big.error().find("too large"), std::string::npos);
}

}  // namespace
}  // namespace citywall
