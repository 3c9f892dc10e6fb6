// The cost guard inside a run: it stops starting samples once the budget is
// spent, leaves the run resumable, and a larger budget resumes the same run.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "harness/engines/fake_engine.h"
#include "harness/runner.h"

namespace rigor {
namespace {

class BudgetRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rigor_budget_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Config config(const std::string& budget_line) {
    return parse_config(R"([run]
seed = 7
n = 2
suites = ["aime24"]
limit = 5
)" + budget_line + R"(

[[models]]
name = "api"
engine = "openai"
base_url = "http://127.0.0.1:9/v1"
model_id = "m"
[models.pricing]
input = 1.0
output = 4.0
)",
                        (dir_ / "cfg.toml").string());
  }

  // Every sample: 1000 input + 1000 output tokens = $0.005.
  RunOutcome run(const Config& cfg, Store& store, int* requests) {
    RunOptions opts;
    opts.progress = false;
    opts.check_endpoints = false;  // the scripted engine answers samples only
    auto factory = [requests](const ModelConfig&, const std::string&) -> std::unique_ptr<Engine> {
      return std::make_unique<FakeEngine>([requests](const CompletionRequest&) {
        ++*requests;
        Completion c = FakeEngine::completion("\\boxed{1}");
        c.usage = {1000, 0, 1000, -1};
        return CompletionResult(c);
      });
    };
    return execute_run(cfg, opts, store, nullptr, factory);
  }

  std::filesystem::path dir_;
};

TEST_F(BudgetRun, DollarBudgetStopsCleanlyAndALargerBudgetResumesTheSameRun) {
  Store store((dir_ / "b.db").string());
  int requests = 0;
  Config small = config("budget_usd = 0.02");
  auto first = run(small, store, &requests);
  EXPECT_TRUE(first.budget_spent);
  EXPECT_EQ(first.finished, 4);  // 4 x $0.005 reaches $0.02; nothing new starts after
  EXPECT_EQ(requests, 4);
  EXPECT_NE(first.budget_note.find("$0.0200"), std::string::npos) << first.budget_note;
  ASSERT_TRUE(store.get_run(first.run_id));
  EXPECT_TRUE(store.get_run(first.run_id)->finished_at.empty()) << "a budget-stopped run is not finished";

  // Re-running with the same budget starts nothing: it is already spent.
  auto again = run(small, store, &requests);
  EXPECT_EQ(again.finished, 0);
  EXPECT_EQ(requests, 4);

  // A larger budget is the same run (budgets are not part of its identity).
  Config larger = config("budget_usd = 1.0");
  auto resumed = run(larger, store, &requests);
  EXPECT_EQ(resumed.run_id, first.run_id);
  EXPECT_EQ(resumed.already_done, 4);
  EXPECT_EQ(resumed.finished, 6);
  EXPECT_FALSE(resumed.budget_spent);
  EXPECT_EQ(store.samples(first.run_id).size(), 10u);
  EXPECT_FALSE(store.get_run(first.run_id)->finished_at.empty());
}

TEST_F(BudgetRun, TokenBudgetCountsInputAndOutput) {
  Store store((dir_ / "t.db").string());
  int requests = 0;
  auto out = run(config("budget_tokens = 5000"), store, &requests);
  EXPECT_TRUE(out.budget_spent);
  EXPECT_EQ(out.finished, 3);  // 2000 tokens each: 6000 >= 5000 after the third
}

// A dollar budget counts per-token prices only: over models that have none
// it could never stop the run, so it is refused before anything is sent.
TEST_F(BudgetRun, ADollarBudgetOverModelsNotPricedPerTokenIsRefused) {
  for (const std::string pricing : {"[models.pricing]\ngpu_hour = 2.0\ngpus = 1\n", ""}) {
    const Config cfg = parse_config(R"([run]
seed = 7
n = 2
suites = ["aime24"]
limit = 5
budget_usd = 0.02

[[models]]
name = "local"
engine = "openai"
base_url = "http://127.0.0.1:9/v1"
model_id = "m"
)" + pricing,
                                    (dir_ / "cfg.toml").string());
    Store store((dir_ / "u.db").string());
    int requests = 0;
    try {
      run(cfg, store, &requests);
      ADD_FAILURE() << "accepted with pricing: " << pricing;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("run.budget_tokens"), std::string::npos) << e.what();
    }
    EXPECT_EQ(requests, 0);
    EXPECT_TRUE(store.list_runs().empty()) << "refused before the run is recorded";
  }
}

TEST_F(BudgetRun, NoBudgetRunsEverything) {
  Store store((dir_ / "n.db").string());
  int requests = 0;
  auto out = run(config(""), store, &requests);
  EXPECT_EQ(out.finished, 10);
  EXPECT_FALSE(out.budget_spent);
  EXPECT_TRUE(out.budget_note.empty());
}

}  // namespace
}  // namespace rigor
