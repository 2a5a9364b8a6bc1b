#include "citywall/csv_table.hpp"

#include <algorithm>

#include "citywall/utf8.hpp"

namespace citywall {

namespace {

// Splits one CSV record (RFC 4180: a quoted field may hold commas, line ends and "" for a
// quote). The text after it, from the next line on, is left in `rest`. False: a quote is not
// closed.
bool next_record(std::string_view& rest, std::vector<std::string>& fields) {
    fields.assign(1, std::string());
    std::size_t k = 0;
    bool quoted = false;
    while (k < rest.size()) {
        const char c = rest[k++];
        if (quoted) {
            if (c != '"') {
                fields.back() += c;
            } else if (k < rest.size() && rest[k] == '"') {
                fields.back() += '"';
                ++k;
            } else {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    rest.remove_prefix(k);
    return !quoted;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

std::string listed(std::initializer_list<std::string_view> names) {
    std::string out;
    for (std::string_view name : names)
        out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

}  // namespace

Result<CsvTable> CsvTable::parse(std::string_view text, std::string_view file,
                                 std::initializer_list<std::string_view> known,
                                 std::initializer_list<std::string_view> required,
                                 std::size_t max_bytes) {
    using R = Result<CsvTable>;
    std::size_t line = 1;
    auto fail = [&](const std::string& why) {
        return R::failure(ErrorKind::invalid,
                          std::string(file) + ":" + std::to_string(line) + ": " + why);
    };
    if (text.size() > max_bytes)
        return fail("larger than " + std::to_string(max_bytes >> 20) + " MiB");
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    auto utf8 = [](const std::vector<std::string>& fields) {
        return std::all_of(fields.begin(), fields.end(),
                           [](const std::string& f) { return is_valid_utf8(f); });
    };

    CsvTable table;
    table.file_ = file;
    std::vector<std::string> fields;
    if (!next_record(text, fields)) return fail("a quote is not closed");
    if (!utf8(fields)) return fail("not UTF-8 text");
    for (const std::string& raw : fields) {
        const std::string column = trimmed(raw);
        if (std::find(known.begin(), known.end(), column) == known.end())
            return fail("unknown column '" + column + "' (" + listed(known) + ")");
        if (table.column(column) >= 0) return fail("column '" + column + "' twice");
        table.columns_.push_back(column);
    }
    for (std::string_view name : required)
        if (table.column(name) < 0)
            return fail("the first line must name the columns " + listed(required) + " (" +
                        std::string(name) + " is missing)");

    std::size_t next_line = line + 1;
    while (!text.empty()) {
        line = next_line;
        const std::string_view from = text;
        if (!next_record(text, fields)) return fail("a quote is not closed");
        // A quoted field may hold line ends: the next record starts after them.
        const std::string_view record = from.substr(0, from.size() - text.size());
        next_line = line + static_cast<std::size_t>(std::count(record.begin(), record.end(), '\n'));
        if (!utf8(fields)) return fail("not UTF-8 text");
        if (fields.size() == 1 && trimmed(fields[0]).empty()) continue;  // a blank line
        if (fields.size() != table.columns_.size())
            return fail(std::to_string(fields.size()) + " fields, the header has " +
                        std::to_string(table.columns_.size()));
        Row row{line, {}};
        row.fields.reserve(fields.size());
        for (const std::string& f : fields)
            row.fields.push_back(trimmed(f));
        table.rows_.push_back(std::move(row));
    }
    return table;
}

int CsvTable::column(std::string_view name) const {
    const auto it = std::find(columns_.begin(), columns_.end(), name);
    return it == columns_.end() ? -1 : static_cast<int>(it - columns_.begin());
}

const std::string& CsvTable::field(const Row& row, std::string_view name) const {
    static const std::string kNone;
    const int at = column(name);
    return at < 0 ? kNone : row.fields[static_cast<std::size_t>(at)];
}

Error CsvTable::error_at(const Row& row, const std::string& why) const {
    return Error{ErrorKind::invalid, file_ + ":" + std::to_string(row.line) + ": " + why};
}

}  // namespace citywall
