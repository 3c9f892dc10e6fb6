// Helpers shared by the engine's tests: reading the tests/data/sse_* files.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace rigor::test {

inline std::string data_path(const std::string& name) { return std::string(RIGOR_TEST_DATA) + "/" + name; }

inline std::string read_data_file(const std::string& name) {
  std::ifstream in(data_path(name), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + data_path(name));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Non-empty, non-comment ('#') lines of a data file, split on tabs.
inline std::vector<std::vector<std::string>> read_table(const std::string& name) {
  std::istringstream in(read_data_file(name));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      cols.push_back(line.substr(start, tab - start));
    }
    cols.push_back(line.substr(start));
    rows.push_back(std::move(cols));
  }
  return rows;
}

}  // namespace rigor::test
