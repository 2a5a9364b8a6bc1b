// The field table: each message of the wall stream is declared once, as a constexpr list of
// fields (number, name, member), in wire_schema.hpp. One encoder and one decoder (here) and one
// .proto printer (field_proto.hpp) walk that list at compile time; nothing else knows a field.
// The bytes are the Protocol Buffers wire format, so a foreign client compiles the printed
// .proto with its own protobuf library and reads the stream without knowing any byte layout
// (docs/protocol.md).
//
// Proto3 rules: a field whose value is zero (0, false, "", no elements, a message of zeros) is
// left out, and a field that is absent reads as zero. The decoder therefore starts every
// message from zero, not from the C++ defaults (a unit's unknown heading, -1, is sent; 0 is
// not). Unknown fields are skipped, so a newer writer's additions do not break an older reader.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "citywall/utf8.hpp"

namespace citywall::wire::table {

static_assert(std::endian::native == std::endian::little, "the codec assumes a little-endian host");

enum class Type : std::uint8_t {
    boolean,
    enumeration,
    uint32,
    uint64,
    sfixed64,  // times (milliseconds since the epoch): eight bytes read at once beat a varint
    float32,
    float64,
    string,
    message,
};

// Schema<T>: `name`, `fields` (a tuple of field(...)), and optionally
// `static const char* check(const T&)`, which names what is wrong with a decoded value (a
// location outside the globe) or returns nullptr.
template <class T>
struct Schema;
// EnumSchema<E>: `name` and `values` ({name, number}, numbers 0..63).
template <class E>
struct EnumSchema;
template <class T>
concept Described = requires {
    Schema<T>::fields;
};

struct EnumValue {
    std::string_view name;
    int number;
};

template <class T>
struct ElementOf {
    using type = void;
};
template <class T, class A>
struct ElementOf<std::vector<T, A>> {
    using type = T;
};

template <class M>
constexpr Type type_of() {
    if constexpr (std::is_same_v<M, bool>) {
        return Type::boolean;
    } else if constexpr (std::is_enum_v<M>) {
        return Type::enumeration;
    } else if constexpr (std::is_same_v<M, float>) {
        return Type::float32;
    } else if constexpr (std::is_same_v<M, double>) {
        return Type::float64;
    } else if constexpr (std::is_same_v<M, std::string>) {
        return Type::string;
    } else if constexpr (std::is_same_v<M, std::int64_t>) {
        return Type::sfixed64;
    } else if constexpr (std::is_same_v<M, std::uint64_t>) {
        return Type::uint64;
    } else if constexpr (std::is_unsigned_v<M> && sizeof(M) <= 4) {
        return Type::uint32;
    } else {
        static_assert(Described<M>, "no wire type for this member: declare Schema<M>");
        return Type::message;
    }
}

// Where a field lives: a member, or a member of a member (a location's lon and lat, and the
// codes and names of its grid path, are fields of the incident itself: nested messages cost a
// length and a bounds check each, and an incident would have seven).
template <class O, class M>
struct Member {
    M O::*m;
    constexpr M& operator()(O& o) const { return o.*m; }
    constexpr const M& operator()(const O& o) const { return o.*m; }
};
template <class O, class Mid, class M>
struct NestedMember {
    Mid O::*outer;
    M Mid::*inner;
    constexpr M& operator()(O& o) const { return (o.*outer).*inner; }
    constexpr const M& operator()(const O& o) const { return (o.*outer).*inner; }
};

template <class O, class A, class B, class M>
struct DeepMember {
    A O::*a;
    B A::*b;
    M B::*m;
    constexpr M& operator()(O& o) const { return ((o.*a).*b).*m; }
    constexpr const M& operator()(const O& o) const { return ((o.*a).*b).*m; }
};

// Elements of one repeated field a decoder accepts; a message is at most 64 MiB, but a forged
// run of tiny elements must not make it allocate gigabytes.
inline constexpr std::uint32_t kDefaultMaxCount = 1u << 16;
inline constexpr std::uint32_t kMaxString = 1u << 20;

template <class V, Type T, bool Repeated, class Path>
struct Field {
    using value_type = V;  // the element's type for a repeated field
    static constexpr Type type = T;
    static constexpr bool repeated = Repeated;
    std::uint32_t number;
    std::string_view name;
    Path path;
    std::uint32_t max_count = kDefaultMaxCount;

