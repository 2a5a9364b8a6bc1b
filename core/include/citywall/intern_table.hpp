// Values many incidents share (categories, department codes, grid paths, police beats), each
// stored once and named by a small index. Ingest's state and a subscriber's picture both hold
// their open incidents this way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "citywall/incident.hpp"

namespace citywall {

// A string hash that also takes string_view, for heterogeneous lookup.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

inline std::size_t hash_mix(std::size_t seed, std::size_t value) {
    return seed ^ (value + 0x9E3779B97F4A7C15ull + (seed << 6) + (seed >> 2));
}

struct AreaHash {
    std::size_t operator()(const AreaRef& a) const {
        return hash_mix(std::hash<std::string>()(a.code), std::hash<std::string>()(a.level));
    }
};

struct AreaPathHash {
    // The innermost area names the path almost always; equality compares the whole of it.
    std::size_t operator()(const AreaPath& path) const {
        return path.empty() ? 0 : hash_mix(AreaHash()(path.back()), path.size());
    }
};

// Index 0 is the empty value. Indices and references to values stay valid for the life of the
// table (the values are the keys of a node-based map).
template <class T, class Hash>
class InternTable {
  public:
    InternTable() { values_.push_back(&index_.try_emplace(T{}, 0).first->first); }
    std::uint32_t intern(const T& value) {
        if (value == T{}) return 0;
        auto [it, fresh] = index_.try_emplace(value, static_cast<std::uint32_t>(values_.size()));
        if (fresh) values_.push_back(&it->first);
        return it->second;
    }
    std::optional<std::uint32_t> find(const T& value) const {
        auto it = index_.find(value);
        return it == index_.end() ? std::nullopt : std::optional<std::uint32_t>(it->second);
    }
    const T& operator[](std::uint32_t index) const { return *values_[index]; }
    std::size_t size() const { return values_.size(); }

  private:
    std::unordered_map<T, std::uint32_t, Hash> index_;
    std::vector<const T*> values_;  // the keys of index_, whose nodes never move
};

}  // namespace citywall
