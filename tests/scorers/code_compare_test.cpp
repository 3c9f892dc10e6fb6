// Output comparison, one case per line of tests/data/code_compare.tsv.
#include <gtest/gtest.h>

#include "scorers/code/output_compare.h"
#include "scorers/code/stdio_scorer.h"
#include "tests/case_table.h"

namespace rigor {
namespace {

TEST(CodeCompare, TableOfOutputs) {
  int n = 0;
  // Outputs differ in tabs as well as newlines, so both are written as escapes.
  for (const auto& c : testing::read_cases("code_compare.tsv", 3, {.escapes = testing::Escapes::kNewlineAndTab})) {
    const std::string &want = c[0], &got = c[1];
    bool match = c[2] == "1";
    OutputMatch m = compare_output(want, got);
    EXPECT_EQ(m.ok, match) << "code_compare.tsv:" << c.line << ": expected [" << want << "] actual [" << got << "] "
                           << m.detail;
    if (!m.ok) {
      EXPECT_FALSE(m.detail.empty());
    }
    ++n;
  }
  EXPECT_GE(n, 15);
}

TEST(CodeCompare, FunctionalValues) {
  EXPECT_TRUE(json_values_match("[1, 2.5, \"a\"]", "[1, 2.5000000001, \"a\"]"));
  EXPECT_FALSE(json_values_match("[1, 2]", "[1, 2, 3]"));
  EXPECT_FALSE(json_values_match("true", "1"));
  EXPECT_TRUE(json_values_match("{\"a\": [1]}", "{\"a\": [1.0]}"));
  EXPECT_FALSE(json_values_match("[1]", "not json"));
}

}  // namespace
}  // namespace rigor