    constexpr Field max(std::uint32_t n) const { return {number, name, path, n}; }
};

template <class M, class P>
constexpr auto make_field(std::uint32_t number, std::string_view name, P path) {
    if constexpr (!std::is_void_v<typename ElementOf<M>::type>) {
        using E = typename ElementOf<M>::type;
        return Field<E, type_of<E>(), true, P>{number, name, path};
    } else {
        return Field<M, type_of<M>(), false, P>{number, name, path};
    }
}
template <class O, class M>
constexpr auto field(std::uint32_t number, std::string_view name, M O::*m) {
    return make_field<M>(number, name, Member<O, M>{m});
}
template <class O, class Mid, class M>
constexpr auto field(std::uint32_t number, std::string_view name, Mid O::*outer, M Mid::*inner) {
    return make_field<M>(number, name, NestedMember<O, Mid, M>{outer, inner});
}

template <class O, class A, class B, class M>
constexpr auto field(std::uint32_t number, std::string_view name, A O::*a, B A::*b, M B::*m) {
    return make_field<M>(number, name, DeepMember<O, A, B, M>{a, b, m});
}

template <class T>
constexpr std::size_t field_count = std::tuple_size_v<std::decay_t<decltype(Schema<T>::fields)>>;
template <class T, std::size_t I>
constexpr const auto& field_at = std::get<I>(Schema<T>::fields);
template <class T, std::size_t I>
using FieldAt = std::decay_t<decltype(field_at<T, I>)>;

template <class T>
constexpr bool numbers_valid() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        std::array<std::uint32_t, sizeof...(I)> n{field_at<T, I>.number...};
        for (std::size_t i = 0; i < n.size(); ++i) {
            if (n[i] == 0 || n[i] > 536870911 || (n[i] >= 19000 && n[i] <= 19999)) return false;
            for (std::size_t j = 0; j < i; ++j)
                if (n[i] == n[j]) return false;
        }
        return true;
    }
    (std::make_index_sequence<field_count<T>>{});
}

template <class E>
constexpr std::uint64_t enum_mask() {
    std::uint64_t mask = 0;
    for (const auto& v : EnumSchema<E>::values)
        mask |= std::uint64_t{1} << v.number;
    return mask;
}

// ------------------------------------------------------------------------- wire primitives

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };

