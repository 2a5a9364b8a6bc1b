#include "json_path.hpp"

#include <charconv>

namespace citywall::ingest {

namespace {

constexpr std::size_t kMaxIndex = 1u << 20;

}  // namespace

std::optional<JsonPath> JsonPath::parse(std::string_view text) {
    JsonPath path;
    path.text_ = std::string(text);
    std::size_t pos = 0;
    while (pos < text.size()) {
        // A key: everything up to the next '.' or '['.
        std::size_t end = text.find_first_of(".[]", pos);
        if (end == std::string_view::npos) end = text.size();
        if (end == pos) return std::nullopt;  // an empty key
        path.steps_.push_back({std::string(text.substr(pos, end - pos)), 0, false});
        pos = end;
        // Any number of [n] after it.
        while (pos < text.size() && text[pos] == '[') {
            std::size_t close = text.find(']', pos);
            if (close == std::string_view::npos || close == pos + 1) return std::nullopt;
            std::size_t index = 0;
            auto [ptr, ec] = std::from_chars(text.data() + pos + 1, text.data() + close, index);
            if (ec != std::errc() || ptr != text.data() + close || index > kMaxIndex)
                return std::nullopt;
            path.steps_.push_back({{}, index, true});
            pos = close + 1;
        }
        if (pos == text.size()) break;
        if (text[pos] != '.' || pos + 1 == text.size()) return std::nullopt;
        ++pos;
    }
    return path;
}

const rapidjson::Value* JsonPath::find(const rapidjson::Value& root) const {
    if (steps_.empty()) return nullptr;
    const rapidjson::Value* at = &root;
    for (const auto& step : steps_) {
        if (step.is_index) {
            if (!at->IsArray() || step.index >= at->Size()) return nullptr;
            at = &(*at)[static_cast<rapidjson::SizeType>(step.index)];
        } else {
            if (!at->IsObject()) return nullptr;
            auto it = at->FindMember(
                rapidjson::Value(rapidjson::StringRef(step.key.data(), step.key.size())));
            if (it == at->MemberEnd()) return nullptr;
            at = &it->value;
        }
    }
    return at;
}

}  // namespace citywall::ingest
