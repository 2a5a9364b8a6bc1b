// Little-endian readers and writers shared by the wire codec and the journal.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace citywall::detail {

class ByteWriter {
  public:
    explicit ByteWriter(std::string& out) : out_(out) {}

    template <class T>
    void put(T value) {
        static_assert(std::is_arithmetic_v<T>);
        char bytes[sizeof(T)];
        std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts only (checked in byte_io.cpp)
        out_.append(bytes, sizeof(T));
    }
    void put_string(std::string_view s) {
        put(static_cast<std::uint32_t>(s.size()));
        out_.append(s);
    }

  private:
    std::string& out_;
};

// Reads values until the input runs short; after that every read fails and ok() is false.
class ByteReader {
  public:
    explicit ByteReader(std::string_view in) : in_(in) {}

    template <class T>
    bool get(T& value) {
        static_assert(std::is_arithmetic_v<T>);
        if (!ok_ || in_.size() - pos_ < sizeof(T)) return ok_ = false;
        std::memcpy(&value, in_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return true;
    }
    bool get_string(std::string& s, std::uint32_t max_size) {
        std::uint32_t size = 0;
        if (!get(size)) return false;
        if (size > max_size || in_.size() - pos_ < size) return ok_ = false;
        s.assign(in_.data() + pos_, size);
        pos_ += size;
        return true;
    }
    bool ok() const { return ok_; }
    std::size_t remaining() const { return in_.size() - pos_; }

  private:
    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace citywall::detail