constexpr std::uint32_t wire_type(Type t) {
    switch (t) {
        case Type::float64:
        case Type::sfixed64:
            return kFixed64;
        case Type::float32:
            return kFixed32;
        case Type::string:
        case Type::message:
            return kLength;
        default:
            return kVarint;
    }
}
constexpr std::size_t varint_size(std::uint64_t v) {
    return static_cast<std::size_t>((std::bit_width(v | 1) + 6) / 7);
}
inline char* put_varint(char* p, std::uint64_t v) {
    while (v >= 0x80) {
        *p++ = static_cast<char>(v | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
}

struct Tag {
    std::array<char, 5> bytes{};
    std::size_t size = 0;
};
constexpr Tag make_tag(std::uint32_t number, std::uint32_t wire) {
    Tag t;
    std::uint64_t v = (std::uint64_t{number} << 3) | wire;
    while (v >= 0x80) {
        t.bytes[t.size++] = static_cast<char>(v | 0x80);
        v >>= 7;
    }
    t.bytes[t.size++] = static_cast<char>(v);
    return t;
}
template <class T, std::size_t I>
constexpr Tag tag_at = make_tag(field_at<T, I>.number, wire_type(FieldAt<T, I>::type));
template <class T, std::size_t I>
constexpr std::uint64_t key_at = (std::uint64_t{field_at<T, I>.number} << 3) |
                                 wire_type(FieldAt<T, I>::type);

// A scalar as the varint or fixed bits it is written as. Zero bits: the field is left out.
template <Type T, class V>
constexpr std::uint64_t scalar_bits(const V& v) {
    if constexpr (T == Type::float64 || T == Type::sfixed64) {
        return static_cast<std::uint64_t>(std::bit_cast<std::uint64_t>(v));
    } else if constexpr (T == Type::float32) {
        return std::bit_cast<std::uint32_t>(v);
    } else if constexpr (std::is_enum_v<V>) {
        return static_cast<std::uint64_t>(static_cast<std::underlying_type_t<V>>(v));
    } else {
        return static_cast<std::uint64_t>(v);
    }
}

// ------------------------------------------------------------------------- encoder
// Two passes: the first computes each nested message's length (pre-order, into `lengths`), the
// second writes into a buffer of exactly the right size.

struct Lengths {
    std::vector<std::uint32_t> sizes;
    std::size_t next = 0;
};

template <Described T>
std::size_t body_size(const T& value, Lengths& lengths);

template <class F, class V>
std::size_t value_size(const V& v, Lengths& lengths) {
    if constexpr (F::type == Type::string) {
        return varint_size(v.size()) + v.size();
    } else if constexpr (F::type == Type::float64 || F::type == Type::sfixed64) {
        return 8;
    } else if constexpr (F::type == Type::float32) {
        return 4;
    } else if constexpr (F::type == Type::message) {
        const std::size_t slot = lengths.sizes.size();
        lengths.sizes.push_back(0);
        const std::size_t n = body_size<typename F::value_type>(v, lengths);
        lengths.sizes[slot] = static_cast<std::uint32_t>(n);
        return varint_size(n) + n;
    } else {
        return varint_size(scalar_bits<F::type>(v));
    }
}

template <class T, std::size_t I>
std::size_t field_size(const T& object, Lengths& lengths) {
    using F = FieldAt<T, I>;
    constexpr std::size_t tag = tag_at<T, I>.size;
    const auto& m = field_at<T, I>.path(object);
    if constexpr (F::repeated) {
        std::size_t s = m.size() * tag;
        for (const auto& e : m)
            s += value_size<F>(e, lengths);
        return s;
    } else if constexpr (F::type == Type::message) {
        const std::size_t slot = lengths.sizes.size();
        const std::size_t s = value_size<F>(m, lengths);
        if (lengths.sizes[slot] == 0) {  // all zeros: left out, and so are its children
            lengths.sizes.resize(slot + 1);
            return 0;
        }
        return tag + s;
    } else if constexpr (F::type == Type::string) {
        return m.empty() ? 0 : tag + value_size<F>(m, lengths);
    } else {
        return scalar_bits<F::type>(m) == 0 ? 0 : tag + value_size<F>(m, lengths);
    }
}

template <Described T>
std::size_t body_size(const T& value, Lengths& lengths) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return (field_size<T, I>(value, lengths) + ... + 0);
    }
    (std::make_index_sequence<field_count<T>>{});
}

template <Described T>
char* write_body(char* p, const T& value, Lengths& lengths);

template <class F, class V>
char* write_value(char* p, const V& v, Lengths& lengths) {
    if constexpr (F::type == Type::string) {
        p = put_varint(p, v.size());
        std::memcpy(p, v.data(), v.size());
        return p + v.size();
    } else if constexpr (F::type == Type::float64 || F::type == Type::float32 ||
                         F::type == Type::sfixed64) {
        std::memcpy(p, &v, sizeof v);
        return p + sizeof v;
    } else if constexpr (F::type == Type::message) {
        p = put_varint(p, lengths.sizes[lengths.next++]);
        return write_body<typename F::value_type>(p, v, lengths);
    } else {
        return put_varint(p, scalar_bits<F::type>(v));
    }
}

template <class T, std::size_t I>
char* write_field(char* p, const T& object, Lengths& lengths) {
    using F = FieldAt<T, I>;
    static constexpr Tag tag = tag_at<T, I>;
    const auto& m = field_at<T, I>.path(object);
    auto put_tag = [&] {
        std::memcpy(p, tag.bytes.data(), tag.size);
        p += tag.size;
    };
    if constexpr (F::repeated) {
        for (const auto& e : m) {
            put_tag();
            p = write_value<F>(p, e, lengths);
        }
    } else if constexpr (F::type == Type::message) {
        if (lengths.sizes[lengths.next] != 0) {
            put_tag();
            p = write_value<F>(p, m, lengths);
        } else {
            ++lengths.next;
        }
    } else if constexpr (F::type == Type::string) {
        if (!m.empty()) {
            put_tag();
            p = write_value<F>(p, m, lengths);
        }
    } else if (scalar_bits<F::type>(m) != 0) {
        put_tag();
        p = write_value<F>(p, m, lengths);
    }
    return p;
}

