// The scheduler with a scripted engine: what gets stored, what is retried on
// resume, and how truncation, errors and cost are recorded.
#include "harness/runner.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "harness/engines/fake_engine.h"
#include "suites/suite.h"

namespace rigor {
namespace {

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rigor_runner_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cfg_ = parse_config(R"([run]
seed = 99
n = 2
suites = ["aime24"]
limit = 3

[[models]]
name = "api"
engine = "openai"
base_url = "http://127.0.0.1:9/v1"
model_id = "m"
concurrency = 2
[models.pricing]
input = 1.0
cached_input = 0.5
output = 4.0
)",
                        (dir_ / "cfg.toml").string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RunOutcome run(Store& store, FakeEngine::Script script, std::vector<CompletionRequest>* seen = nullptr) {
    RunOptions opts;
    opts.progress = false;
    opts.check_endpoints = false;  // the scripted engine answers samples only
    auto factory = [&](const ModelConfig&, const std::string&) -> std::unique_ptr<Engine> {
      auto wrapped = [script, seen](const CompletionRequest& r) {
        if (seen) seen->push_back(r);
        return script(r);
      };
      return std::make_unique<FakeEngine>(wrapped, 2);
    };
    return execute_run(cfg_, opts, store, nullptr, factory);
  }

  std::filesystem::path dir_;
  Config cfg_;
};

TEST_F(RunnerTest, StoresEverySampleWithVerdictTokensAndCost) {
  Store store((dir_ / "r.db").string());
  std::vector<CompletionRequest> seen;
  auto out = run(store, [](const CompletionRequest&) {
    Completion c = FakeEngine::completion("So the answer is \\boxed{204}.", "thinking");
    c.usage = {1000, 200, 500, 300};
    return CompletionResult(c);
  }, &seen);
  EXPECT_EQ(out.planned, 6);
  EXPECT_EQ(out.finished, 6);
  auto samples = store.samples(out.run_id);
  ASSERT_EQ(samples.size(), 6u);
  std::set<uint64_t> seeds;
  for (const auto& s : samples) {
    EXPECT_EQ(s.extracted, "204");
    EXPECT_EQ(s.correct, s.gold == "204");
    // (800 uncached x $1 + 200 cached x $0.5 + 500 output x $4) / 1e6
    EXPECT_DOUBLE_EQ(s.cost_usd, (800 * 1.0 + 200 * 0.5 + 500 * 4.0) / 1e6);
    EXPECT_EQ(s.reasoning, "thinking");
    seeds.insert(s.seed);
  }
  EXPECT_EQ(seeds.size(), 6u);  // every sample has its own seed
  ASSERT_EQ(seen.size(), 6u);
  for (const auto& r : seen) {
    EXPECT_DOUBLE_EQ(r.temperature, 0.6);
    EXPECT_DOUBLE_EQ(r.top_p, 0.95);
    ASSERT_TRUE(r.seed);
    EXPECT_TRUE(seeds.count(*r.seed));
  }
}

TEST_F(RunnerTest, ErrorsAreStoredAsErrorsAndRetriedOnResume) {
  Store store((dir_ / "r.db").string());
  int calls = 0;
  auto first = run(store, [&](const CompletionRequest&) {
    // Every other request fails for good in the first session.
    if (calls++ % 2 == 0) {
      CompletionResult e = FakeEngine::error(ErrorCode::kServer, "HTTP 500", 500);
      e.error().attempts = 2;  // what the engine really tried
      return e;
    }
    return CompletionResult(FakeEngine::completion("\\boxed{1}"));
  });
  EXPECT_EQ(first.finished, 3);
  EXPECT_EQ(first.errors, 3);
  auto samples = store.samples(first.run_id);
  int errors = 0;
  for (const auto& s : samples) {
    if (s.status == SampleStatus::kError) {
      ++errors;
      EXPECT_FALSE(s.correct);
      EXPECT_NE(s.error.find("HTTP 500"), std::string::npos);
      EXPECT_EQ(s.attempts, 2);  // not the configured maximum
    }
  }
  EXPECT_EQ(errors, 3);
  EXPECT_TRUE(store.get_run(first.run_id)->finished_at.empty());  // not complete while errors remain

  std::vector<CompletionRequest> seen;
  auto second = run(store, [](const CompletionRequest&) {
    return CompletionResult(FakeEngine::completion("\\boxed{1}"));
  }, &seen);
  EXPECT_EQ(second.run_id, first.run_id);
  EXPECT_EQ(second.already_done, 3);
  EXPECT_EQ(seen.size(), 3u);  // only the errored samples are redone
  EXPECT_EQ(store.samples(first.run_id).size(), 6u);
  EXPECT_EQ(store.finished_keys(first.run_id).size(), 6u);
  EXPECT_FALSE(store.get_run(first.run_id)->finished_at.empty());
}

TEST_F(RunnerTest, TruncationAndUnclosedThinkAreRecordedNotScoredAsAnswers) {
  Store store((dir_ / "r.db").string());
  int calls = 0;
  auto out = run(store, [&](const CompletionRequest&) {
    Completion c = FakeEngine::completion("", "endless reasoning \\boxed{204}", "length");
    if (calls++ % 2 == 0) c.reasoning_unclosed = true;
    return CompletionResult(c);
  });
  for (const auto& s : store.samples(out.run_id)) {
    EXPECT_TRUE(s.truncated);
    EXPECT_FALSE(s.extracted_ok);
    EXPECT_FALSE(s.correct);  // a boxed answer inside the reasoning never counts
  }
}

TEST_F(RunnerTest, ChangedConfigUnderTheSameRunIdIsRefused) {
  Store store((dir_ / "r.db").string());
  cfg_.run.id = "fixed";
  run(store, [](const CompletionRequest&) { return CompletionResult(FakeEngine::completion("\\boxed{1}")); });
  cfg_.run.n = 3;
  EXPECT_THROW(run(store, [](const CompletionRequest&) { return CompletionResult(FakeEngine::completion("")); }),
               ConfigError);
}

TEST_F(RunnerTest, ResumeFlagRequiresAnExistingRun) {
  Store store((dir_ / "r.db").string());
  RunOptions opts;
  opts.resume = true;
  opts.progress = false;
    opts.check_endpoints = false;  // the scripted engine answers samples only
  EXPECT_THROW(execute_run(cfg_, opts, store), ConfigError);
}

}  // namespace
}  // namespace rigor
