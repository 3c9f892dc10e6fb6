// Helpers shared by the engine's tests: reading recorded streams and other
// whole files under tests/data (case tables go through tests/case_table.h).
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace rigor::test {

inline std::string data_path(const std::string& name) { return std::string(RIGOR_TEST_DATA) + "/" + name; }

inline std::string read_data_file(const std::string& name) {
  std::ifstream in(data_path(name), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + data_path(name));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rigor::test
