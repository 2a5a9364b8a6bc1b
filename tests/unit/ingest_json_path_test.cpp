// A field's place in a department's JSON: keys and [n] steps found under a message's root, and
// nothing (never a crash) where a step is missing, past the end or into a value of another kind.
// Which texts are paths is also tested with the adapters (feed_adapter_test.cpp, JsonPathTest).
#include <gtest/gtest.h>

#include <string>

#include "json_path.hpp"

namespace citywall::ingest {
namespace {

const char* kOrder = R"({
  "data": {
    "orderNo": "GD-7",
    "geo": {"type": "Point", "coordinates": [114.05, 22.54]},
    "items": [{"id": "a"}, {"id": "b", "tags": [["x", "y"], ["z"]]}],
    "处置部门": "城管",
    "a b": 1,
    "empty": null
  },
  "list": [10, 20, 30]
})";

class JsonPathFind : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_FALSE(doc_.Parse(kOrder).HasParseError()); }

    // The value at `path` as JSON-ish text for comparison; "missing" when there is none.
    std::string at(const std::string& text) const {
        const auto path = JsonPath::parse(text);
        if (!path) return "not a path";
        const rapidjson::Value* value = path->find(doc_);
        if (!value) return "missing";
        if (value->IsString()) return value->GetString();
        if (value->IsInt()) return std::to_string(value->GetInt());
        if (value->IsDouble()) return std::to_string(value->GetDouble());
        if (value->IsNull()) return "null";
        if (value->IsArray()) return "array of " + std::to_string(value->Size());
        if (value->IsObject()) return "object";
        return "other";
    }

    rapidjson::Document doc_;
};

TEST_F(JsonPathFind, KeysAndIndicesLeadToTheirValue) {
    EXPECT_EQ(at("data.orderNo"), "GD-7");
    EXPECT_EQ(at("data.geo.type"), "Point");
    EXPECT_EQ(at("data.geo.coordinates[0]"), "114.050000");
    EXPECT_EQ(at("data.geo.coordinates[1]"), "22.540000");
    EXPECT_EQ(at("data.items[0].id"), "a");
    EXPECT_EQ(at("data.items[1].id"), "b");
    EXPECT_EQ(at("data.items[1].tags[0][1]"), "y");
    EXPECT_EQ(at("data.items[1].tags[1][0]"), "z");
    EXPECT_EQ(at("data.处置部门"), "城管");
    EXPECT_EQ(at("data.a b"), "1");  // a key is anything up to '.' or '['
    EXPECT_EQ(at("list[2]"), "30");
    EXPECT_EQ(at("list"), "array of 3");
    EXPECT_EQ(at("data.geo"), "object");
    EXPECT_EQ(at("data.empty"), "null");  // there, and null: the reader decides what that means
}

TEST_F(JsonPathFind, AMissingStepOrAStepIntoTheWrongKindIsNothing) {
    EXPECT_EQ(at("data.orderno"), "missing");  // keys are exact
    EXPECT_EQ(at("nothing.at.all"), "missing");
    EXPECT_EQ(at("list[3]"), "missing");  // past the end
    EXPECT_EQ(at("data.items[2].id"), "missing");
    EXPECT_EQ(at("data.items[0].tags[0]"), "missing");
    EXPECT_EQ(at("list.length"), "missing");          // a key into an array
    EXPECT_EQ(at("data[0]"), "missing");              // an index into an object
    EXPECT_EQ(at("data.orderNo.x"), "missing");       // a key into a string
    EXPECT_EQ(at("data.orderNo[0]"), "missing");      // an index into a string
    EXPECT_EQ(at("data.empty.x"), "missing");         // a key into null
    EXPECT_EQ(at("list[0][0]"), "missing");           // an index into a number
    EXPECT_EQ(at("data.items[1048576]"), "missing");  // the largest index, far past the end

    rapidjson::Document array;
    array.Parse("[1, 2]");
    EXPECT_EQ(JsonPath::parse("data")->find(array), nullptr);  // the root is no object
    rapidjson::Document number;
    number.Parse("7");
    EXPECT_EQ(JsonPath::parse("a[0]")->find(number), nullptr);
}

TEST_F(JsonPathFind, TheEmptyPathFindsNothingNotTheRoot) {
    const auto empty = JsonPath::parse("");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    EXPECT_EQ(empty->find(doc_), nullptr);
    EXPECT_EQ(empty->text(), "");
}

TEST(JsonPath, KeepsItsTextAndRefusesWhatIsNotAPath) {
    const auto path = JsonPath::parse("data.items[1].tags[0][1]");
    ASSERT_TRUE(path);
    EXPECT_EQ(path->text(), "data.items[1].tags[0][1]");
    EXPECT_FALSE(path->empty());
    EXPECT_TRUE(JsonPath::parse("a[1048576]"));  // 2^20, the largest index
    for (const char* bad :
         {"a[1048577]", "a[99999999999999999999999]", "a[ 1]", "a[1 ]", "a[+1]", "a[0x1]", "a[1.5]",
          "a[0]]", "a]", "]", "[", "a.[0]", "a[0].", "a.b.", "..", "."})
        EXPECT_FALSE(JsonPath::parse(bad)) << bad;
}

}  // namespace
}  // namespace citywall::ingest
