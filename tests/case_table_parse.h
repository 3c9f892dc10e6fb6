// Table-driven test cases, the parsing alone: no gtest here, so benchmarks
// read a table exactly as its tests do (tests/case_table.h adds the checks).
//
// A table is tests/data/<name>: one case per line, cells separated by tabs.
// Empty lines and lines starting with '#' are skipped. What a backslash in a
// cell means is the table's choice (Escapes), stated in its comment lines.
#pragma once

#include <fstream>
#include <istream>
#include <string>
#include <utility>
#include <vector>

namespace rigor::testing {

// Which backslash sequences in a cell stand for another character.
enum class Escapes {
  // "\n" is a newline and "\\n" a literal backslash-n; every other backslash
  // is literal, so \frac or \text survive but LaTeX \neq is written \\neq.
  kNewline,
  // As kNewline, and "\t" is a tab and "\\t" a literal backslash-t: for cells
  // of program output, where a tab cannot be written as itself.
  kNewlineAndTab,
  // Every backslash is literal: for cells of JSON, whose own escapes must
  // reach the JSON parser, and of LaTeX written as a model writes it (\neq).
  kNone,
};

// How a table is laid out beyond its number of columns.
struct TableFormat {
  Escapes escapes = Escapes::kNewline;  // what a backslash in a cell means
  size_t min_columns = 0;  // a row may leave off trailing cells down to this many (they read as ""); 0: none optional
  bool header = false;     // the file's first line names the columns and is not a case
};

// One case: its cells, and the line of the file it was read from.
struct CaseRow {
  int line = 0;                    // 1-based, for messages as name:line
  std::vector<std::string> cells;  // exactly as many as the table has columns

  const std::string& operator[](size_t i) const { return cells[i]; }
  size_t size() const { return cells.size(); }
};

// A parsed table: the cases in file order, and what was wrong with the rest.
struct CaseTable {
  std::vector<CaseRow> rows;
  std::vector<std::string> errors;  // "name:line: ..." for each malformed line, or "cannot open <path>"
};

// Splits one line on tabs and undoes `escapes` in each cell.
inline std::vector<std::string> split_cells(const std::string& line, Escapes escapes) {
  auto is_escape = [escapes](char c) {
    return (escapes != Escapes::kNone && c == 'n') || (escapes == Escapes::kNewlineAndTab && c == 't');
  };
  std::vector<std::string> cells(1);
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\t') {
      cells.emplace_back();
    } else if (line[i] == '\\' && i + 2 < line.size() && line[i + 1] == '\\' && is_escape(line[i + 2])) {
      cells.back() += line.substr(i + 1, 2);
      i += 2;
    } else if (line[i] == '\\' && i + 1 < line.size() && is_escape(line[i + 1])) {
      cells.back() += line[i + 1] == 'n' ? '\n' : '\t';
      ++i;
    } else {
      cells.back() += line[i];
    }
  }
  return cells;
}

// Reads a table from `in`; `name` only labels the errors.
inline CaseTable parse_case_table(std::istream& in, const std::string& name, size_t columns,
                                  const TableFormat& format = {}) {
  const size_t min_columns = format.min_columns == 0 ? columns : format.min_columns;
  const std::string expected =
      min_columns == columns ? std::to_string(columns) : std::to_string(min_columns) + " to " + std::to_string(columns);
  CaseTable table;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (format.header && line_no == 1) continue;
    if (line.empty() || line[0] == '#') continue;
    CaseRow row{line_no, split_cells(line, format.escapes)};
    if (row.cells.size() < min_columns || row.cells.size() > columns) {
      table.errors.push_back(name + ":" + std::to_string(line_no) + ": " + std::to_string(row.cells.size()) +
                             " cells, expected " + expected);
      continue;
    }
    row.cells.resize(columns);
    table.rows.push_back(std::move(row));
  }
  return table;
}

// Reads tests/data/<name>.
inline CaseTable read_case_table(const std::string& name, size_t columns, const TableFormat& format = {}) {
  const std::string path = std::string(RIGOR_TEST_DATA) + "/" + name;
  std::ifstream in(path);
  if (!in) return {{}, {"cannot open " + path}};
  return parse_case_table(in, name, columns, format);
}

}  // namespace rigor::testing
