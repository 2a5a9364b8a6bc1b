// A field's place in a department's JSON message (docs/config.md, [department.fields]): object
// keys separated by dots, with [n] for array elements — "data.geo.coordinates[0]", "items[2].id".
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace citywall::ingest {

class JsonPath {
  public:
    // Nothing when `text` is not such a path ("a..b", "a[", "a[x]", ".a"). The empty text is
    // a path to nothing: the department never sends that field.
    static std::optional<JsonPath> parse(std::string_view text);

    // The value at this path under `root`, or nullptr when any step is missing or of the wrong
    // kind (a key into an array, an index past the end, …).
    const rapidjson::Value* find(const rapidjson::Value& root) const;

    const std::string& text() const { return text_; }
    bool empty() const { return steps_.empty(); }

  private:
    struct Step {
        std::string key;  // an object member, unless this step is an index
        std::size_t index = 0;
        bool is_index = false;
    };
    std::vector<Step> steps_;
    std::string text_;
};

}  // namespace citywall::ingest
