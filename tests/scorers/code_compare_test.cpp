// Output comparison, one case per line of tests/data/code_compare.tsv.
#include <fstream>

#include <gtest/gtest.h>

#include "scorers/code/output_compare.h"
#include "scorers/code/stdio_scorer.h"

namespace rigor {
namespace {

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 't')) {
      out += s[++i] == 'n' ? '\n' : '\t';
    } else {
      out += s[i];
    }
  }
  return out;
}

TEST(CodeCompare, TableOfOutputs) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/code_compare.tsv");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    ASSERT_NE(b, std::string::npos) << line;
    std::string want = unescape(line.substr(0, a)), got = unescape(line.substr(a + 1, b - a - 1));
    bool match = line.substr(b + 1) == "1";
    OutputMatch m = compare_output(want, got);
    EXPECT_EQ(m.ok, match) << "expected [" << want << "] actual [" << got << "] " << m.detail;
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
