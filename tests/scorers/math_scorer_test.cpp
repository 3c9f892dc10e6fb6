// The "math" scorer as the harness sees it: extraction rule, verdict, reason.
#include <gtest/gtest.h>

#include "scorers/math/math_scorer.h"
#include "tests/scorers/scorer_cases.h"

namespace rigor {
namespace {

TEST(MathScorer, NameAndVersion) {
  auto s = make_math_scorer();
  EXPECT_EQ(s->name(), "math");
  EXPECT_FALSE(s->version().empty());
}

TEST(MathScorer, ScoresTheLastBox) {
  auto s = make_math_scorer();
  Verdict v = s->score("First \\boxed{3}, then on reflection \\boxed{\\frac{1}{2}}.", "0.5");
  EXPECT_TRUE(v.correct) << v.reason;
  EXPECT_TRUE(v.extracted_ok);
  EXPECT_EQ(v.extracted, "\\frac{1}{2}");
  EXPECT_EQ(v.reason.rfind("boxed", 0), 0u) << v.reason;
}

TEST(MathScorer, AdjacentBoxesAreJoinedAsAList) {
  auto s = make_math_scorer();
  Verdict v = s->score("The solutions are $\\boxed{-2}$ and $\\boxed{1}$.", "1,-2");
  EXPECT_TRUE(v.correct) << v.reason;
  EXPECT_NE(v.reason.find("2 joined"), std::string::npos) << v.reason;
  Verdict apart = s->score("We get \\boxed{-2} first. Much later, after more work: \\boxed{1}", "1,-2");
  EXPECT_FALSE(apart.correct) << "boxes separated by prose are not one answer";
}

TEST(MathScorer, FinalAnswerPhraseThenLastMath) {
  auto s = make_math_scorer();
  Verdict p = s->score("So the final answer is $x = 5$.", "5");
  EXPECT_TRUE(p.correct) << p.reason;
  EXPECT_EQ(p.reason.rfind("final-answer-phrase", 0), 0u) << p.reason;
  Verdict m = s->score("We add them up to $42$ in the end.", "42");
  EXPECT_TRUE(m.correct) << m.reason;
  EXPECT_EQ(m.reason.rfind("last-inline-math", 0), 0u) << m.reason;
}

// The old fallback took "the last number in the text": 2 out of
// \frac{1+\sqrt{5}}{2}, 2 out of "AZYUK2A", 1 out of -[0,1).
TEST(MathScorer, FallbackNeverCutsANumberOutOfAnExpressionOrAWord) {
  auto s = make_math_scorer();
  EXPECT_EQ(testing::check_scorer_cases(*s, "scorers_math_extract.tsv"), 49);
}

TEST(MathScorer, NothingThatParsesIsAnExtractionFailure) {
  auto s = make_math_scorer();
  Verdict v = s->score("we add them up to 42", "42");
  EXPECT_FALSE(v.extracted_ok);
  EXPECT_FALSE(v.correct);
  EXPECT_NE(v.reason.find("no answer found"), std::string::npos) << v.reason;
}

TEST(MathScorer, NoAnswerIsNotExtracted) {
  auto s = make_math_scorer();
  Verdict v = s->score("I am not sure.", "5");
  EXPECT_FALSE(v.correct);
  EXPECT_FALSE(v.extracted_ok);
  EXPECT_FALSE(v.reason.empty());
}

TEST(MathScorer, ReasoningBeforeThinkCloseIsIgnored) {
  auto s = make_math_scorer();
  Verdict v = s->score("<think>maybe \\boxed{7}</think>The answer is \\boxed{8}", "8");
  EXPECT_TRUE(v.correct);
  Verdict w = s->score("<think>maybe \\boxed{7}</think>no box here", "7");
  EXPECT_FALSE(w.correct);
}

TEST(MathScorer, BoxedGoldIsUnwrapped) {
  auto s = make_math_scorer();
  EXPECT_TRUE(s->score("\\boxed{(x+1)^2}", "\\boxed{x^2+2x+1}").correct);
}

TEST(MathScorer, EquivalentGroupsVotesForConsensus) {
  auto s = make_math_scorer();
  EXPECT_TRUE(s->equivalent("\\frac{1}{2}", "0.5"));
  EXPECT_TRUE(s->equivalent("\\{3,1\\}", "\\{1,3\\}"));
  EXPECT_FALSE(s->equivalent("(1,3)", "(3,1)"));
}

TEST(MathScorer, MalformedResponseIsWrongNotACrash) {
  auto s = make_math_scorer();
  Verdict v = s->score("\\boxed{\\frac{1}{}}", "1");
  EXPECT_FALSE(v.correct);
  EXPECT_FALSE(v.reason.empty());
}

}  // namespace
}  // namespace rigor
