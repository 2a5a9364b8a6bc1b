#include "citywall/toml_schema.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <tuple>
#include <vector>

namespace citywall::toml_schema {

namespace {

// A key as TOML would write it: bare when it can be, quoted otherwise ("噪音扰民", "a.b").
std::string key_text(std::string_view key) {
    const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
    return bare ? std::string(key) : "\"" + std::string(key) + "\"";
}

std::string what_it_is(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "true or false";
        case toml::node_type::array:
            return "a list";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string what_is_expected(const Key& key) {
    switch (key.type) {
        case Type::string:
        case Type::endpoint:
            return "a string";
        case Type::integer:
            return "an integer";
        case Type::number:
            return "a number";
        case Type::boolean:
            return "true or false";
        case Type::strings:
            return "a list of strings";
        case Type::numbers:
            return "a list of numbers";
        case Type::string_lists:
            return "a list of lists of strings";
        case Type::string_or_strings:
            return "a string or a list of strings";
        case Type::words:
            return "a table of words";
        case Type::table:
            return "a table";
        case Type::tables:
            return "[[" + std::string(key.name) + "]] tables";
    }
    return "";
}

bool is_number(const toml::node& node) {
    return node.is_integer() || node.is_floating_point();
}

std::string joined(std::string_view section, std::string_view key) {
    if (section.empty()) return std::string(key);
    if (key.empty()) return std::string(section);
    return std::string(section) + " " + std::string(key);
}

const Key* find(std::span<const Key> keys, std::string_view name) {
    const auto key =
        std::find_if(keys.begin(), keys.end(), [&](const Key& k) { return k.name == name; });
    return key == keys.end() ? nullptr : &*key;
}

class Check {
  public:
    explicit Check(std::string_view file) : file_(file) {}

    void table(const toml::table& table, std::span<const Key> keys, const std::string& section,
               const std::string& prefix) {
        for (const auto& [name, node] : table) {
            const Key* spec = find(keys, name.str());
            const std::string path = prefix + key_text(name.str());
            if (!spec) {
                add(name.source(), section, path, "unknown key");
            } else {
                value(*spec, node, section, path);
            }
        }
    }

    // The top of the file: its sections, and a section the schema does not know named as the
    // file writes it.
    void root(const toml::table& root, std::span<const Key> sections) {
        for (const auto& [name, node] : root) {
            const Key* spec = find(sections, name.str());
            const std::string key = key_text(name.str());
            if (spec) {
                if (spec->type == Type::table && node.is_table()) {
                    table(*node.as_table(), spec->keys, "[" + key + "]", "");
                } else if (spec->type == Type::tables && node.is_array()) {
                    const auto& list = *node.as_array();
                    for (std::size_t i = 0; i < list.size(); ++i) {
                        const std::string section = "[[" + key + "]] #" + std::to_string(i + 1);
                        if (const auto* element = list[i].as_table()) {
                            table(*element, spec->keys, section, "");
                        } else {
                            mismatch("a table", list[i], section, "");
                        }
                    }
                } else {
                    value(*spec, node, "", key);
                }
            } else if (node.is_table()) {
                add(name.source(), "[" + key + "]", "", "unknown section");
            } else if (node.is_array_of_tables()) {
                add(name.source(), "[[" + key + "]]", "", "unknown section");
            } else {
                add(name.source(), "", key, "unknown key");
            }
        }
    }

    std::string report() {
        std::stable_sort(problems_.begin(), problems_.end(), [](const auto& a, const auto& b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        std::string text;
        for (const auto& p : problems_)
            text += (text.empty() ? "" : "\n") + p.message;
        return text;
    }

  private:
    struct Problem {
        std::uint32_t line, column;
        std::string message;
    };

    void add(const toml::source_region& where, std::string_view section, std::string_view key,
             std::string_view what) {
        problems_.push_back(
            {where.begin.line, where.begin.column,
             location(file_, where) + joined(section, key) + ": " + std::string(what)});
    }

    void mismatch(std::string_view expected, const toml::node& node, std::string_view section,
                  std::string_view key) {
        add(node.source(), section, key,
            "expected " + std::string(expected) + ", got " + what_it_is(node));
    }

    // Each element of an array must be `expected`, as `fits` says.
    template <class Fits>
    void elements(const toml::array& list, std::string_view expected, Fits fits,
                  std::string_view section, const std::string& key) {
        for (std::size_t i = 0; i < list.size(); ++i)
            if (!fits(list[i]))
                mismatch(expected, list[i], section, key + "[" + std::to_string(i) + "]");
    }

    void value(const Key& spec, const toml::node& node, const std::string& section,
               const std::string& key) {
        const auto* list = node.as_array();
        const auto is_string = [](const toml::node& n) { return n.is_string(); };
        switch (spec.type) {
            case Type::string:
                if (!node.is_string()) mismatch(what_is_expected(spec), node, section, key);
                return;
            case Type::integer:
                if (!node.is_integer()) mismatch(what_is_expected(spec), node, section, key);
                return;
            case Type::number:
                if (!is_number(node)) mismatch(what_is_expected(spec), node, section, key);
                return;
            case Type::boolean:
                if (!node.is_boolean()) mismatch(what_is_expected(spec), node, section, key);
                return;
            case Type::endpoint:
                if (!node.is_string()) {
                    mismatch(what_is_expected(spec), node, section, key);
                } else if (const auto& text = node.as_string()->get();
                           !text.empty() && !is_zmq_endpoint(text)) {
                    add(node.source(), section, key,
                        "\"" + text +
                            "\" is not a ZeroMQ endpoint (tcp://host:port, ipc://path or "
                            "inproc://name)");
                }
                return;
            case Type::strings:
                if (!list) return mismatch(what_is_expected(spec), node, section, key);
                return elements(*list, "a string", is_string, section, key);
            case Type::numbers:
                if (!list) return mismatch(what_is_expected(spec), node, section, key);
                return elements(*list, "a number", is_number, section, key);
            case Type::string_lists:
                if (!list) return mismatch(what_is_expected(spec), node, section, key);
                for (std::size_t i = 0; i < list->size(); ++i) {
                    const std::string element = key + "[" + std::to_string(i) + "]";
                    if (const auto* inner = (*list)[i].as_array()) {
                        elements(*inner, "a string", is_string, section, element);
                    } else {
                        mismatch("a list of strings", (*list)[i], section, element);
                    }
                }
                return;
            case Type::string_or_strings:
                if (node.is_string()) return;
                if (!list) return mismatch(what_is_expected(spec), node, section, key);
                return elements(*list, "a string", is_string, section, key);
            case Type::words:
                if (const auto* words = node.as_table()) {
                    for (const auto& [word, meaning] : *words)
                        if (!meaning.is_string() && !meaning.is_integer())
                            mismatch("a string or an integer", meaning, section,
                                     key + "." + key_text(word.str()));
                } else {
                    mismatch(what_is_expected(spec), node, section, key);
                }
                return;
            case Type::table:
                if (const auto* inner = node.as_table()) {
                    table(*inner, spec.keys, section, key + ".");
                } else {
                    mismatch(what_is_expected(spec), node, section, key);
                }
                return;
            case Type::tables:
                if (!list) return mismatch(what_is_expected(spec), node, section, key);
                for (std::size_t i = 0; i < list->size(); ++i) {
                    const std::string element = key + "[" + std::to_string(i) + "]";
                    if (const auto* inner = (*list)[i].as_table()) {
                        table(*inner, spec.keys, section, element + ".");
                    } else {
                        mismatch("a table", (*list)[i], section, element);
                    }
                }
                return;
        }
    }

    std::string_view file_;
    std::vector<Problem> problems_;
};

}  // namespace

std::string location(std::string_view file, const toml::source_region& source) {
    const auto line = source.begin.line;
    if (line == 0) return file.empty() ? std::string() : std::string(file) + ": ";
    if (file.empty()) return "line " + std::to_string(line) + ": ";
    return std::string(file) + ":" + std::to_string(line) + ": ";
}

std::string check(const toml::table& root, std::span<const Key> sections, std::string_view file) {
    Check check(file);
    check.root(root, sections);
    return check.report();
}

std::string problem(std::string_view file, const toml::node* table, std::string_view section,
                    std::string_view key, std::string_view what) {
    const toml::node* node = nullptr;
    if (const auto* t = table ? table->as_table() : nullptr; t && !key.empty()) node = t->get(key);
    if (!node) node = table;
    const toml::source_region nowhere{};
    const auto subject = joined(section, key.empty() ? std::string() : key_text(key));
    return location(file, node ? node->source() : nowhere) +
           (subject.empty() ? std::string() : subject + ": ") + std::string(what);
}

bool is_zmq_endpoint(std::string_view endpoint) {
    const auto has = [&](std::string_view scheme) {
        if (!endpoint.starts_with(scheme)) return false;
        endpoint.remove_prefix(scheme.size());
        return true;
    };
    const auto printable = [](std::string_view s) {
        return !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
            return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
        });
    };
    if (has("ipc://") || has("inproc://")) return printable(endpoint);
    if (!has("tcp://")) return false;
    const auto colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return false;
    const auto host = endpoint.substr(0, colon), port = endpoint.substr(colon + 1);
    if (!printable(host) || host.find('/') != std::string_view::npos) return false;
    unsigned number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    return !port.empty() && error == std::errc() && end == port.data() + port.size() &&
           number >= 1 && number <= 65535;
}

namespace {

void collect_files(toml::table& table, std::span<const Key> keys, const std::string& where,
                   std::vector<FileValue>& out) {
    for (const Key& key : keys) {
        toml::node* node = table.get(key.name);
        if (!node) continue;
        if (key.file != FileRole::none) {
            if (auto* text = node->as_string())
                out.push_back({&table, key.name, text, key.file, where + std::string(key.name)});
            continue;
        }
        if (key.type == Type::table) {
            if (auto* inner = node->as_table())
                collect_files(*inner, key.keys, where + "[" + std::string(key.name) + "] ", out);
        } else if (key.type == Type::tables) {
            if (auto* list = node->as_array())
                for (std::size_t k = 0; k < list->size(); ++k)
                    if (auto* inner = list->get(k)->as_table())
                        collect_files(*inner, key.keys,
                                      where + "[[" + std::string(key.name) + "]] #" +
                                          std::to_string(k + 1) + " ",
                                      out);
        }
    }
}

}  // namespace

std::vector<FileValue> file_values(toml::table& root, std::span<const Key> sections) {
    std::vector<FileValue> out;
    collect_files(root, sections, "", out);
    return out;
}

}  // namespace citywall::toml_schema
