#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/gpqa.h"
#include "scorers/scorer.h"
#include "tests/case_table.h"

namespace rigor {
namespace {

using testing::read_cases;

// Every case in scorers_gpqa.tsv: correctness and the extracted answer a report shows.
TEST(GpqaScorerTest, CasesFromDataFile) {
  auto scorer = make_scorer("gpqa");
  ASSERT_NE(scorer, nullptr);
  int checked = 0;
  for (const auto& c : read_cases("scorers_gpqa.tsv", 4)) {
    Verdict v = scorer->score(c[0], c[1]);
    SCOPED_TRACE("response: " + c[0] + " | gold: " + c[1] + " | reason: " + v.reason);
    EXPECT_EQ(v.correct, c[2] == "1");
    if (c[3] == "-") {
      EXPECT_FALSE(v.extracted_ok);
    } else {
      EXPECT_TRUE(v.extracted_ok);
      EXPECT_EQ(v.extracted, c[3]);
    }
    EXPECT_FALSE(v.reason.empty()) << "every verdict says which rule fired or why it failed";
    ++checked;
  }
  EXPECT_GE(checked, 30);
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
