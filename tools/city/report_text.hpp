// Small helpers for text a person reads: shares as percentages, and the width of UTF-8 text in
// a terminal's columns. Private to citywall_city.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace citywall::city {

// "100 %", "97.3 %", "0 %": never rounded up to 100 or down to 0.
inline std::string percent(double share) {
    if (share >= 1.0) return "100 %";
    if (share <= 0.0) return "0 %";
    char text[16];
    std::snprintf(text, sizeof text, "%.1f", share < 0.999 ? share * 100 : 99.9);
    std::string out = text;
    if (out.ends_with(".0")) out.resize(out.size() - 2);
    return out + " %";
}

// Columns UTF-8 text takes: East Asian wide characters take two.
inline std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t k = 0; k < text.size();) {
        const auto lead = static_cast<unsigned char>(text[k]);
        char32_t point = lead;
        std::size_t length = 1;
        if (lead >= 0xF0) {
            length = 4, point = lead & 0x07u;
        } else if (lead >= 0xE0) {
            length = 3, point = lead & 0x0Fu;
        } else if (lead >= 0xC0) {
            length = 2, point = lead & 0x1Fu;
        }
        for (std::size_t j = 1; j < length && k + j < text.size(); ++j)
            point = (point << 6) | (static_cast<unsigned char>(text[k + j]) & 0x3Fu);
        const bool wide =
            (point >= 0x1100 && point <= 0x115F) || (point >= 0x2E80 && point <= 0xA4CF) ||
            (point >= 0xAC00 && point <= 0xD7A3) || (point >= 0xF900 && point <= 0xFAFF) ||
            (point >= 0xFE30 && point <= 0xFE4F) || (point >= 0xFF00 && point <= 0xFF60) ||
            (point >= 0xFFE0 && point <= 0xFFE6) || (point >= 0x20000);
        width += wide ? 2 : 1;
        k += length;
    }
    return width;
}

// `text` followed by spaces to `columns` (at least one space).
inline std::string padded(std::string_view text, std::size_t columns) {
    const std::size_t width = display_width(text);
    return std::string(text) + std::string(width < columns ? columns - width : 1, ' ');
}

}  // namespace citywall::city
