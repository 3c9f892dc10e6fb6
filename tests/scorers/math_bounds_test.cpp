// Verification is bounded and total: hostile or broken input is a false
// verdict with a reason, never a crash or a hang.
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "scorers/math/math_equiv.h"
#include "scorers/math/math_limits.h"
#include "scorers/math/math_parser.h"
#include "scorers/math/math_scorer.h"

namespace rigor::math {
namespace {

bool refused(const Equivalence& e) { return !e.equal && e.reason.find("refused") != std::string::npos; }

TEST(MathBounds, PowerTowersAreRefusedNotEvaluated) {
  EXPECT_TRUE(refused(equivalent_answers("1", "9^{9^{9^9}}")));
  EXPECT_TRUE(refused(equivalent_answers("9^{9^{9^9}}", "9^{9^{9^9}}+1")));
  EXPECT_TRUE(refused(equivalent_answers("2", "2^{2^{2^{2^{2^{2}}}}}")));
  EXPECT_TRUE(refused(equivalent_answers("5", "10^{100000}")));
  EXPECT_TRUE(refused(equivalent_answers("5", "100000!")));
}

// Trees that look symbolic to rigor but that GiNaC folds into numbers (1^y = 1,
// 0y = 0) are checked again on what GiNaC holds. Before that check, the first
// of these spent minutes in CLN's factorial and then ran out of memory.
TEST(MathBounds, WhatGiNaCFoldsIntoAHugeNumberIsRefused) {
  EXPECT_TRUE(refused(equivalent_answers("5", "(9^{9^{1^y}})!")));
  EXPECT_TRUE(refused(equivalent_answers("5", "\\binom{10^{7}+0y}{5000000}")));
  EXPECT_TRUE(refused(equivalent_answers("5", "\\binom{10^{9}}{5 \\cdot 10^{8}}")));
  // Small ones are still computed and compared exactly.
  EXPECT_TRUE(equivalent_answers("6", "(1^y+2)!").equal);
  EXPECT_TRUE(equivalent_answers("10", "\\binom{5+0y}{2}").equal);
  Equivalence mid = equivalent_answers("5", "\\binom{2000+0y}{1000}");
  EXPECT_FALSE(mid.equal);
  EXPECT_FALSE(refused(mid)) << mid.reason;
}

TEST(MathBounds, LongAnswersAreRefused) {
  std::string big(100 * 1024, '1');
  EXPECT_TRUE(refused(equivalent_answers("1", big)));
  std::string sum;
  for (int i = 0; i < 2000; ++i) sum += "x+";
  sum += "x";
  EXPECT_TRUE(refused(equivalent_answers("2001x", sum)));
}

TEST(MathBounds, DeepNestingIsRefused) {
  std::string deep(kMaxDepth * 2, '(');
  deep += "1";
  deep += std::string(kMaxDepth * 2, ')');
  EXPECT_TRUE(refused(equivalent_answers("1", deep)));
  std::string fracs;
  for (int i = 0; i < 200; ++i) fracs += "\\frac{1}{";
  fracs += "2" + std::string(200, '}');
  EXPECT_TRUE(refused(equivalent_answers("1", fracs)));
}

TEST(MathBounds, LongNumbersAreRefused) {
  EXPECT_FALSE(parse_answer(std::string(kMaxNumberDigits + 1, '7')));
  EXPECT_FALSE(parse_answer("1e100000"));
}

TEST(MathBounds, MalformedInputIsFalseWithAReason) {
  for (const char* bad : {"\\frac{1}{", ")", "(", "\\", "{", "}", "^", "x^", "\\sqrt", "\\begin{pmatrix} 1 & 2",
                          "\\begin{cases} 1 \\end{cases}", "1 2", "[1,2,3)", "\\left(", "\x80\x81", "5_{99}",
                          "7_2", "\\frac{}{}", "|", "\\{1,2", ",,,", "x \\in"}) {
    Equivalence e = equivalent_answers("5", bad);
    EXPECT_FALSE(e.equal) << bad;
    EXPECT_FALSE(e.reason.empty()) << bad;
  }
}

// A deterministic sweep over random token soup: a cheap stand-in for the
// libFuzzer target (tests/fuzz/) that runs in every build.
TEST(MathBounds, RandomTokenSoupNeverCrashes) {
  const char* pieces[] = {"\\frac", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "1", "23", ".5", "x", "y",
                          "\\pi", "e", "i", "\\sqrt", "\\pm", ",", "=", "<", "\\le", "+", "-", "*", "/", "\\cdot",
                          "\\text{cm}", "\\infty", "\\cup", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "!",
                          "%", "^\\circ", "|", "\\sin", "\\log_", "9^{9^9}", " ", "\\left(", "\\right)", "0"};
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> len(1, 25);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string a, b;
    for (int k = len(rng); k > 0; --k) a += pieces[pick(rng)];
    for (int k = len(rng); k > 0; --k) b += pieces[pick(rng)];
    Equivalence e = equivalent_answers(a, b);
    EXPECT_FALSE(e.reason.empty());
    EXPECT_TRUE(equivalent_answers(a, a).equal) << "an answer equals itself: " << a;
  }
}

TEST(MathBounds, ScorerIsUsableFromSeveralThreads) {
  auto scorer = make_math_scorer();
  auto work = [&](int seed) {
    for (int i = 0; i < 200; ++i) {
      int k = (i + seed) % 7 + 1;
      std::string gold = "(x+" + std::to_string(k) + ")^2";
      std::string resp = "\\boxed{x^2+" + std::to_string(2 * k) + "x+" + std::to_string(k * k) + "}";
      EXPECT_TRUE(scorer->score(resp, gold).correct) << gold;
    }
  };
  std::thread t1(work, 0), t2(work, 3);
  t1.join();
  t2.join();
}

}  // namespace
}  // namespace rigor::math
