// The example under "## Security" in docs/config.md is real configuration, and does what the
// page says of [security], a department's key and a wall.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "citywall/config.hpp"
#include "citywall/keys.hpp"

namespace citywall {
namespace {

std::string security_example() {
    std::ifstream in(std::filesystem::path(CITYWALL_DOCS) / "config.md", std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto section = doc.find("## Security");
    if (section == std::string::npos) return {};
    const auto at = doc.find("```toml\n", section) + 8;
    return doc.substr(at, doc.find("```", at) - at);
}

TEST(SecurityConfig, TheDocumentedExampleLoadsAsThePageSays) {
    const std::string example = security_example();
    ASSERT_FALSE(example.empty()) << "no ## Security example in docs/config.md";
    auto config = parse_ingest_config(example, "/city");
    ASSERT_TRUE(config) << config.error();
    EXPECT_FALSE(config->keys_off);
    EXPECT_EQ(config->ingest_key_file, "/city/keys/ingest.key");
    ASSERT_EQ(config->departments.size(), 2u);
    EXPECT_EQ(config->departments[0].public_key_file, "/city/keys/110.pub");
    EXPECT_TRUE(config->departments[0].public_key.empty());
    EXPECT_TRUE(parse_curve_key(config->departments[1].public_key).ok());
    ASSERT_EQ(config->walls.size(), 1u);
    EXPECT_EQ(config->walls[0].name, "east-wall");
    EXPECT_EQ(config->walls[0].public_key_file, "/city/keys/east-wall.pub");
    EXPECT_EQ(config->walls[0].role, WallRole::viewer);
}

TEST(SecurityConfig, KeysAreOnUnlessTheFileSaysOff) {
    const std::string department = "[[department]]\ncode = \"110\"\nendpoint = \"tcp://*:5601\"\n";
    auto config = parse_ingest_config(department, "/city");
    ASSERT_TRUE(config) << config.error();
    EXPECT_FALSE(config->keys_off);
    config = parse_ingest_config("[security]\nkeys = \"off\"\n" + department, "/city");
    ASSERT_TRUE(config) << config.error();
    EXPECT_TRUE(config->keys_off);
    EXPECT_FALSE(parse_ingest_config("[security]\nkeys = \"no\"\n" + department, "/city"));
    // A wall needs a key, and a role that is one (docs/dispatch.md, "Roles").
    EXPECT_FALSE(parse_ingest_config(department + "[[wall]]\nname = \"w\"\n", "/city"));
    EXPECT_FALSE(parse_ingest_config(
        department + "[[wall]]\nname = \"w\"\npublic_key_file = \"w.pub\"\nrole = \"admiral\"\n",
        "/city"));
    for (auto [word, role] :
         {std::pair{"viewer", WallRole::viewer}, std::pair{"operator", WallRole::operator_},
          std::pair{"leader", WallRole::leader}, std::pair{"trainer", WallRole::trainer}}) {
        config = parse_ingest_config(department +
                                         "[[wall]]\nname = \"w\"\npublic_key_file = "
                                         "\"w.pub\"\nrole = \"" +
                                         std::string(word) + "\"\n",
                                     "/city");
        ASSERT_TRUE(config) << config.error();
        EXPECT_EQ(config->walls.at(0).role, role);
    }
    // Without keys nobody is named, and every wall is a viewer unless the file says otherwise.
    config = parse_ingest_config("[security]\nkeys = \"off\"\n" + department, "/city");
    EXPECT_EQ(config->role_without_keys, WallRole::viewer);
    config = parse_ingest_config(
        "[security]\nkeys = \"off\"\nrole_without_keys = \"leader\"\n" + department, "/city");
    ASSERT_TRUE(config) << config.error();
    EXPECT_EQ(config->role_without_keys, WallRole::leader);
    EXPECT_FALSE(parse_ingest_config(
        "[security]\nkeys = \"off\"\nrole_without_keys = \"boss\"\n" + department, "/city"));
}

}  // namespace
}  // namespace citywall
