// RFC 4180 CSV parsing: comma separated, fields optionally double-quoted,
// a quote inside a quoted field written as two quotes, quoted fields may hold
// commas, CR and LF. Records end with CRLF or LF. A UTF-8 byte-order mark at
// the start is skipped. Strict: anything else is an error naming the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace rigor {

struct CsvRecord {
  int line = 0;                     // 1-based physical line where the record starts
  std::vector<std::string> fields;  // unquoted field values
};

struct CsvTable {
  std::vector<std::string> header;  // the first record
  std::vector<CsvRecord> rows;      // every later record; each has header.size() fields
};

struct CsvError {
  int line = 0;         // 1-based physical line of the offending character or record
  std::string message;  // what is wrong there, e.g. "unterminated quoted field"
};

// Parses a whole CSV document whose first record is the header. Errors:
// an unterminated quote, a character after a closing quote other than a comma
// or a line end, a quote inside an unquoted field, a stray CR, a record whose
// field count differs from the header's, an empty document. Blank lines
// between records are errors too (they would be one-field records), except
// trailing line ends at the very end of the document. Pure; thread-safe.
tl::expected<CsvTable, CsvError> parse_csv(std::string_view text);

}  // namespace rigor
