// The pure simulator: a response is a deterministic function of its inputs,
// its usage matches what it streams, and accuracy follows the profile.
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/sim_answers.h"
#include "sim/sim_generate.h"
#include "sim/sim_profile.h"
#include "tests/case_table.h"

namespace rigor {
namespace {

SimProfile test_profile() {
  SimProfile p;
  p.name = "t";
  p.label = "simulated test model";
  p.accuracy = {{"easyhard", 0.6}};
  p.accuracy_default = 0.5;
  p.difficulty_slope = 8;
  p.reasoning_tokens = {300, 100, 20, 2000};
  p.answer_tokens = {30, 10, 12, 100};
  p.tokens_per_chunk = 4;
  p.tokens_per_s = 100;
  p.time_scale = 0;
  return p;
}

// 100 AIME-like problems with difficulty 0, 0.01, ..., 0.99.
std::shared_ptr<SimIndex> test_index() {
  Suite s;
  s.name = "easyhard";
  s.scorer = "aime";
  for (int i = 0; i < 100; ++i) {
    Problem p;
    p.id = std::to_string(i);
    p.statement = "Problem number " + std::to_string(i);
    p.gold = std::to_string((i * 37) % 1000);
    p.meta["difficulty"] = i / 100.0;
    s.problems.push_back(p);
  }
  Suite m;
  m.name = "mathish";
  m.scorer = "math";
  for (int i = 0; i < 10; ++i) {
    Problem p;
    p.id = std::to_string(i);
    p.statement = "Math problem " + std::to_string(i);
    p.gold = "\\frac{" + std::to_string(i + 1) + "}{" + std::to_string(i + 2) + "}";
    p.meta["difficulty"] = 0.5;
    m.problems.push_back(p);
  }
  auto index = std::make_shared<SimIndex>();
  auto render = [](const Problem& p) { return p.statement + "\nPlease reason step by step."; };
  index->add_suite(s, render);
  index->add_suite(m, render);
  return index;
}

std::string prompt_of(int i) { return "Problem number " + std::to_string(i) + "\nPlease reason step by step."; }

std::string streamed_text(const SimScript& s, bool reasoning) {
  std::string out;
  for (const auto& c : s.chunks)
    if (c.reasoning == reasoning) out += c.text;
  return out;
}

TEST(SimGenerate, SameInputsGiveIdenticalScript) {
  SimModel model(test_profile(), test_index());
  for (uint64_t seed : {0ULL, 1ULL, 123456789ULL}) {
    SimScript a = model.generate(prompt_of(42), seed, std::nullopt);
    SimScript b = model.generate(prompt_of(42), seed, std::nullopt);
    ASSERT_EQ(a.chunks.size(), b.chunks.size());
    for (size_t i = 0; i < a.chunks.size(); ++i) EXPECT_EQ(a.chunks[i].text, b.chunks[i].text);
    EXPECT_EQ(a.completion_tokens, b.completion_tokens);
    EXPECT_EQ(a.answer, b.answer);
  }
}

TEST(SimGenerate, IndependentOfOtherRequestsInBetween) {
  // A second model instance that has served other prompts gives the same bytes.
  SimModel a(test_profile(), test_index());
  SimModel b(test_profile(), test_index());
  for (int i = 0; i < 20; ++i) b.generate(prompt_of(i), 99, std::nullopt);
  EXPECT_EQ(streamed_text(a.generate(prompt_of(7), 5, std::nullopt), true),
            streamed_text(b.generate(prompt_of(7), 5, std::nullopt), true));
}

TEST(SimGenerate, DifferentSeedsGiveDifferentResponses) {
  SimModel model(test_profile(), test_index());
  std::set<std::string> texts;
  for (uint64_t seed = 0; seed < 20; ++seed) texts.insert(streamed_text(model.generate(prompt_of(50), seed, std::nullopt), true));
  EXPECT_EQ(texts.size(), 20u);
}

TEST(SimGenerate, ServerSeedChangesResponses) {
  SimModel a(test_profile(), test_index(), 1);
  SimModel b(test_profile(), test_index(), 2);
  EXPECT_NE(streamed_text(a.generate(prompt_of(50), 3, std::nullopt), true),
            streamed_text(b.generate(prompt_of(50), 3, std::nullopt), true));
}

TEST(SimGenerate, UsageCountsEqualStreamedWords) {
  for (auto delivery : {ReasoningDelivery::kReasoningContent, ReasoningDelivery::kThinkTags}) {
    SimProfile p = test_profile();
    p.reasoning = delivery;
    SimModel model(p, test_index());
    for (uint64_t seed = 0; seed < 50; ++seed) {
      SimScript s = model.generate(prompt_of(static_cast<int>(seed)), seed, std::nullopt);
      std::string all = streamed_text(s, true) + " " + streamed_text(s, false);  // separate fields
      EXPECT_EQ(count_words(all), s.completion_tokens);
      int64_t sum = 0;
      for (const auto& c : s.chunks) {
        EXPECT_EQ(count_words(c.text), c.tokens);
        EXPECT_LE(c.tokens, 4);
        sum += c.tokens;
      }
      EXPECT_EQ(sum, s.completion_tokens);
      if (delivery == ReasoningDelivery::kReasoningContent) {
        EXPECT_EQ(count_words(streamed_text(s, true)), s.reasoning_tokens);
      } else {
        // Everything is content; the reasoning is "<think> ... </think>".
        std::string content = streamed_text(s, false);
        size_t close = content.find("</think>");
        ASSERT_EQ(content.rfind("<think>", 0), 0u);
        ASSERT_NE(close, std::string::npos);
        EXPECT_EQ(count_words(content.substr(0, close + 8)), s.reasoning_tokens);
      }
      EXPECT_EQ(s.prompt_tokens, count_words(prompt_of(static_cast<int>(seed))));
      EXPECT_EQ(s.finish_reason, "stop");
    }
  }
}

TEST(SimGenerate, AnswerEndsWithBoxedAnswer) {
  SimModel model(test_profile(), test_index());
  for (uint64_t seed = 0; seed < 50; ++seed) {
    SimScript s = model.generate(prompt_of(3), seed, std::nullopt);
    ASSERT_TRUE(s.answered);
    std::string answer = streamed_text(s, false);
    std::string tail = "The final answer is \\boxed{" + s.answer + "}.";
    ASSERT_GE(answer.size(), tail.size());
    EXPECT_EQ(answer.substr(answer.size() - tail.size()), tail);
    EXPECT_EQ(answer.find_first_of("0123456789"), answer.find(s.answer.substr(0, 1), answer.size() - tail.size()))
        << "digits outside the boxed answer: " << answer;
  }
}

TEST(SimGenerate, CorrectAnswersAreGoldAndWrongOnesAreNot) {
  SimModel model(test_profile(), test_index());
  for (int i = 0; i < 100; ++i) {
    const std::string gold = std::to_string((i * 37) % 1000);
    for (uint64_t seed = 0; seed < 5; ++seed) {
      SimScript s = model.generate(prompt_of(i), seed, std::nullopt);
      ASSERT_NE(s.problem, nullptr);
      EXPECT_EQ(s.problem->problem_id, std::to_string(i));
      if (s.correct) {
        EXPECT_EQ(s.answer, gold);
      } else {
        int v = std::stoi(s.answer);
        EXPECT_NE(v, std::stoi(gold));
        EXPECT_GE(v, 0);
        EXPECT_LE(v, 999);
      }
    }
  }
}

TEST(SimGenerate, MeanAccuracyHitsTargetAndHardProblemsFailMore) {
  SimModel model(test_profile(), test_index());
  int correct = 0, total = 0, easy = 0, hard = 0;
  const int kSeeds = 200;
  for (int i = 0; i < 100; ++i) {
    for (int seed = 0; seed < kSeeds; ++seed) {
      bool ok = model.generate(prompt_of(i), static_cast<uint64_t>(seed), 1).correct;
      correct += ok;
      ++total;
      if (i < 20) easy += ok;
      if (i >= 80) hard += ok;
    }
  }
  EXPECT_NEAR(static_cast<double>(correct) / total, 0.6, 0.02);
  EXPECT_GT(easy, 0.9 * 20 * kSeeds);
  EXPECT_LT(hard, 0.3 * 20 * kSeeds);
}

TEST(SimGenerate, CalibratedAbilityMatchesTargetExactly) {
  SimProfile p = test_profile();
  p.no_answer_prob = 0.1;
  SimModel model(p, test_index());
  double sum = 0;
  for (int i = 0; i < 100; ++i) sum += model.p_correct(*model.index().find(prompt_of(i)));
  EXPECT_NEAR(sum / 100, 0.6, 1e-9);
  // A weaker profile has a lower ability on the same suite.
  p.accuracy["easyhard"] = 0.3;
  EXPECT_LT(SimModel(p, test_index()).ability("easyhard"), model.ability("easyhard"));
}

TEST(SimGenerate, NoAnswerProbabilityRemovesTheBoxedAnswer) {
  SimProfile p = test_profile();
  p.no_answer_prob = 1;
  SimModel model(p, test_index());
  SimScript s = model.generate(prompt_of(1), 1, std::nullopt);
  EXPECT_FALSE(s.answered);
  EXPECT_FALSE(s.correct);
  EXPECT_EQ(streamed_text(s, false).find("boxed"), std::string::npos);
}

TEST(SimGenerate, MaxTokensCutsWithFinishLength) {
  SimModel model(test_profile(), test_index());
  SimScript full = model.generate(prompt_of(9), 4, std::nullopt);
  SimScript cut = model.generate(prompt_of(9), 4, 25);
  EXPECT_EQ(cut.finish_reason, "length");
  EXPECT_EQ(cut.completion_tokens, 25);
  EXPECT_EQ(cut.reasoning_tokens, 25);
  EXPECT_EQ(streamed_text(cut, false), "");  // the answer was never reached
  EXPECT_EQ(streamed_text(full, true).rfind(streamed_text(cut, true), 0), 0u);  // a prefix of the full text
  // A budget exactly the planned length is not a truncation.
  EXPECT_EQ(model.generate(prompt_of(9), 4, full.completion_tokens).finish_reason, "stop");
}

TEST(SimGenerate, MaxTokensInsideThinkTagsLeavesThemUnclosed) {
  SimProfile p = test_profile();
  p.reasoning = ReasoningDelivery::kThinkTags;
  SimModel model(p, test_index());
  SimScript cut = model.generate(prompt_of(9), 4, 10);
  std::string content = streamed_text(cut, false);
  EXPECT_EQ(content.rfind("<think>", 0), 0u);
  EXPECT_EQ(content.find("</think>"), std::string::npos);
  EXPECT_EQ(cut.finish_reason, "length");
  EXPECT_EQ(count_words(content), 10);
}

TEST(SimGenerate, UnknownPromptGetsGenericResponseWithConfiguredLengths) {
  SimModel model(test_profile(), test_index());
  double sum = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    SimScript s = model.generate("load test prompt", seed, std::nullopt);
    EXPECT_EQ(s.problem, nullptr);
    EXPECT_FALSE(s.answered);
    EXPECT_GE(s.reasoning_tokens, 20);
    EXPECT_LE(s.reasoning_tokens, 2000);
    sum += static_cast<double>(s.reasoning_tokens);
  }
  EXPECT_NEAR(sum / 400, 300, 20);
}

TEST(SimGenerate, FaultsHitOnlyTheFirstAttempts) {
  SimProfile p = test_profile();
  p.faults.rate_500 = 1;
  EXPECT_EQ(decide_fault(p, 0, "x", 1, 0, 10).kind, FaultKind::k500);
  EXPECT_EQ(decide_fault(p, 0, "x", 1, 1, 10).kind, FaultKind::kNone);
  p.faults.fault_attempts = 3;
  EXPECT_EQ(decide_fault(p, 0, "x", 1, 2, 10).kind, FaultKind::k500);
  EXPECT_EQ(decide_fault(p, 0, "x", 1, 3, 10).kind, FaultKind::kNone);
}

TEST(SimGenerate, FaultRatesAreRespected) {
  SimProfile p = test_profile();
  p.faults.rate_429 = 0.1;
  p.faults.rate_cut = 0.2;
  std::map<FaultKind, int> seen;
  for (uint64_t seed = 0; seed < 5000; ++seed) {
    SimFault f = decide_fault(p, 0, "x", seed, 0, 7);
    seen[f.kind]++;
    EXPECT_LT(f.at_chunk, 7u);
    EXPECT_EQ(f.kind, decide_fault(p, 0, "x", seed, 0, 7).kind);  // deterministic
  }
  EXPECT_NEAR(seen[FaultKind::k429] / 5000.0, 0.1, 0.02);
  EXPECT_NEAR(seen[FaultKind::kCut] / 5000.0, 0.2, 0.02);
  EXPECT_EQ(seen[FaultKind::k500], 0);
}

TEST(SimAnswers, EquivalentFormsFromTable) {
  int cases = 0;
  // Answers are LaTeX, so every backslash is literal.
  for (const auto& c : testing::read_cases("sim_answers.tsv", 3, {.escapes = testing::Escapes::kNone})) {
    const std::string &kind = c[0], &gold = c[1];
    std::set<std::string> accepted;
    std::istringstream fs(c[2]);
    for (std::string f; std::getline(fs, f, '|');) accepted.insert(f);
    std::set<std::string> produced;
    for (uint64_t seed = 0; seed < 32; ++seed) {
      sim::Rng rng(seed);
      produced.insert(sim::equivalent_form(gold, kind == "aime", rng));
    }
    EXPECT_EQ(produced, accepted) << "sim_answers.tsv:" << c.line;
    ++cases;
  }
  EXPECT_GT(cases, 5);
}

TEST(SimAnswers, WrongAnswersDifferFromGold) {
  const std::vector<std::string> others = {"\\text{Monday}", "\\text{Tuesday}"};
  for (std::string gold : {"7", "-12", "\\frac{3}{7}", "2\\sqrt{5}", "0.25", "\\text{Monday}", "x"}) {
    for (uint64_t seed = 0; seed < 50; ++seed) {
      sim::Rng rng(seed);
      EXPECT_NE(sim::wrong_answer(gold, false, others, rng), gold);
    }
  }
}

}  // namespace
}  // namespace rigor
