// From an incident id to a slot in the caller's dense array, in 4 to 8 bytes an entry: open
// addressing with linear probing, at most half full, and backward-shift deletion (no
// tombstones, so lookups stay short under churn). The caller keeps the ids: `key_of(slot)`
// returns the id stored in a slot. Where a hash map node would take about 40 bytes an entry,
// this is what lets a wall hold a million incidents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace citywall {

class IdIndex {
  public:
    static constexpr std::uint32_t kNone = 0xffffffffu;

    IdIndex() { clear(); }

    std::size_t size() const { return count_; }
    std::size_t memory_bytes() const { return table_.capacity() * sizeof(std::uint32_t); }

    void clear() {
        table_.assign(kMinSize, kNone);
        count_ = 0;
    }

    // Room for `n` entries without growing.
    template <class KeyOf>
    void reserve(std::size_t n, KeyOf key_of) {
        std::size_t size = table_.size();
        while (n * 2 > size)
            size *= 2;
        if (size != table_.size()) rehash(size, key_of);
    }

    template <class KeyOf>
    std::uint32_t find(std::uint64_t id, KeyOf key_of) const {
        const std::size_t mask = table_.size() - 1;
        for (std::size_t i = home(id, mask);; i = (i + 1) & mask) {
            const std::uint32_t slot = table_[i];
            if (slot == kNone || key_of(slot) == id) return slot;
        }
    }

    // `id` must not be in the index; key_of(slot) must already return it.
    template <class KeyOf>
    void insert(std::uint64_t id, std::uint32_t slot, KeyOf key_of) {
        if ((count_ + 1) * 2 > table_.size()) rehash(table_.size() * 2, key_of);
        place(id, slot);
        ++count_;
    }

    // Points `id`'s entry at another slot (the caller moved it); key_of(old slot) must still
    // return `id` while this runs.
    template <class KeyOf>
    void move(std::uint64_t id, std::uint32_t slot, KeyOf key_of) {
        table_[position(id, key_of)] = slot;
    }

    template <class KeyOf>
    bool erase(std::uint64_t id, KeyOf key_of) {
        const std::size_t mask = table_.size() - 1;
        std::size_t i = position(id, key_of);
        if (table_[i] == kNone) return false;
        for (std::size_t j = (i + 1) & mask; table_[j] != kNone; j = (j + 1) & mask) {
            const std::size_t k = home(key_of(table_[j]), mask);
            // An entry stays where it is if its home lies cyclically in (i, j].
            const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
            if (stays) continue;
            table_[i] = table_[j];
            i = j;
        }
        table_[i] = kNone;
        --count_;
        return true;
    }

  private:
    static constexpr std::size_t kMinSize = 64;

    static std::size_t home(std::uint64_t id, std::size_t mask) {
        return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    }

    // Where `id` is, or the empty entry that ends its probe.
    template <class KeyOf>
    std::size_t position(std::uint64_t id, KeyOf key_of) const {
        const std::size_t mask = table_.size() - 1;
        std::size_t i = home(id, mask);
        while (table_[i] != kNone && key_of(table_[i]) != id)
            i = (i + 1) & mask;
        return i;
    }

    void place(std::uint64_t id, std::uint32_t slot) {
        const std::size_t mask = table_.size() - 1;
        std::size_t i = home(id, mask);
        while (table_[i] != kNone)
            i = (i + 1) & mask;
        table_[i] = slot;
    }

    template <class KeyOf>
    void rehash(std::size_t size, KeyOf key_of) {
        std::vector<std::uint32_t> old(size, kNone);
        old.swap(table_);
        for (const std::uint32_t slot : old)
            if (slot != kNone) place(key_of(slot), slot);
    }

    std::vector<std::uint32_t> table_;  // slots; a power-of-two size
    std::size_t count_ = 0;
};

}  // namespace citywall
