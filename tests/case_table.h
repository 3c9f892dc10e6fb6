// Table-driven test cases: reads tests/data/<name> (format and escapes in
// tests/case_table_parse.h) and fails the calling test for every malformed
// line, reported as name:line, and for a table with no cases.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/case_table_parse.h"

namespace rigor::testing {

inline std::vector<CaseRow> read_cases(const std::string& name, size_t columns, const TableFormat& format = {}) {
  CaseTable table = read_case_table(name, columns, format);
  for (const std::string& error : table.errors) ADD_FAILURE() << error;
  EXPECT_FALSE(table.rows.empty()) << name << ": no cases";
  return std::move(table.rows);
}

}  // namespace rigor::testing
