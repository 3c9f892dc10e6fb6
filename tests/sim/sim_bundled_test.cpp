// The simulator over the bundled suites: every problem is recognised from
// its prompt, the shipped profiles hit their accuracy targets, and the real
// scorers agree with the simulator about which samples are correct.
#include <set>

#include <gtest/gtest.h>

#include "sim/sim_generate.h"
#include "sim/sim_index.h"
#include "sim/sim_profile.h"
#include "scorers/scorer.h"
#include "suites/registry.h"

namespace rigor {
namespace {

const std::vector<std::string> kSuites = {"aime24", "aime25", "math500"};

std::shared_ptr<const SimIndex> bundled() {
  static auto index = std::make_shared<const SimIndex>(bundled_sim_index());
  return index;
}

std::map<std::string, SimProfile> shipped() {
  return load_sim_profiles(std::string(RIGOR_SOURCE_DIR) + "/configs/sim_profiles.toml");
}

TEST(SimBundled, EveryMathProblemIsRecognisedWhateverTheSampleSeed) {
  size_t total = 0;
  for (const auto& name : kSuites) {
    Suite suite = load_suite(name);
    total += suite.problems.size();
    for (const Problem& p : suite.problems) {
      // The run sends make_prompt(.., sample_seed); the index used seed 0.
      const SimProblem* found = bundled()->find(make_prompt(suite, p, sample_seed(7, name, p.id, 3)).user_message);
      ASSERT_NE(found, nullptr) << name << "/" << p.id;
      EXPECT_EQ(found->problem_id, p.id);
      EXPECT_EQ(found->suite, name);
      EXPECT_EQ(found->gold, p.gold);
    }
  }
  EXPECT_EQ(bundled()->size(), total + load_suite("humaneval").problems.size());
}

TEST(SimBundled, ShippedProfilesHitTheirTargetsAndTheDistillIsWeaker) {
  auto profiles = shipped();
  for (const auto& [name, profile] : profiles) {
    // A router is calibrated on its own keys; its target answers the rest.
    std::shared_ptr<const SimModel> target;
    if (!profile.route_to.empty()) target = std::make_shared<const SimModel>(profiles.at(profile.route_to), bundled());
    SimModel model(profile, bundled(), 0, target);
    for (const auto& suite : kSuites) {
      double sum = 0;
      const Suite s = load_suite(suite);
      for (const Problem& p : s.problems) sum += model.p_correct(*bundled()->find(make_prompt(s, p, 0).user_message));
      EXPECT_NEAR(sum / static_cast<double>(s.problems.size()), profile.accuracy.at(suite), 1e-6) << name << " " << suite;
    }
  }
  SimModel full(profiles.at("full"), bundled()), distill(profiles.at("distill"), bundled());
  for (const auto& suite : kSuites) EXPECT_GT(full.ability(suite), distill.ability(suite)) << suite;
}

TEST(SimBundled, ScorersAgreeWithTheSimulatorOnEverySample) {
  SimProfile profile = shipped().at("full");
  profile.equivalent_form_prob = 0.5;  // exercise the equivalent forms often
  profile.no_answer_prob = 0.05;
  SimModel model(profile, bundled());
  int checked = 0, correct = 0, unanswered = 0;
  for (const auto& name : kSuites) {
    Suite suite = load_suite(name);
    auto scorer = make_scorer(suite.scorer);
    ASSERT_NE(scorer, nullptr) << suite.scorer;
    for (const Problem& p : suite.problems) {
      const std::string prompt = make_prompt(suite, p, 0).user_message;
      for (uint64_t seed = 0; seed < 4; ++seed) {
        SimScript s = model.generate(prompt, seed, std::nullopt);
        std::string answer;
        for (const auto& c : s.chunks)
          if (!c.reasoning) answer += c.text;
        Verdict v = scorer->score(answer, p.gold);
        EXPECT_EQ(v.correct, s.correct) << name << "/" << p.id << " gold " << p.gold << " answered " << s.answer
                                        << " (" << v.reason << ")";
        EXPECT_EQ(v.extracted_ok, s.answered) << name << "/" << p.id << ": " << answer;
        ++checked;
        correct += s.correct;
        unanswered += !s.answered;
      }
    }
  }
  EXPECT_EQ(checked, static_cast<int>(bundled()->size() - load_suite("humaneval").problems.size()) * 4);
  EXPECT_GT(correct, checked / 2);
  EXPECT_GT(unanswered, 0);
}

// HumanEval: the answer is the whole function in a fenced block, the
// canonical solution when meant to be right, a program that runs and returns
// None otherwise; the real scorer (tests in a judge, code in the sandbox)
// agrees on every problem.
TEST(SimBundled, HumanEvalAnswersAreCodeTheScorerJudgesAsTheSimulatorMeant) {
  SimProfile profile = shipped().at("full");
  profile.no_answer_prob = 0.02;
  SimModel model(profile, bundled());
  Suite suite = load_suite("humaneval");
  auto scorer = make_scorer(suite.scorer);
  ASSERT_NE(scorer, nullptr);
  int right = 0, wrong = 0;
  for (const Problem& p : suite.problems) {
    const std::string prompt = make_prompt(suite, p, 0).user_message;
    SimScript s = model.generate(prompt, 11, std::nullopt);
    ASSERT_NE(s.problem, nullptr) << p.id;
    std::string answer;
    for (const auto& c : s.chunks)
      if (!c.reasoning) answer += c.text;
    if (s.answered) {
      EXPECT_NE(answer.find("```python\n"), std::string::npos) << answer;
    }
    Verdict v = scorer->score(answer, p.gold);
    ASSERT_FALSE(v.error) << p.id << ": " << v.reason;
    EXPECT_EQ(v.correct, s.correct) << p.id << " (" << v.reason << ")\n" << answer;
    right += s.correct;
    wrong += s.answered && !s.correct;
  }
  EXPECT_GT(right, 40);
  EXPECT_GT(wrong, 20);
}

}  // namespace
}  // namespace rigor

