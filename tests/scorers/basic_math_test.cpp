#include <fstream>
#include <string>
#include <vector>

#include <chrono>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scorers/basic_math.h"
#include "scorers/normalize.h"
#include "scorers/scorer.h"
#include "tests/case_table.h"
#include "tests/scorers/scorer_cases.h"

namespace rigor {
namespace {

using testing::read_cases;

// Every case in scorers_basic_math.tsv: correctness and the extracted answer a report shows.
TEST(BasicMathScorerTest, CasesFromDataFile) {
  auto scorer = std::make_unique<BasicMathScorer>();
  ASSERT_NE(scorer, nullptr);
  EXPECT_GE(testing::check_scorer_cases(*scorer, "scorers_basic_math.tsv"), 30);
}

TEST(BasicMathScorerTest, NameAndVersionAreStable) {
  auto scorer = std::make_unique<BasicMathScorer>();
  ASSERT_NE(scorer, nullptr);
  EXPECT_EQ(scorer->name(), "math");
  EXPECT_FALSE(scorer->version().empty());
}

TEST(BasicMathScorerTest, ExactRationalFromDataFile) {
  for (const auto& c : read_cases("scorers_basic_math_rational.tsv", 2)) {
    SCOPED_TRACE(c[0]);
    auto r = exact_rational(c[0]);
    if (c[1] == "-") {
      EXPECT_FALSE(r.has_value()) << *r;
    } else {
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(*r, c[1]);
    }
  }
}

TEST(BasicMathScorerTest, EquivalentUsesTheSamePolicyAsScoring) {
  auto s = std::make_unique<BasicMathScorer>();
  EXPECT_TRUE(s->equivalent("\\frac{1}{2}", "0.5"));
  EXPECT_TRUE(s->equivalent("(1,\\frac12)", "(1, 0.5)"));
  EXPECT_FALSE(s->equivalent("\\frac{1}{3}", "0.333"));
}

TEST(BasicMathScorerTest, HugeModelOutputDoesNotCrash) {
  // std::regex recurses per character: a 200 kB answer must not blow the stack.
  std::string big = "\\boxed{" + std::string(200000, '9') + "}";
  Verdict v = std::make_unique<BasicMathScorer>()->score(big, "9");
  EXPECT_TRUE(v.extracted_ok);
  EXPECT_FALSE(v.correct);
}


// Every MATH-500 reference answer, boxed, must score correct against itself:
// normalisation may never make a gold answer unequal to itself.
// Each layer of "{{...}}" used to cost a pass over the whole answer:
// quadratic in a model's deeply nested output.
TEST(BasicMathScorerTest, DeeplyNestedBracesAreStrippedInOnePass) {
  constexpr int kDepth = 200'000;
  std::string s = std::string(kDepth, '{') + "42" + std::string(kDepth, '}');
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(normalize_math_answer(s), "42");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
  EXPECT_EQ(normalize_math_answer("{{1}+{2}}"), "{1}+{2}");
  EXPECT_EQ(normalize_math_answer("{x\\}}"), "x\\}");  // an escaped brace closes nothing
  EXPECT_EQ(normalize_math_answer("x_{5}^{2}"), "x_5^2");
}

TEST(BasicMathScorerTest, EveryMath500GoldMatchesItself) {
  std::ifstream in(std::string(RIGOR_SOURCE_DIR) + "/suites/data/math500/test.jsonl");
  ASSERT_TRUE(in.good());
  auto scorer = std::make_unique<BasicMathScorer>();
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    std::string gold = nlohmann::json::parse(line).at("answer").get<std::string>();
    Verdict v = scorer->score("The answer is \\boxed{" + gold + "}.", gold);
    EXPECT_TRUE(v.correct) << gold << " -> " << v.extracted;
    ++n;
  }
  EXPECT_EQ(n, 500);
}

}  // namespace
}  // namespace rigor