template <Described T>
char* write_body(char* p, const T& value, Lengths& lengths) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((p = write_field<T, I>(p, value, lengths)), ...);
    }
    (std::make_index_sequence<field_count<T>>{});
    return p;
}

// Appends `value` to `out` as field `number` of an enclosing message.
template <Described T>
void append_field(std::string& out, std::uint32_t number, const T& value) {
    thread_local Lengths lengths;
    lengths.sizes.clear();
    lengths.next = 0;
    const std::size_t n = body_size(value, lengths);
    const Tag tag = make_tag(number, kLength);
    const std::size_t at = out.size();
    out.resize(at + tag.size + varint_size(n) + n);
    char* p = out.data() + at;
    std::memcpy(p, tag.bytes.data(), tag.size);
    p = put_varint(p + tag.size, n);
    write_body(p, value, lengths);
}

// Appends the fields of `value` whose number `keep(number)` accepts, as the body of a message
// would hold them (a store keeps the fields it does not pack itself this way).
template <Described T, class Keep>
void append_fields_if(std::string& out, const T& value, Keep keep) {
    thread_local Lengths lengths;
    lengths.sizes.clear();
    lengths.next = 0;
    const std::size_t n = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ((keep(field_at<T, I>.number) ? field_size<T, I>(value, lengths) : 0) + ... + 0);
    }
    (std::make_index_sequence<field_count<T>>{});
    if (n == 0) return;
    const std::size_t at = out.size();
    out.resize(at + n);
    char* p = out.data() + at;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((p = keep(field_at<T, I>.number) ? write_field<T, I>(p, value, lengths) : p), ...);
    }
    (std::make_index_sequence<field_count<T>>{});
}

inline void append_varint_field(std::string& out, std::uint32_t number, std::uint64_t value) {
    const Tag tag = make_tag(number, kVarint);
    out.append(tag.bytes.data(), tag.size);
    char bytes[10];
    out.append(bytes, put_varint(bytes, value));
}

// ------------------------------------------------------------------------- decoder
// Safe for hostile input: every read is checked against the end of its enclosing message;
// varints over ten bytes or 64 bits, enum values not in the table, numbers beyond the member's
// range, strings over kMaxString and repeated fields over their max_count are refused. Text is
// not checked for UTF-8 here: it costs as much as the rest of decoding a Chinese snapshot, and
// the stream's text was checked where it entered ingest (repair_text() is for text passed on).
// Depth is bounded by the schema (no message contains itself). A known field number with another
// wire type is skipped as unknown, as libprotobuf does.

using Byte = std::uint8_t;

[[gnu::always_inline]] inline bool read_varint(const Byte*& p, const Byte* end,
                                               std::uint64_t& out) {
    if (p < end && *p < 0x80) [[likely]] {
        out = *p++;
        return true;
    }
    if (end - p >= 2 && p[1] < 0x80) {  // the keys of fields 16 to 2047, lengths under 16 KiB
        out = (p[0] & 0x7fu) | (std::uint64_t{p[1]} << 7);
        p += 2;
        return true;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < 10; ++i) {
        if (p == end) return false;
        const Byte b = *p++;
        if (i == 9 && b > 1) return false;
        v |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
        if (b < 0x80) {
            out = v;
            return true;
        }
    }
    return false;
}

inline bool skip_value(std::uint32_t wire, const Byte*& p, const Byte* end) {
    std::uint64_t n = 0;
    switch (wire) {
        case kVarint:
            return read_varint(p, end, n);
        case kFixed64:
            n = 8;
            break;
        case kFixed32:
            n = 4;
            break;
        case kLength:
            if (!read_varint(p, end, n)) return false;
            break;
        default:
            return false;  // groups and the wire types protobuf never defined
    }
    if (n > static_cast<std::uint64_t>(end - p)) return false;
    p += n;
    return true;
}

// Sets every field of the table to zero (keeping the strings' and vectors' capacity).
template <Described T>
void zero(T& value);

