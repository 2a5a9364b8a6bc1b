// The .proto printer of the field tables (field_table.hpp): the wall stream's schema as a
// foreign client compiles it (schema/wall.proto, `citywall-schema`). Only the schema's printer
// needs it; the codec's users do not.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "field_table.hpp"

namespace citywall::wire::table {

template <class E>
std::string enum_prefix() {
    std::string s;
    for (char c : EnumSchema<E>::name) {
        if (c >= 'A' && c <= 'Z' && !s.empty()) s += '_';
        s += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return s;
}

struct ProtoText {
    std::string text;
    std::vector<std::string_view> written;

    bool first_time(std::string_view name) {
        if (std::find(written.begin(), written.end(), name) != written.end()) return false;
        written.push_back(name);
        return true;
    }

    template <class E>
    void enumeration() {
        if (!first_time(EnumSchema<E>::name)) return;
        const std::string prefix = enum_prefix<E>();
        std::string body;
        if (!(enum_mask<E>() & 1)) body += "  " + prefix + "_UNSPECIFIED = 0;\n";
        for (const auto& v : EnumSchema<E>::values)
            body += "  " + prefix + "_" + std::string(v.name) + " = " + std::to_string(v.number) +
                    ";\n";
        text += "enum " + std::string(EnumSchema<E>::name) + " {\n" + body + "}\n\n";
    }

    template <class F>
    static std::string type_name() {
        using V = typename F::value_type;
        if constexpr (F::type == Type::enumeration) {
            return std::string(EnumSchema<V>::name);
        } else if constexpr (F::type == Type::message) {
            return std::string(Schema<V>::name);
        } else {
            switch (F::type) {
                case Type::boolean:
                    return "bool";
                case Type::uint32:
                    return "uint32";
                case Type::uint64:
                    return "uint64";
                case Type::sfixed64:
                    return "sfixed64";
                case Type::float32:
                    return "float";
                case Type::float64:
                    return "double";
                default:
                    return "string";
            }
        }
    }

    template <Described T>
    void message() {
        if (!first_time(Schema<T>::name)) return;
        std::string body;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (
                [&] {
                    using F = FieldAt<T, I>;
                    body += std::string("  ") + (F::repeated ? "repeated " : "") + type_name<F>() +
                            " " + std::string(field_at<T, I>.name) + " = " +
                            std::to_string(field_at<T, I>.number) + ";\n";
                }(),
                ...);
        }
        (std::make_index_sequence<field_count<T>>{});
        text += "message " + std::string(Schema<T>::name) + " {\n" + body + "}\n\n";
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (
                [&] {
                    using F = FieldAt<T, I>;
                    if constexpr (F::type == Type::enumeration)
                        enumeration<typename F::value_type>();
                    if constexpr (F::type == Type::message) message<typename F::value_type>();
                }(),
                ...);
        }
        (std::make_index_sequence<field_count<T>>{});
    }
};

}  // namespace citywall::wire::table
