#include "citywall/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace citywall {

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        // Eight ASCII bytes at a time: most codes, ids and English text.
        if (n - i >= 8) {
            std::uint64_t word;
            std::memcpy(&word, text.data() + i, 8);
            if ((word & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        // A three-byte character (Chinese text) with one load: E1-EC and EE-EF lead bytes take
        // any two continuation bytes.
        if (n - i >= 4 && c >= 0xE1 && c <= 0xEF && c != 0xED) {
            std::uint32_t word;
            std::memcpy(&word, text.data() + i, 4);
            if ((word & 0x00C0C000u) == 0x00808000u) {
                i += 3;
                continue;
            }
            return false;
        }
        std::size_t length = 0;
        unsigned lower = 0x80, upper = 0xBF;  // bounds of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            length = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            length = 3;
            if (c == 0xE0) lower = 0xA0;  // overlong
            if (c == 0xED) upper = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            length = 4;
            if (c == 0xF0) lower = 0x90;  // overlong
            if (c == 0xF4) upper = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (i + length > n) return false;
        const auto second = static_cast<unsigned char>(text[i + 1]);
        if (second < lower || second > upper) return false;
        for (std::size_t k = 2; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if (next < 0x80 || next > 0xBF) return false;
        }
        i += length;
    }
    return true;
}

std::string utf8_prefix(std::string_view text, std::size_t max_bytes) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        // The length of the character at i; an invalid byte becomes '?'.
        std::size_t length = 1;
        while (length < 4 && i + length <= text.size() && !is_valid_utf8(text.substr(i, length)))
            ++length;
        const bool valid = i + length <= text.size() && is_valid_utf8(text.substr(i, length));
        if (!valid) length = 1;
        if (out.size() + length > max_bytes) return out + "…";
        if (valid) {
            out.append(text.substr(i, length));
        } else {
            out.push_back('?');
        }
        i += length;
    }
    return out;
}

}  // namespace citywall
