// A CSV file that people keep in a spreadsheet (the leaders of the areas, a drill's scenario):
// read as Excel writes it — RFC 4180 quoting (commas, "" for a quote, line ends inside quotes),
// a UTF-8 byte order mark, CRLF — with a header naming the columns in any order. Every mistake
// is refused with the file and the line it is on; nothing is guessed.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "citywall/result.hpp"

namespace citywall {

class CsvTable {
  public:
    struct Row {
        std::size_t line = 0;             // where the record starts in the file (1: the header)
        std::vector<std::string> fields;  // as many as the header's, each trimmed of blanks
    };

    // `known`: the columns the file may have; `required`: those it must have. Refused: a file
    // over `max_bytes`, text that is not UTF-8, an unclosed quote, a column not known or named
    // twice, a required one missing, a row with another number of fields than the header.
    // Blank lines are skipped.
    static Result<CsvTable> parse(std::string_view text, std::string_view file,
                                  std::initializer_list<std::string_view> known,
                                  std::initializer_list<std::string_view> required,
                                  std::size_t max_bytes);

    // The index of a column in each row's fields; -1 when the file does not have it.
    int column(std::string_view name) const;
    // A row's field of a column, empty when the file does not have the column.
    const std::string& field(const Row& row, std::string_view column) const;
    const std::vector<Row>& rows() const { return rows_; }
    // "file:line: why", for a mistake a caller finds in a row's meaning.
    Error error_at(const Row& row, const std::string& why) const;

  private:
    std::string file_;
    std::vector<std::string> columns_;
    std::vector<Row> rows_;
};

}  // namespace citywall
