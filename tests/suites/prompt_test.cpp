#include <set>
#include <string>

#include <gtest/gtest.h>

#include "suites/registry.h"

namespace rigor {
namespace {

TEST(PromptTest, BoxedTemplateIsTheR1Protocol) {
  Suite s = load_suite("aime25");
  const Problem& p = s.problems[0];
  PromptedSample a = make_prompt(s, p, 1);
  EXPECT_EQ(a.user_message,
            p.statement + "\nPlease reason step by step, and put your final answer within \\boxed{}.");
  EXPECT_EQ(a.gold, p.gold);
  EXPECT_TRUE(a.permutation.empty());
  EXPECT_EQ(make_prompt(s, p, 2).user_message, a.user_message) << "no seed dependence";
}

Suite gpqa() {
  return load_suite("gpqa-diamond", {.gpqa_csv = std::string(RIGOR_TEST_DATA) + "/suites_gpqa.csv"});
}

// The line of the prompt that shows `letter`.
std::string choice_line(const std::string& prompt, char letter) {
  std::string tag = std::string("\n") + letter + ") ";
  size_t at = prompt.find(tag);
  if (at == std::string::npos) return "";
  size_t start = at + tag.size();
  return prompt.substr(start, prompt.find('\n', start) - start);
}

TEST(PromptTest, GpqaShowsFourLabelledChoicesAndAsksForALetter) {
  Suite s = gpqa();
  const Problem& p = s.problems[0];
  PromptedSample ps = make_prompt(s, p, 42);
  EXPECT_EQ(ps.user_message.rfind(p.statement, 0), 0u) << "question first";
  ASSERT_EQ(ps.permutation.size(), 4u);
  for (int pos = 0; pos < 4; ++pos) {
    EXPECT_EQ(choice_line(ps.user_message, static_cast<char>('A' + pos)),
              p.choices[ps.permutation[pos]]);
  }
  EXPECT_NE(ps.user_message.find("\"Answer: LETTER\""), std::string::npos);
  EXPECT_GT(ps.user_message.find("\"Answer: LETTER\""), ps.user_message.find("D) "))
      << "instruction after the choices";
}

TEST(PromptTest, GpqaGoldLetterShowsTheCorrectAnswer) {
  Suite s = gpqa();
  for (const auto& p : s.problems) {
    for (uint64_t seed = 0; seed < 50; ++seed) {
      PromptedSample ps = make_prompt(s, p, seed);
      ASSERT_EQ(ps.gold.size(), 1u);
      int pos = ps.gold[0] - 'A';
      ASSERT_GE(pos, 0);
      ASSERT_LT(pos, 4);
      EXPECT_EQ(ps.permutation[pos], 0);
      EXPECT_EQ(choice_line(ps.user_message, ps.gold[0]), p.gold);
    }
  }
}

TEST(PromptTest, GpqaShuffleIsDeterministicPerSeedAndVariesAcrossSeeds) {
  Suite s = gpqa();
  const Problem& p = s.problems[0];
  std::set<std::vector<int>> orders;
  std::set<std::string> golds;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    PromptedSample a = make_prompt(s, p, seed);
    PromptedSample b = make_prompt(s, p, seed);
    EXPECT_EQ(a.user_message, b.user_message);
    EXPECT_EQ(a.permutation, b.permutation);
    std::set<int> distinct(a.permutation.begin(), a.permutation.end());
    EXPECT_EQ(distinct.size(), 4u) << "a permutation";
    orders.insert(a.permutation);
    golds.insert(a.gold);
  }
  EXPECT_EQ(golds.size(), 4u) << "the correct answer lands on every letter";
  EXPECT_GE(orders.size(), 20u) << "most of the 24 orders appear in 200 seeds";
}

// Pinned so that a change of generator (which would silently change every
// GPQA prompt, and comparability with stored runs) fails here.
TEST(PromptTest, GpqaShuffleIsPinned) {
  Suite s = gpqa();
  EXPECT_EQ(make_prompt(s, s.problems[0], 12345).permutation, (std::vector<int>{2, 1, 3, 0}));
}

TEST(PromptTest, UnknownTemplateIsABrokenInvariant) {
  Suite s = load_suite("aime24");
  s.template_id = "nope";
  EXPECT_THROW(make_prompt(s, s.problems[0], 0), std::invalid_argument);
  Suite g = gpqa();
  Problem p = g.problems[0];
  p.choices.pop_back();
  EXPECT_THROW(make_prompt(g, p, 0), std::invalid_argument);
}

}  // namespace
}  // namespace rigor