template <class T, std::size_t I>
void zero_field(T& object) {
    using F = FieldAt<T, I>;
    auto& m = field_at<T, I>.path(object);
    if constexpr (F::repeated || F::type == Type::string) {
        m.clear();
    } else if constexpr (F::type == Type::message) {
        zero(m);
    } else {
        m = typename F::value_type{};
    }
}

template <Described T>
void zero(T& value) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (zero_field<T, I>(value), ...);
    }
    (std::make_index_sequence<field_count<T>>{});
}

// zero() for the fields whose number `keep(number)` accepts.
template <Described T, class Keep>
void zero_if(T& value, Keep keep) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((keep(field_at<T, I>.number) ? zero_field<T, I>(value) : void()), ...);
    }
    (std::make_index_sequence<field_count<T>>{});
}

// zero() for a value just constructed, whose text and lists are empty already.
template <Described T>
void zero_scalars(T& value) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using F = FieldAt<T, I>;
                auto& m = field_at<T, I>.path(value);
                if constexpr (F::type == Type::message && !F::repeated) {
                    zero_scalars(m);
                } else if constexpr (F::type != Type::string && !F::repeated &&
                                     F::type != Type::message) {
                    m = typename F::value_type{};
                }
            }(),
            ...);
    }
    (std::make_index_sequence<field_count<T>>{});
}

template <Described T>
bool decode_body(const Byte*& p, const Byte* end, T& value, const char*& why);

template <class F, class V>
bool decode_value(const Byte*& p, const Byte* end, V& v, const char*& why) {
    if constexpr (F::type == Type::float64 || F::type == Type::float32 ||
                  F::type == Type::sfixed64) {
        if (static_cast<std::size_t>(end - p) < sizeof v) return false;
        std::memcpy(&v, p, sizeof v);
        p += sizeof v;
        return true;
    } else if constexpr (F::type == Type::string || F::type == Type::message) {
        std::uint64_t n = 0;
        if (!read_varint(p, end, n) || n > static_cast<std::uint64_t>(end - p)) return false;
        if constexpr (F::type == Type::string) {
            if (n > kMaxString) {
                why = "string too long";
                return false;
            }
            v.assign(reinterpret_cast<const char*>(p), n);
            p += n;
            return true;
        } else {
            const Byte* sub_end = p + n;
            return decode_body(p, sub_end, v, why) && p == sub_end;
        }
    } else {
        std::uint64_t u = 0;
        if (!read_varint(p, end, u)) return false;
        if constexpr (F::type == Type::boolean) {
            v = u != 0;
        } else if constexpr (F::type == Type::enumeration) {
            if (u >= 64 || !((enum_mask<V>() >> u) & 1)) {
                why = "value out of range";
                return false;
            }
            v = static_cast<V>(u);
        } else if constexpr (F::type == Type::uint32) {
            if (u > std::numeric_limits<V>::max()) {
                why = "value out of range";
                return false;
            }
            v = static_cast<V>(u);
        } else {
            v = static_cast<V>(u);
        }
        return true;
    }
}

template <class T, std::size_t I>
bool decode_field(const Byte*& p, const Byte* end, T& object, const char*& why) {
    using F = FieldAt<T, I>;
    auto& m = field_at<T, I>.path(object);
    if constexpr (F::repeated) {
        if (m.size() >= field_at<T, I>.max_count) {
            why = "too many elements";
            return false;
        }
        if constexpr (F::type == Type::message) {
            // A long run (a chunk's incidents) is reserved once, guessed from its first
            // element's size; a short one (an incident's sources) grows as it goes.
            if (m.empty() && m.capacity() < 16 && end - p >= 4096) {
                const Byte* q = p;
                std::uint64_t n = 0;
                if (read_varint(q, end, n) && n <= static_cast<std::uint64_t>(end - q)) {
                    const std::uint64_t each = n + static_cast<std::uint64_t>(q - p) + 2;
                    const std::uint64_t guess = static_cast<std::uint64_t>(end - p) / each * 5 / 4;
                    m.reserve(static_cast<std::size_t>(
                        std::min<std::uint64_t>(guess + 1, field_at<T, I>.max_count)));
                }
            }
            // A short run (an incident's areas) is counted first: the elements are moved, each
            // with its strings, on every growth, and five areas would grow it four times.
            if (m.empty() && m.capacity() == 0) {
                const std::uint64_t key = std::uint64_t{field_at<T, I>.number} << 3 | 2;
                const Byte* q = p;
                std::size_t count = 0;
                for (std::uint64_t n = 0, next = 0; count < 64; ++count) {
                    if (!read_varint(q, end, n) || n > static_cast<std::uint64_t>(end - q)) break;
                    q += n;
                    const Byte* after = q;
                    if (!read_varint(after, end, next) || next != key) {
                        ++count;
                        break;
                    }
                    q = after;
                }
                if (count > 1) m.reserve(std::min<std::size_t>(count, field_at<T, I>.max_count));
            }
            auto& element = m.emplace_back();
            zero_scalars(element);
            return decode_value<F>(p, end, element, why);
        } else {
            return decode_value<F>(p, end, m.emplace_back(), why);
        }
    } else {
        return decode_value<F>(p, end, m, why);
    }
}

