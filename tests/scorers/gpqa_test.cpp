#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/gpqa.h"
#include "scorers/scorer.h"
#include "tests/case_table.h"
#include "tests/scorers/scorer_cases.h"

namespace rigor {
namespace {


// Every case in scorers_gpqa.tsv: correctness and the extracted answer a report shows.
TEST(GpqaScorerTest, CasesFromDataFile) {
  auto scorer = make_scorer("gpqa");
  ASSERT_NE(scorer, nullptr);
  EXPECT_GE(testing::check_scorer_cases(*scorer, "scorers_gpqa.tsv"), 30);
}

TEST(GpqaScorerTest, NameAndVersionAreStable) {
  auto scorer = make_scorer("gpqa");
  ASSERT_NE(scorer, nullptr);
  EXPECT_EQ(scorer->name(), "gpqa");
  EXPECT_FALSE(scorer->version().empty());
}

TEST(GpqaScorerTest, EquivalentComparesLettersIgnoringCase) {
  auto s = make_scorer("gpqa");
  EXPECT_TRUE(s->equivalent("C", "c"));
  EXPECT_FALSE(s->equivalent("C", "D"));
  EXPECT_FALSE(s->equivalent("", ""));
}

TEST(GpqaScorerTest, BoxedIsOnlyAFallback) {
  auto s = make_scorer("gpqa");
  Verdict v = s->score("\\boxed{A}\nAnswer: B", "B");
  EXPECT_TRUE(v.correct);
  EXPECT_EQ(v.reason, "answer-line");
  EXPECT_EQ(s->score("so \\boxed{A}", "A").reason, "boxed");
}

}  // namespace
}  // namespace rigor