namespace rigor {
namespace {

// GPQA from the user's CSV (rigor sim --gpqa-csv): found whatever the choice
// order of the sample, answered with a letter the real scorer judges as the
// simulator meant, the right letter moving with the shuffle.
TEST(SimGpqa, ChoicePromptsAreAnsweredWithTheLetterTheScorerExpects) {
  const std::string csv = std::string(RIGOR_TEST_DATA) + "/suites_gpqa.csv";
  auto index = std::make_shared<const SimIndex>(sim_index_with_gpqa(csv));
  SuiteOptions opts;
  opts.gpqa_csv = csv;
  const Suite suite = load_suite("gpqa-diamond", opts);
  auto scorer = make_scorer(suite.scorer);
  ASSERT_NE(scorer, nullptr);
  SimModel model(shipped().at("full"), index);
  int right = 0, wrong = 0;
  std::set<std::string> gold_letters;
  for (const Problem& p : suite.problems) {
    for (uint64_t seed = 0; seed < 16; ++seed) {
      const PromptedSample ps = make_prompt(suite, p, seed);
      SimScript s = model.generate(ps.user_message, seed, std::nullopt);
      ASSERT_NE(s.problem, nullptr) << p.id;
      EXPECT_EQ(s.problem->problem_id, p.id);
      std::string answer;
      for (const auto& c : s.chunks)
        if (!c.reasoning) answer += c.text;
      Verdict v = scorer->score(answer, ps.gold);
      EXPECT_EQ(v.correct, s.correct) << p.id << " gold " << ps.gold << ": " << answer.substr(answer.size() - 40);
      right += s.correct;
      wrong += s.answered && !s.correct;
      gold_letters.insert(ps.gold);
    }
  }
  EXPECT_GT(right, 0);
  EXPECT_GT(wrong, 0);
  EXPECT_EQ(gold_letters.size(), 4u) << "the shuffle moves the right letter";
}

}  // namespace
}  // namespace rigor
