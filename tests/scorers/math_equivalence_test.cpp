// Every row of tests/data/math_equivalence.tsv (gold, answer, eq|ne, note)
// is a verdict a user relies on; adding a case is adding a line.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/math/math_equiv.h"
#include "scorers/math/math_parser.h"

namespace rigor::math {
namespace {

struct Row {
  int line;
  std::string gold, answer, expected, note;
};

std::vector<Row> load(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<Row> rows;
  std::string text;
  int line = 0;
  std::getline(in, text);  // header
  ++line;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(text);
    std::string field;
    while (std::getline(ss, field, '\t')) f.push_back(field);
    if (f.size() == 3) f.push_back("");
    EXPECT_EQ(f.size(), 4u) << path << ":" << line << ": expected 4 tab-separated fields";
    if (f.size() != 4) continue;
    EXPECT_TRUE(f[2] == "eq" || f[2] == "ne") << path << ":" << line << ": expected 'eq' or 'ne'";
    rows.push_back({line, f[0], f[1], f[2], f[3]});
  }
  return rows;
}

TEST(MathEquivalence, CaseTable) {
  auto rows = load(std::string(RIGOR_TEST_DATA) + "/math_equivalence.tsv");
  ASSERT_GE(rows.size(), 300u);
  int eq = 0, ne = 0;
  for (const Row& r : rows) {
    Equivalence e = equivalent_answers(r.gold, r.answer);
    bool want = r.expected == "eq";
    (want ? eq : ne)++;
    EXPECT_EQ(e.equal, want) << "math_equivalence.tsv:" << r.line << " (" << r.note << ")\n  gold:   " << r.gold
                             << "\n  answer: " << r.answer << "\n  reason: " << e.reason;
    EXPECT_FALSE(e.reason.empty()) << "line " << r.line << ": every verdict names its reason";
  }
  EXPECT_GT(ne, 80) << "the table must keep plenty of not-equivalent cases";
  EXPECT_GT(eq, 150);
}

// Equivalence is a property of the pair: swapping which side is the gold
// must not flip the verdict, except where the policy is one-sided (a gold
// that does not parse, a plain numeral read in the gold's base).
TEST(MathEquivalence, SymmetricOnTheCaseTable) {
  auto rows = load(std::string(RIGOR_TEST_DATA) + "/math_equivalence.tsv");
  for (const Row& r : rows) {
    if (!parse_answer(r.gold) || !parse_answer(r.answer)) continue;
    if (r.gold.find('_') != std::string::npos) continue;
    EXPECT_EQ(equivalent_answers(r.gold, r.answer).equal, equivalent_answers(r.answer, r.gold).equal)
        << "math_equivalence.tsv:" << r.line << " (" << r.note << ")";
  }
}

TEST(MathEquivalence, ReasonsSayWhichCheckDecided) {
  EXPECT_EQ(equivalent_answers("x^2+2x+1", "(x+1)^2").reason, "symbolic (GiNaC)");
  EXPECT_NE(equivalent_answers("\\tan^2 y + 1", "\\sec^2 y").reason.find("numeric fallback"), std::string::npos);
  EXPECT_NE(equivalent_answers("\\frac{1}{12}", "0.0833333333").reason.find("tolerance"), std::string::npos);
  EXPECT_EQ(equivalent_answers("\\frac12", "0.5").reason, "exact");
  EXPECT_EQ(equivalent_answers("5", "9^{9^{9^9}}").reason.rfind("refused:", 0), 0u);
}

TEST(MathParse, ParseTable) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/math_parse.tsv");
  ASSERT_TRUE(in);
  std::string text;
  std::getline(in, text);
  int line = 1, n = 0;
  while (std::getline(in, text)) {
    ++line;
    auto tab = text.find('\t');
    ASSERT_NE(tab, std::string::npos) << "math_parse.tsv:" << line;
    std::string input = text.substr(0, tab), want = text.substr(tab + 1);
    auto node = parse_answer(input);
    ASSERT_TRUE(node) << "math_parse.tsv:" << line << ": " << input << " -> " << node.error();
    EXPECT_EQ(to_display(*node), want) << "math_parse.tsv:" << line << ": " << input;
    ++n;
  }
  EXPECT_GT(n, 100);
}

}  // namespace
}  // namespace rigor::math
