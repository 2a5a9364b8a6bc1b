// A configuration file checked against its program's table of sections and keys: every unknown
// key or section and every value of the wrong type is named with its file, line, section and key,
// in the order of the file; the endpoints ingest binds and connects are recognised.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "citywall/config_schemas.hpp"
#include "citywall/toml_schema.hpp"

namespace citywall::toml_schema {
namespace {

constexpr Key kStationKeys[] = {{"name", Type::string}, {"code", Type::integer}};
constexpr Key kOptionKeys[] = {{"depth", Type::integer}};
constexpr Key kServerKeys[] = {
    {"endpoint", Type::endpoint},
    {"rate", Type::number},
    {"on", Type::boolean},
    {"tags", Type::strings},
    {"weights", Type::numbers},
    {"groups", Type::string_lists},
    {"alias", Type::string_or_strings},
    {"words", Type::words},
    {"options", Type::table, kOptionKeys},
    {"stations", Type::tables, kStationKeys},
};
constexpr Key kSections[] = {
    {"title", Type::string},
    {"server", Type::table, kServerKeys},
    {"department", Type::tables, kStationKeys},
};

std::string checked(std::string_view text, std::string_view file = "wall.toml") {
    return check(toml::parse(text, std::string_view("wall.toml")), kSections, file);
}

TEST(TomlSchema, AFileThatFitsHasNoMistakes) {
    EXPECT_EQ(checked(""), "");
    EXPECT_EQ(checked(R"(title = "东湖区"
[server]
endpoint = "tcp://127.0.0.1:5555"
rate = 150          # an integer is a number
on = true
tags = ["a", "b"]
weights = [1, 2.5]
groups = [["a"], [], ["b", "c"]]
alias = "one"
words = { "噪音扰民" = "hotline.noise", 101 = 3 }
options = { depth = 2 }
stations = [{ name = "north", code = 1 }]
[[department]]
name = "110"
[[department]]
code = 119
)"),
              "");
    EXPECT_EQ(checked("[server]\nalias = [\"one\", \"two\"]\nendpoint = \"\""), "");
}

TEST(TomlSchema, UnknownKeysAndSectionsAreNamedAsTheFileWritesThem) {
    EXPECT_EQ(checked("titel = \"x\""), "wall.toml:1: titel: unknown key");
    EXPECT_EQ(checked("[servers]\nrate = 1"), "wall.toml:1: [servers]: unknown section");
    EXPECT_EQ(checked("[[departments]]\nname = \"a\""),
              "wall.toml:1: [[departments]]: unknown section");
    EXPECT_EQ(checked("[server]\non = true\ncolour = \"red\""),
              "wall.toml:3: [server] colour: unknown key");
    EXPECT_EQ(checked("[server]\n\"a.b\" = 1"), "wall.toml:2: [server] \"a.b\": unknown key");
    EXPECT_EQ(checked("[server]\noptions = { depth = 1, width = 2 }"),
              "wall.toml:2: [server] options.width: unknown key");
    EXPECT_EQ(checked("[server]\nstations = [{ name = \"n\" }, { nme = \"s\" }]"),
              "wall.toml:2: [server] stations[1].nme: unknown key");
    EXPECT_EQ(checked("[[department]]\nname = \"a\"\n[[department]]\nnmae = \"b\""),
              "wall.toml:4: [[department]] #2 nmae: unknown key");
}

TEST(TomlSchema, AValueOfTheWrongTypeSaysWhatWasExpectedAndWhatCame) {
    EXPECT_EQ(checked("title = 3"), "wall.toml:1: title: expected a string, got an integer");
    EXPECT_EQ(checked("server = 3"), "wall.toml:1: server: expected a table, got an integer");
    EXPECT_EQ(checked("department = 3"),
              "wall.toml:1: department: expected [[department]] tables, got an integer");
    EXPECT_EQ(checked("department = [1]"),
              "wall.toml:1: [[department]] #1: expected a table, got an integer");
    EXPECT_EQ(checked("[server]\nrate = \"fast\""),
              "wall.toml:2: [server] rate: expected a number, got a string");
    EXPECT_EQ(checked("[server]\non = 1"),
              "wall.toml:2: [server] on: expected true or false, got an integer");
    EXPECT_EQ(checked("[[department]]\ncode = 1.5"),
              "wall.toml:2: [[department]] #1 code: expected an integer, got a float");
    EXPECT_EQ(checked("[server]\ntags = \"a\""),
              "wall.toml:2: [server] tags: expected a list of strings, got a string");
    EXPECT_EQ(checked("[server]\ntags = [\"a\", 2]"),
              "wall.toml:2: [server] tags[1]: expected a string, got an integer");
    EXPECT_EQ(checked("[server]\nweights = [1, \"2\"]"),
              "wall.toml:2: [server] weights[1]: expected a number, got a string");
    EXPECT_EQ(checked("[server]\ngroups = [\"a\"]"),
              "wall.toml:2: [server] groups[0]: expected a list of strings, got a string");
    EXPECT_EQ(checked("[server]\ngroups = [[\"a\", true]]"),
              "wall.toml:2: [server] groups[0][1]: expected a string, got true or false");
    EXPECT_EQ(checked("[server]\nalias = 7"),
              "wall.toml:2: [server] alias: expected a string or a list of strings, got an "
              "integer");
    EXPECT_EQ(checked("[server]\nalias = [\"a\", 1979-05-27]"),
              "wall.toml:2: [server] alias[1]: expected a string, got a date");
    EXPECT_EQ(checked("[server]\nwords = [\"a\"]"),
              "wall.toml:2: [server] words: expected a table of words, got a list");
    EXPECT_EQ(checked("[server]\nwords = { \"噪音\" = [1] }"),
              "wall.toml:2: [server] words.\"噪音\": expected a string or an integer, got a list");
    EXPECT_EQ(checked("[server]\noptions = 3"),
              "wall.toml:2: [server] options: expected a table, got an integer");
    EXPECT_EQ(checked("[server]\noptions = { depth = \"deep\" }"),
              "wall.toml:2: [server] options.depth: expected an integer, got a string");
    EXPECT_EQ(checked("[server]\nstations = [3]"),
              "wall.toml:2: [server] stations[0]: expected a table, got an integer");
    EXPECT_EQ(checked("[server]\nstations = { name = \"n\" }"),
              "wall.toml:2: [server] stations: expected [[stations]] tables, got a table");
}

TEST(TomlSchema, AnEndpointIsEmptyOrOneZeroMqCanUse) {
    EXPECT_EQ(checked("[server]\nendpoint = 5555"),
              "wall.toml:2: [server] endpoint: expected a string, got an integer");
    EXPECT_EQ(checked("[server]\nendpoint = \"localhost:5555\""),
              "wall.toml:2: [server] endpoint: \"localhost:5555\" is not a ZeroMQ endpoint "
              "(tcp://host:port, ipc://path or inproc://name)");
}

TEST(TomlSchema, EveryMistakeIsReportedInTheOrderOfTheFile) {
    EXPECT_EQ(checked(R"([server]
rate = "x"
colour = 1
[[department]]
code = "110"
[extra]
)"),
              "wall.toml:2: [server] rate: expected a number, got a string\n"
              "wall.toml:3: [server] colour: unknown key\n"
              "wall.toml:5: [[department]] #1 code: expected an integer, got a string\n"
              "wall.toml:6: [extra]: unknown section");
    // Without a file name the line alone.
    EXPECT_EQ(checked("titel = 1\ntitle = 2", ""),
              "line 1: titel: unknown key\nline 2: title: expected a string, got an integer");
}

TEST(TomlSchema, AProblemTheSchemaLetsThroughIsPlacedAtItsKeyOrItsTable) {
    const toml::table root =
        toml::parse("[ingest]\n\nheartbeat_ms = -5\n", std::string_view("ingest.toml"));
    const toml::node* ingest = root.get("ingest");
    EXPECT_EQ(problem("ingest.toml", ingest, "[ingest]", "heartbeat_ms", "must be positive"),
              "ingest.toml:3: [ingest] heartbeat_ms: must be positive");
    // A key the table lacks: the table's line.
    EXPECT_EQ(problem("ingest.toml", ingest, "[ingest]", "journal_dir", "is required"),
              "ingest.toml:1: [ingest] journal_dir: is required");
    EXPECT_EQ(problem("ingest.toml", ingest, "[ingest]", "", "is empty"),
              "ingest.toml:1: [ingest]: is empty");
    // No table: no line. A key that TOML must quote is quoted.
    EXPECT_EQ(problem("ingest.toml", nullptr, "", "噪音", "unknown category"),
              "ingest.toml: \"噪音\": unknown category");
    EXPECT_EQ(problem("", nullptr, "", "", "no departments"), "no departments");
    EXPECT_EQ(problem("", ingest, "[ingest]", "heartbeat_ms", "must be positive"),
              "line 3: [ingest] heartbeat_ms: must be positive");
}

TEST(TomlSchema, ALocationIsFileAndLineOrWhatThereIs) {
    toml::source_region nowhere{};
    EXPECT_EQ(location("a.toml", nowhere), "a.toml: ");
    EXPECT_EQ(location("", nowhere), "");
    toml::source_region line_7{};
    line_7.begin.line = 7;
    EXPECT_EQ(location("a.toml", line_7), "a.toml:7: ");
    EXPECT_EQ(location("", line_7), "line 7: ");
}

TEST(TomlSchema, ZeroMqEndpoints) {
    for (const char* good :
         {"tcp://127.0.0.1:5555", "tcp://*:5556", "tcp://ingest.city.local:1", "tcp://[::1]:65535",
          "tcp://eth0:7000", "ipc:///run/citywall/updates", "inproc://updates"})
        EXPECT_TRUE(is_zmq_endpoint(good)) << good;
    for (const char* bad : {"",
                            "tcp://",
                            "tcp://host",
                            "tcp://host:",
                            "tcp://:5555",
                            "tcp://host:0",
                            "tcp://host:65536",
                            "tcp://host:99999999999",
                            "tcp://host:-1",
                            "tcp://host:+1",
                            "tcp://host:55a",
                            "tcp://host:5555/",
                            "tcp://a/b:5555",
                            "tcp://a b:5555",
                            "tcp://a\tb:1",
                            "ipc://",
                            "inproc://",
                            "inproc://a b",
                            "ipc://\x7f",
                            "udp://host:1",
                            "TCP://host:1",
                            "host:5555",
                            "tcp:/host:1"})
        EXPECT_FALSE(is_zmq_endpoint(bad)) << bad;
}

// The values that name files, found by the roles the programs' own tables give them: what a
// drill package carries, what it leaves for the receiving centre.
std::map<std::string, FileRole> roles_in(toml::table root, std::span<const Key> schema) {
    std::map<std::string, FileRole> roles;
    for (const FileValue& found : file_values(root, schema))
        roles[found.where + " = " + found.value->get()] = found.role;
    return roles;
}

TEST(TomlSchema, FileValuesAreFoundByTheRoleTheSchemaGivesThem) {
    const auto ingest = roles_in(toml::parse(R"(
[ingest]
journal_dir = "journal"
drill = true
live_config = "../city.toml"
[security]
ingest_key_file = "keys/ingest.key"
[deadlines]
leaders = "leaders.csv"
[[area]]
level = "district"
source = "city.gpkg"
[[area]]
level = "beat"
source = "beats.shp"
[[department]]
code = "110"
public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
[[department]]
code = "119"
public_key_file = "keys/119.pub"
)"),
                                 ingest_config_schema());
    const std::map<std::string, FileRole> expected_ingest = {
        {"[ingest] journal_dir = journal", FileRole::output},
        {"[ingest] live_config = ../city.toml", FileRole::local},
        {"[security] ingest_key_file = keys/ingest.key", FileRole::key},
        {"[deadlines] leaders = leaders.csv", FileRole::map},
        {"[[area]] #1 source = city.gpkg", FileRole::map},
        {"[[area]] #2 source = beats.shp", FileRole::map},
        {"[[department]] #1 public_key = rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
         FileRole::key_text},
        {"[[department]] #2 public_key_file = keys/119.pub", FileRole::key},
    };
    EXPECT_EQ(ingest, expected_ingest);

    const auto wall = roles_in(toml::parse(R"(
[ingest]
updates = "tcp://127.0.0.1:5556"
key_file = "keys/wall.key"
ingest_key_file = "keys/ingest.pub"
[ui]
font = "/usr/share/fonts/x.ttc"
palette = "palette.toml"
[[layer]]
kind = "raster"
source = "basemap.tif"
[[area]]
level = "district"
source = "city.gpkg"
)"),
                               wall_config_schema());
    const std::map<std::string, FileRole> expected_wall = {
        {"[ingest] key_file = keys/wall.key", FileRole::key},
        {"[ingest] ingest_key_file = keys/ingest.pub", FileRole::key},
        {"[ui] font = /usr/share/fonts/x.ttc", FileRole::local},
        {"[ui] palette = palette.toml", FileRole::map},
        {"[[layer]] #1 source = basemap.tif", FileRole::map},
        {"[[area]] #1 source = city.gpkg", FileRole::map},
    };
    EXPECT_EQ(wall, expected_wall);
}

}  // namespace
}  // namespace citywall::toml_schema
