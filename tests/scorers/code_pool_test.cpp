// The shared executor pool: more callers than executors wait their turn and
// every run completes.
#include <thread>

#include <gtest/gtest.h>

#include "scorers/code/code_verdict.h"
#include "scorers/scorer.h"

namespace rigor {
namespace {

TEST(CodePool, MoreCallersThanExecutorsAllComplete) {
  ExecutorPool pool({}, /*max_executors=*/1);
  std::vector<std::string> out(4);
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] { out[i] = pool.run({"print(" + std::to_string(i) + ")", ""}, {}).stdout_data; });
  }
  for (auto& t : callers) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], std::to_string(i) + "\n");
}

TEST(CodePool, VerdictsOfRuns) {
  ExecutorPool pool({}, 1);
  sandbox::Limits l;
  l.wall_s = 1;
  EXPECT_EQ(verdict_of_run(pool.run({"pass", ""}, l)), CodeVerdict::kAccepted);
  EXPECT_EQ(verdict_of_run(pool.run({"def f(:\n", ""}, l)), CodeVerdict::kCompileError);
  EXPECT_EQ(verdict_of_run(pool.run({"import os\nos.abort()", ""}, l)), CodeVerdict::kRuntimeError);
  EXPECT_EQ(verdict_of_run(pool.run({"import time\ntime.sleep(5)", ""}, l)), CodeVerdict::kTimeLimit);
}

}  // namespace
}  // namespace rigor

namespace rigor {
namespace {

// The runner scores on several threads exactly the scorers that say they
// are slow: the two that run programs in the sandbox.
TEST(ScorerRegistry, OnlyTheSandboxScorersAreSlow) {
  for (const char* name : {"humaneval", "stdio"}) EXPECT_TRUE(make_scorer(name)->slow()) << name;
  for (const char* name : {"aime", "gpqa", "math"}) EXPECT_FALSE(make_scorer(name)->slow()) << name;
}

}  // namespace
}  // namespace rigor
