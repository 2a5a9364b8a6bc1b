// Reading single fields out of a department's JSON object through compiled paths, with the
// reject every format reports for a field of the wrong shape (docs/protocol.md, "Rejects").
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>

#include "citywall/feed_time.hpp"
#include "feed_message.hpp"
#include "json_path.hpp"

namespace citywall::ingest {

// Department words looked up in a map may be longer than a taxonomy category.
inline constexpr std::size_t kMaxWordLength = 256;

// "title", or "title ('data.summary')" when the department put it somewhere else.
std::string label(const char* name, const JsonPath& path);

// The value at `path`, or nothing when it is absent or null (null is the same as absent).
const rapidjson::Value* find(const JsonPath& path, const rapidjson::Value& object);

// A text field: absent → empty; bad_field when not a string or too long, invalid_utf8.
std::optional<FeedReject> read_text(const rapidjson::Value& object, const JsonPath& path,
                                    const char* name, std::size_t max_length, std::string& out);

// A word looked up in one of the department's maps: a string, or an integer as its decimal
// text. Nothing (and `out` empty) when it is absent.
std::optional<FeedReject> read_word(const rapidjson::Value& object, const JsonPath& path,
                                    const char* name, std::string& out);

// A time in one of the department's formats (a string, or a number for epoch_s / epoch_ms);
// absent → `out` unchanged; bad_time quoting the value and the formats tried for anything else.
std::optional<FeedReject> read_time(const rapidjson::Value& object, const JsonPath& path,
                                    const char* name, const FeedTimeFormat& format, TimeMs& out);

// A number, or a decimal number written as text; nothing for anything else.
std::optional<double> coordinate(const rapidjson::Value& value);

}  // namespace citywall::ingest
