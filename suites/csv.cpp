#include "suites/csv.h"

#include <fmt/format.h>

namespace rigor {
namespace {

// Reads one record starting at pos; advances pos past its line end.
tl::expected<CsvRecord, CsvError> read_record(std::string_view text, size_t& pos, int& line) {
  CsvRecord rec;
  rec.line = line;
  std::string field;
  for (;;) {
    field.clear();
    if (pos < text.size() && text[pos] == '"') {
      const int open_line = line;
      ++pos;
      for (;;) {
        if (pos >= text.size()) {
          return tl::unexpected(CsvError{open_line, "unterminated quoted field"});
        }
        char c = text[pos++];
        if (c == '"') {
          if (pos < text.size() && text[pos] == '"') {
            field.push_back('"');
            ++pos;
            continue;
          }
          break;
        }
        if (c == '\n') ++line;
        field.push_back(c);
      }
      if (pos < text.size() && text[pos] != ',' && text[pos] != '\n' &&
          !(text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n')) {
        return tl::unexpected(CsvError{line, "unexpected character after closing quote"});
      }
    } else {
      while (pos < text.size() && text[pos] != ',' && text[pos] != '\n') {
        char c = text[pos];
        if (c == '"') {
          return tl::unexpected(CsvError{line, "quote inside an unquoted field"});
        }
        if (c == '\r') {
          if (pos + 1 < text.size() && text[pos + 1] == '\n') break;
          return tl::unexpected(CsvError{line, "carriage return not followed by line feed"});
        }
        field.push_back(c);
        ++pos;
      }
    }
    rec.fields.push_back(field);
    if (pos >= text.size()) return rec;
    if (text[pos] == ',') {
      ++pos;
      continue;
    }
    if (text[pos] == '\r') ++pos;  // CRLF; validated above
    ++pos;                         // '\n'
    ++line;
    return rec;
  }
}

bool only_line_ends(std::string_view rest) {
  return rest.find_first_not_of("\r\n") == std::string_view::npos;
}

}  // namespace

tl::expected<CsvTable, CsvError> parse_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (only_line_ends(text)) return tl::unexpected(CsvError{1, "empty CSV: no header row"});
  size_t pos = 0;
  int line = 1;
  CsvTable table;
  auto header = read_record(text, pos, line);
  if (!header) return tl::unexpected(header.error());
  table.header = std::move(header->fields);
  while (pos < text.size() && !only_line_ends(text.substr(pos))) {
    auto rec = read_record(text, pos, line);
    if (!rec) return tl::unexpected(rec.error());
    if (rec->fields.size() != table.header.size()) {
      return tl::unexpected(CsvError{
          rec->line, fmt::format("record has {} fields but the header has {}", rec->fields.size(),
                                 table.header.size())});
    }
    table.rows.push_back(std::move(*rec));
  }
  return table;
}

}  // namespace rigor
