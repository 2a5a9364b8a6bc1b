// The incident as one flat row of named columns, for tables outside citywall (an export to
// GeoPackage, CSV or GeoJSON that QGIS or a spreadsheet opens). The columns are the wall
// stream's schema (core/src/wire_schema.hpp) in its order and with its field names: a field
// added there is a column here, with nothing to add. A field holding one message becomes its
// fields' columns with the field's name as prefix (provenance_centre); a repeated field is one
// JSON column (sources).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "citywall/incident.hpp"

namespace citywall {

enum class ColumnType : std::uint8_t {
    text,
    json,     // a JSON array of objects, as text
    integer,  // up to 64 bits
    real,
    boolean,
    time,  // milliseconds since the epoch (UTC); 0 is no time, a null cell
};

struct Column {
    std::string name;
    ColumnType type;
};

// Null, text (text and json), an integer or a time, a real, a boolean.
using Cell = std::variant<std::monostate, std::string, std::int64_t, double, bool>;

// Every column of an incident, in schema order.
const std::vector<Column>& incident_columns();
// The incident's cells, one per column of incident_columns(). An enumeration's cell is its
// value's name in lower case ("critical", "on_scene").
void incident_row(const Incident& incident, std::vector<Cell>& cells);

}  // namespace citywall
