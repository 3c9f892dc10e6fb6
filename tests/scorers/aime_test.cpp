#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/aime.h"
#include "scorers/scorer.h"
#include "tests/case_table.h"
#include "tests/scorers/scorer_cases.h"

namespace rigor {
namespace {


// Every case in scorers_aime.tsv: correctness and the extracted answer a report shows.
TEST(AimeScorerTest, CasesFromDataFile) {
  auto scorer = make_scorer("aime");
  ASSERT_NE(scorer, nullptr);
  EXPECT_GE(testing::check_scorer_cases(*scorer, "scorers_aime.tsv"), 30);
}

TEST(AimeScorerTest, NameAndVersionAreStable) {
  auto scorer = make_scorer("aime");
  ASSERT_NE(scorer, nullptr);
  EXPECT_EQ(scorer->name(), "aime");
  EXPECT_FALSE(scorer->version().empty());
}

TEST(AimeScorerTest, EquivalentComparesIntegers) {
  auto s = make_scorer("aime");
  EXPECT_TRUE(s->equivalent("033", "33"));
  EXPECT_TRUE(s->equivalent("\\text{33}", "33"));
  EXPECT_FALSE(s->equivalent("33", "34"));
  EXPECT_TRUE(s->equivalent("\\frac{1}{2}", "\\frac12"));  // non-integers: normalised strings
}

TEST(AimeScorerTest, ReasonNamesTheRuleThatFired) {
  auto s = make_scorer("aime");
  EXPECT_EQ(s->score("\\boxed{5}", "5").reason, "boxed");
  EXPECT_EQ(s->score("The final answer is 5.", "5").reason, "final-answer-phrase");
  EXPECT_EQ(s->score("Answer: 5", "5").reason, "answer-line");
  EXPECT_EQ(s->score("work\n5", "5").reason, "last-line-integer");
}

TEST(AimeScorerTest, UnknownScorerNameIsNull) { EXPECT_EQ(make_scorer("nope"), nullptr); }

}  // namespace
}  // namespace rigor
