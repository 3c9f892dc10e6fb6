// Every row of tests/data/math_equivalence.tsv (gold, answer, eq|ne, note)
// is a verdict a user relies on; adding a case is adding a line.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/math/math_equiv.h"
#include "scorers/math/math_parser.h"
#include "tests/case_table.h"

namespace rigor::math {
namespace {

struct Row {
  int line;
  std::string gold, answer, expected, note;
};

// The answers are LaTeX as a model writes it, so every backslash is literal
// (\neq, \nu); the note may be left off.
std::vector<Row> load() {
  std::vector<Row> rows;
  for (const auto& c : testing::read_cases("math_equivalence.tsv", 4,
                                           {.escapes = testing::Escapes::kNone, .min_columns = 3, .header = true})) {
    EXPECT_TRUE(c[2] == "eq" || c[2] == "ne") << "math_equivalence.tsv:" << c.line << ": expected 'eq' or 'ne'";
    rows.push_back({c.line, c[0], c[1], c[2], c[3]});
  }
  return rows;
}

TEST(MathEquivalence, CaseTable) {
  auto rows = load();
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
  auto rows = load();
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
  int n = 0;
  for (const auto& c : testing::read_cases("math_parse.tsv", 2, {.escapes = testing::Escapes::kNone, .header = true})) {
    const std::string &input = c[0], &want = c[1];
    auto node = parse_answer(input);
    ASSERT_TRUE(node) << "math_parse.tsv:" << c.line << ": " << input << " -> " << node.error();
    EXPECT_EQ(to_display(*node), want) << "math_parse.tsv:" << c.line << ": " << input;
    ++n;
  }
  EXPECT_GT(n, 100);
}

}  // namespace
}  // namespace rigor::math
