// Text in the model is UTF-8: every place where text enters (a department's message, a map
// layer's attribute, a config) checks it or repairs it, because the wall stream's decoders, ours
// and a foreign client's protobuf library, refuse a message with text that is not.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace citywall {

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. NUL is allowed.
bool is_valid_utf8(std::string_view text);

// The text with every byte that is not part of a valid character replaced by '?', cut at a
// character boundary to at most max_bytes (then ending in "…", which counts beyond max_bytes).
std::string utf8_prefix(std::string_view text, std::size_t max_bytes);
inline std::string repaired_utf8(std::string_view text) {
    return is_valid_utf8(text) ? std::string(text) : utf8_prefix(text, text.size());
}

}  // namespace citywall
