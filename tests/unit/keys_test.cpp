// CURVE keys as text and bytes, key names, a reader's keys from its two files, and a socket made a
// CURVE client. Parsing keys and key files, writing them and their permissions are tested with
// the department gate (tests/integration/department_keys_test.cpp, CurveKey and KeyFileTest).
#include <gtest/gtest.h>
#include <zmq.h>

#include <array>
#include <string>
#include <vector>

#include "citywall/keys.hpp"
#include "key_pairs.hpp"
#include "scratch_dir.hpp"

namespace citywall {
namespace {

TEST(Keys, Z85TextAndBytesBothWays) {
    // The test vector of the Z85 specification (ZeroMQ RFC 32).
    const std::string hello = curve_key_bytes("HelloWorld");
    EXPECT_EQ(hello, std::string("\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B", 8));

    const KeyPair pair = testing::fresh_key_pair();
    for (const std::string& key : {pair.public_key, pair.secret_key}) {
        const std::string bytes = curve_key_bytes(key);
        ASSERT_EQ(bytes.size(), kCurveKeyBytes);
        std::array<std::uint8_t, kCurveKeyBytes> expected{};
        ASSERT_NE(zmq_z85_decode(expected.data(), key.c_str()), nullptr);
        EXPECT_EQ(bytes, std::string(reinterpret_cast<const char*>(expected.data()), 32));
        EXPECT_EQ(curve_key_text(bytes), key);
    }
    EXPECT_EQ(curve_key_text(std::string(32, '\0')), std::string(40, '0'));
    EXPECT_EQ(curve_key_text(std::string(32, '\xff')), "%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0");
    // Only 32 bytes make a key.
    EXPECT_EQ(curve_key_text(std::string(31, 'a')), "");
    EXPECT_EQ(curve_key_text(std::string(33, 'a')), "");
    EXPECT_EQ(curve_key_text(""), "");
}

TEST(Keys, FreshPairsDifferAndTheirHalvesBelongTogether) {
    const KeyPair a = testing::fresh_key_pair(), b = testing::fresh_key_pair();
    EXPECT_NE(a.public_key, b.public_key);
    EXPECT_NE(a.secret_key, b.secret_key);
    EXPECT_EQ(*public_key_of(a.secret_key), a.public_key);
    auto bad = public_key_of(a.secret_key.substr(0, 39));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error_kind(), ErrorKind::invalid);
    EXPECT_EQ(bad.error().rfind("secret key is 39 characters", 0), 0u) << bad.error();
}

TEST(Keys, KeyNamesAreShortPlainAndNotHidden) {
    for (const std::string& good : std::vector<std::string>{
             "110", "ingest", "wall-3", "county_a.east", "-x", "A9", std::string(64, 'k')})
        EXPECT_TRUE(valid_key_name(good)) << good;
    for (const std::string& bad :
         std::vector<std::string>{"", ".key", "..", "a/b", "a b", "东湖", "a\nb", "a:b",
                                  std::string(65, 'k'), std::string("a\0b", 3)})
        EXPECT_FALSE(valid_key_name(bad)) << bad;
    const KeyFiles files = key_files_for("/etc/citywall/keys", "110");
    EXPECT_EQ(files.secret_file, "/etc/citywall/keys/110.key");
    EXPECT_EQ(files.public_file, "/etc/citywall/keys/110.pub");
}

TEST(Keys, TheTextOfAKeyFileReadsBack) {
    const KeyPair pair = testing::fresh_key_pair();
    const std::string secret = key_file_text("wall-1", pair, true);
    const std::string public_only = key_file_text("wall-1", pair, false);
    EXPECT_NE(secret.find(pair.secret_key), std::string::npos);
    EXPECT_EQ(public_only.find(pair.secret_key), std::string::npos);
    EXPECT_NE(public_only.find("\"wall-1\""), std::string::npos);
    auto both = parse_key_file(secret);
    ASSERT_TRUE(both) << both.error();
    EXPECT_EQ(both->public_key, pair.public_key);
    EXPECT_EQ(both->secret_key, pair.secret_key);
    auto half = parse_key_file(public_only);
    ASSERT_TRUE(half) << half.error();
    EXPECT_EQ(half->public_key, pair.public_key);
    EXPECT_EQ(half->secret_key, "");
}

TEST(Keys, AReadersKeysComeFromItsKeyFileAndTheIngestsPublicFile) {
    testing::ScratchDir dir("citywall-keys");
    const KeyPair wall = testing::fresh_key_pair(), ingest = testing::fresh_key_pair();
    ASSERT_TRUE(write_key_files(dir.path(), "wall", wall, false));
    ASSERT_TRUE(write_key_files(dir.path(), "ingest", ingest, false));

    auto keys = load_wall_keys(dir / "wall.key", dir / "ingest.pub");
    ASSERT_TRUE(keys) << keys.error();
    EXPECT_EQ(keys->own.public_key, wall.public_key);
    EXPECT_EQ(keys->own.secret_key, wall.secret_key);
    EXPECT_EQ(keys->ingest_public_key, ingest.public_key);
    // The ingest's .key file serves for its public half too.
    auto from_key_file = load_wall_keys(dir / "wall.key", dir / "ingest.key");
    ASSERT_TRUE(from_key_file) << from_key_file.error();
    EXPECT_EQ(from_key_file->ingest_public_key, ingest.public_key);

    // Each failure names the file it is about.
    auto no_own = load_wall_keys(dir / "absent.key", dir / "ingest.pub");
    ASSERT_FALSE(no_own);
    EXPECT_NE(no_own.error().find("absent.key"), std::string::npos) << no_own.error();
    auto own_is_public = load_wall_keys(dir / "wall.pub", dir / "ingest.pub");
    ASSERT_FALSE(own_is_public);  // 0644, and no secret in it either
    EXPECT_NE(own_is_public.error().find("wall.pub"), std::string::npos);
    auto no_ingest = load_wall_keys(dir / "wall.key", dir / "absent.pub");
    ASSERT_FALSE(no_ingest);
    EXPECT_EQ(no_ingest.error_kind(), ErrorKind::not_found);
    EXPECT_NE(no_ingest.error().find("absent.pub"), std::string::npos) << no_ingest.error();
}

TEST(Keys, ACurveClientSocketHoldsTheKeysItWasGiven) {
    void* context = zmq_ctx_new();
    void* socket = zmq_socket(context, ZMQ_DEALER);
    const KeyPair own = testing::fresh_key_pair(), server = testing::fresh_key_pair();
    auto made = make_curve_client(socket, server.public_key, own);
    ASSERT_TRUE(made) << made.error();
    const auto option_text = [&](int option) {
        std::array<char, kCurveKeyChars + 1> text{};
        std::size_t size = text.size();
        EXPECT_EQ(zmq_getsockopt(socket, option, text.data(), &size), 0);
        return std::string(text.data());
    };
    EXPECT_EQ(option_text(ZMQ_CURVE_SERVERKEY), server.public_key);
    EXPECT_EQ(option_text(ZMQ_CURVE_PUBLICKEY), own.public_key);
    EXPECT_EQ(option_text(ZMQ_CURVE_SECRETKEY), own.secret_key);

    // A bad key is refused before the socket is touched, and the error says which one.
    auto bad_server = make_curve_client(socket, "short", own);
    ASSERT_FALSE(bad_server);
    EXPECT_EQ(bad_server.error().rfind("server public key", 0), 0u) << bad_server.error();
    auto no_secret = make_curve_client(socket, server.public_key, KeyPair{own.public_key, ""});
    ASSERT_FALSE(no_secret);
    EXPECT_EQ(no_secret.error().rfind("own secret key", 0), 0u) << no_secret.error();
    auto bad_public = make_curve_client(socket, server.public_key, KeyPair{"x", own.secret_key});
    ASSERT_FALSE(bad_public);
    EXPECT_EQ(bad_public.error().rfind("own public key", 0), 0u) << bad_public.error();
    EXPECT_EQ(option_text(ZMQ_CURVE_SERVERKEY), server.public_key);  // unchanged
    zmq_close(socket);
    zmq_ctx_term(context);
}

}  // namespace
}  // namespace citywall
