// What a TOML configuration file may hold, declared once per program as a table of sections
// with their keys and the type each value must have, and the check of a parsed file against it.
// A key or section the table does not know, or a value of the wrong type, is a mistake in the
// file: the check names the file, the line and the key, so a typo never quietly becomes a default.
#pragma once

#include <toml++/toml.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace citywall::toml_schema {

enum class Type {
    string,
    integer,
    number,  // a float; an integer is taken as one (distance_m = 150)
    boolean,
    endpoint,           // a string: "" (none) or a ZeroMQ endpoint, see is_zmq_endpoint()
    strings,            // an array of strings
    numbers,            // an array of numbers (integers or floats)
    string_lists,       // an array of arrays of strings
    string_or_strings,  // one string or an array of them
    words,              // a table whose keys are free words (a department's own categories)
                        // and whose values are strings or integers
    table,              // a table with the keys in `keys`
    tables,             // an array of tables with the keys in `keys` ([[department]])
};

// What a string value naming a file is to the program, for a drill package (docs/drills.md,
// "Drill packages"), which must carry a config to another centre: the files that make the
// city's picture go with it, the centre's own keys and places stay behind.
enum class FileRole {
    none,      // not a file
    map,       // read to draw or place the city (a layer, areas, leaders, a palette): packaged
    key,       // a CURVE key file: the centre's own, never packaged; the receiver gives its own
    output,    // where the program writes (a journal, a dead letter): the receiver's own folder
    local,     // a file of this machine (a system font, the live city's config): left out
    key_text,  // not a file: a public key written in the config; the receiver's file instead
};

struct Key {
    std::string_view name;
    Type type;
    std::span<const Key> keys = {};  // table and tables: the keys inside
    FileRole file = FileRole::none;  // a string naming a file: what it is (see FileRole)
};

// A file a config names: its value in the parsed file, which may be rewritten in place.
struct FileValue {
    toml::table* table;  // the table holding it
    std::string_view key;
    toml::value<std::string>* value;
    FileRole role;
    std::string where;  // "[[layer]] #2 source", for messages
};
// Every value of `root` whose key `sections` marks as a file, in the file's order of sections.
std::vector<FileValue> file_values(toml::table& root, std::span<const Key> sections);

// Every mistake in `root` against `sections` (the keys allowed at the top of the file), one a
// line in the order of the file: "FILE:LINE: [section] key: what". Empty when there is none.
// `file` names the file in the messages; empty: "line LINE: …".
std::string check(const toml::table& root, std::span<const Key> sections, std::string_view file);

// A message in the check's form about a value the schema lets through but the program cannot
// use (out of range, not one of the choices): "FILE:LINE: SECTION KEY: WHAT". The line is that of
// `key` in `table`, else of `table`, else none is given; `section` is "[ingest]",
// "[[department]] #2", or "" at the top of the file.
std::string problem(std::string_view file, const toml::node* table, std::string_view section,
                    std::string_view key, std::string_view what);

// "FILE:LINE: " ("line LINE: " without a file name, "FILE: " without a line).
std::string location(std::string_view file, const toml::source_region& source);

// tcp://host:port (host a name, an address, [IPv6] or *; port 1..65535), ipc://path or
// inproc://name: the endpoints ingest binds and connects.
bool is_zmq_endpoint(std::string_view endpoint);

}  // namespace citywall::toml_schema
