// Table-driven test cases: reads tests/data/<name> as TSV. '#' lines are
// comments; "\n" in a cell is a newline and "\\n" a literal backslash-n;
// every other backslash is literal (so LaTeX like \neq or \text survives).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace rigor::testing {

inline std::vector<std::vector<std::string>> read_cases(const std::string& name, size_t columns) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells(1);
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\t') {
        cells.emplace_back();
      } else if (line.compare(i, 3, "\\\\n") == 0) {
        cells.back() += "\\n";
        i += 2;
      } else if (line.compare(i, 2, "\\n") == 0) {
        cells.back() += '\n';
        ++i;
      } else {
        cells.back() += line[i];
      }
    }
    EXPECT_EQ(cells.size(), columns) << name << ":" << line_no;
    if (cells.size() == columns) rows.push_back(cells);
  }
  EXPECT_FALSE(rows.empty()) << name;
  return rows;
}

}  // namespace rigor::testing