// Reads the next key; false at the end of the message or on a malformed key (then `bad`).
[[gnu::always_inline]] inline bool next_key(const Byte*& p, const Byte* end, std::uint64_t& key,
                                            bool& bad) {
    if (p == end) return false;
    if (!read_varint(p, end, key) || key > 0xffffffffu || (key >> 3) == 0) {
        bad = true;
        return false;
    }
    return true;
}

// The decoder's loop is flattened (every field's read inlined into it) for speed. A sanitizer
// build is never timed, and its instrumented code flattened took over 20 minutes to compile
// (wire.cpp under ASan and UBSan, 2 cores) against 3.5 minutes not flattened: there it is not.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CITYWALL_FLATTEN
#else
#define CITYWALL_FLATTEN [[gnu::flatten]]
#endif

template <Described T>
CITYWALL_FLATTEN bool decode_body(const Byte*& p, const Byte* end, T& value, const char*& why) {
    static_assert(numbers_valid<T>(), "field numbers: unique, 1..2^29-1, not 19000-19999");
    std::uint64_t key = 0;
    bool bad = false;
    bool have = next_key(p, end, key, bad);
    bool ok = true;
    // Our encoder writes the fields in the table's order: read them in that order, each with
    // one comparison, and fall back to looking a field up only for what comes out of order.
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                while (ok && have && key == key_at<T, I>) {
                    ok = decode_field<T, I>(p, end, value, why);
                    if (ok) have = next_key(p, end, key, bad);
                    if constexpr (!FieldAt<T, I>::repeated) break;
                }
            }(),
            ...);
    }
    (std::make_index_sequence<field_count<T>>{});
    while (ok && have) {
        int read = -1;  // -1: not in the table, then skipped
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (void)((key == key_at<T, I> ? (read = decode_field<T, I>(p, end, value, why), true)
                                        : false) ||
                   ...);
        }
        (std::make_index_sequence<field_count<T>>{});
        if (read == 0) return false;
        if (read < 0 && !skip_value(static_cast<std::uint32_t>(key & 7), p, end)) return false;
        have = next_key(p, end, key, bad);
    }
    if (!ok || bad) return false;
    if constexpr (requires { Schema<T>::check(value); }) {
        if (const char* wrong = Schema<T>::check(value)) {
            why = wrong;
            return false;
        }
    }
    return true;
}

// Replaces what is not UTF-8 in every text field by '?' (text decoded from an older version,
// which did not check it). True if anything was replaced.
template <Described T>
bool repair_text(T& value) {
    bool repaired = false;
    auto repair = [&]<class F>(auto& m) {
        if constexpr (F::type == Type::string) {
            if (!is_valid_utf8(m)) {
                m = repaired_utf8(m);
                repaired = true;
            }
        } else if constexpr (F::type == Type::message) {
            repaired = repair_text(m) || repaired;
        }
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using F = FieldAt<T, I>;
                auto& m = field_at<T, I>.path(value);
                if constexpr (F::repeated) {
                    for (auto& e : m)
                        repair.template operator()<F>(e);
                } else {
                    repair.template operator()<F>(m);
                }
            }(),
            ...);
    }
    (std::make_index_sequence<field_count<T>>{});
    return repaired;
}

}  // namespace citywall::wire::table
