// The incident's columns, walked from the wall stream's field tables (wire_schema.hpp).
#include "citywall/incident_table.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "wire_schema.hpp"

namespace citywall {

namespace {

using namespace wire::table;

template <class E>
std::string enum_word(E value) {
    for (const auto& v : EnumSchema<E>::values) {
        if (v.number != static_cast<int>(value)) continue;
        std::string word(v.name);
        for (char& c : word)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return word;
    }
    return std::to_string(static_cast<int>(value));
}

template <Type T>
constexpr ColumnType column_type() {
    switch (T) {
        case Type::boolean:
            return ColumnType::boolean;
        case Type::uint32:
        case Type::uint64:
            return ColumnType::integer;
        case Type::sfixed64:
            return ColumnType::time;  // the schema's sfixed64 fields are times
        case Type::float32:
        case Type::float64:
            return ColumnType::real;
        default:
            return ColumnType::text;
    }
}

template <Described T>
void add_columns(std::vector<Column>& columns, const std::string& prefix) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using F = FieldAt<T, I>;
                const std::string name = prefix + std::string(field_at<T, I>.name);
                if constexpr (F::repeated) {
                    columns.push_back({name, ColumnType::json});
                } else if constexpr (F::type == Type::message) {
                    add_columns<typename F::value_type>(columns, name + "_");
                } else {
                    columns.push_back({name, column_type<F::type>()});
                }
            }(),
            ...);
    }
    (std::make_index_sequence<field_count<T>>{});
}

template <class F, class V>
Cell scalar_cell(const V& value) {
    if constexpr (F::type == Type::enumeration) {
        return enum_word(value);
    } else if constexpr (F::type == Type::string) {
        return value;
    } else if constexpr (F::type == Type::boolean) {
        return value;
    } else if constexpr (F::type == Type::float32 || F::type == Type::float64) {
        return static_cast<double>(value);
    } else if constexpr (F::type == Type::sfixed64) {
        return value == 0 ? Cell{} : Cell{static_cast<std::int64_t>(value)};
    } else {
        return static_cast<std::int64_t>(value);
    }
}

template <Described T>
void write_object(rapidjson::Writer<rapidjson::StringBuffer>& w, const T& object) {
    w.StartObject();
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using F = FieldAt<T, I>;
                const auto& field = field_at<T, I>;
                const auto& value = field.path(object);
                w.Key(field.name.data(), static_cast<rapidjson::SizeType>(field.name.size()));
                if constexpr (F::repeated || F::type == Type::message) {
                    w.Null();  // not in the schema today; a nested list would go here
                } else {
                    std::visit(
                        [&](const auto& cell) {
                            using C = std::decay_t<decltype(cell)>;
                            if constexpr (std::is_same_v<C, std::monostate>) {
                                w.Null();
                            } else if constexpr (std::is_same_v<C, std::string>) {
                                w.String(cell.data(),
                                         static_cast<rapidjson::SizeType>(cell.size()));
                            } else if constexpr (std::is_same_v<C, std::int64_t>) {
                                w.Int64(cell);
                            } else if constexpr (std::is_same_v<C, double>) {
                                w.Double(cell);
                            } else {
                                w.Bool(cell);
                            }
                        },
                        scalar_cell<F>(value));
                }
            }(),
            ...);
    }
    (std::make_index_sequence<field_count<T>>{});
    w.EndObject();
}

template <Described T>
void add_cells(const T& object, std::vector<Cell>& cells) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
                using F = FieldAt<T, I>;
                const auto& value = field_at<T, I>.path(object);
                if constexpr (F::repeated) {
                    rapidjson::StringBuffer buffer;
                    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
                    w.StartArray();
                    for (const auto& element : value) {
                        if constexpr (F::type == Type::message) {
                            write_object(w, element);
                        } else {
                            w.Null();  // no repeated scalar in the schema today
                        }
                    }
                    w.EndArray();
                    cells.emplace_back(std::string(buffer.GetString(), buffer.GetSize()));
                } else if constexpr (F::type == Type::message) {
                    add_cells(value, cells);
                } else {
                    cells.push_back(scalar_cell<F>(value));
                }
            }(),
            ...);
    }
    (std::make_index_sequence<field_count<T>>{});
}

}  // namespace

const std::vector<Column>& incident_columns() {
    static const std::vector<Column> columns = [] {
        std::vector<Column> c;
        add_columns<Incident>(c, "");
        return c;
    }();
    return columns;
}

void incident_row(const Incident& incident, std::vector<Cell>& cells) {
    cells.clear();
    cells.reserve(incident_columns().size());
    add_cells(incident, cells);
}

}  // namespace citywall
