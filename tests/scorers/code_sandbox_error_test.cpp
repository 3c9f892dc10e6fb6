// A jail that fails for a reason outside the candidate's program is an
// error (Verdict::error: stored as an error, retried on resume), never a
// wrong answer; and a hostile sample scored beside correct ones never
// changes their verdicts.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "scorers/code/humaneval_scorer.h"
#include "scorers/code/stdio_scorer.h"
#include "tests/scorers/humaneval_tasks.h"
#include "tests/scorers/jailed_processes.h"

namespace rigor {
namespace {

std::string fenced(const std::string& code) { return "```python\n" + code + "```\n"; }

TEST(CodeSandboxError, NoInterpreterIsAnErrorNotAWrongAnswer) {
  auto tasks = bundled_humaneval_tasks();
  sandbox::ExecutorOptions o;
  o.python = "/nonexistent/python3";
  ExecutorPool pool(o, 1);
  Verdict v = HumanEvalScorer(&pool).score(tasks[0].canonical, tasks[0].gold);
  EXPECT_TRUE(v.error) << v.reason;
  EXPECT_FALSE(v.correct);
  EXPECT_EQ(v.reason.rfind("sandbox error", 0), 0u) << v.reason;
}

TEST(CodeSandboxError, StdioWithoutInterpreterIsAnErrorNotAWrongAnswer) {
  sandbox::ExecutorOptions o;
  o.python = "/nonexistent/python3";
  ExecutorPool pool(o, 1);
  Verdict v = StdioScorer(&pool).score("```python\nprint(input())\n```\n",
                                       R"({"tests": [{"input": "7\n", "output": "7\n"}]})");
  EXPECT_TRUE(v.error) << v.reason;
  EXPECT_FALSE(v.correct);
  EXPECT_EQ(v.reason.rfind("sandbox error", 0), 0u) << v.reason;
}

// The fork server (and every jail it started) killed from outside while a
// sample runs: that sample is an error; the next one gets a new server.
TEST(CodeSandboxError, ForkServerKilledMidRunIsAnError) {
  if (geteuid() != 0) GTEST_SKIP() << "finds the jails by the uid they get when rigor runs as root";
  auto tasks = bundled_humaneval_tasks();
  const auto& t = humaneval_task(tasks, "HumanEval/53");
  ExecutorPool pool({}, 1);
  HumanEvalScorer scorer(&pool);
  ASSERT_TRUE(scorer.score(fenced("def add(x, y):\n    return x + y\n"), t.gold).correct);
  Verdict slow;
  std::thread run([&] {
    slow = scorer.score(fenced("def add(x, y):\n    import time\n    time.sleep(5)\n    return x + y\n"), t.gold);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (const auto& pid : sandbox::jailed_processes_left()) kill(std::stoi(pid), SIGKILL);
  run.join();
  EXPECT_TRUE(slow.error) << slow.reason;
  EXPECT_FALSE(slow.correct);
  Verdict after = scorer.score(fenced("def add(x, y):\n    return x + y\n"), t.gold);
  EXPECT_TRUE(after.correct) << after.reason;
}

// Hostile candidates (signals at everything they can reach, a fork bomb, a
// memory hog) scored on one thread while correct answers are scored on
// another, through the same pool: the correct ones are accepted every time.
TEST(CodeSandboxError, HostileSampleBesideCorrectOnesNeverChangesTheirVerdicts) {
  auto tasks = bundled_humaneval_tasks();
  const auto& add = humaneval_task(tasks, "HumanEval/53");
  const char* hostile[] = {
      "def add(x, y):\n    import os, signal\n    os.kill(0, signal.SIGKILL)\n",
      "def add(x, y):\n    import os, signal\n    os.kill(-1, signal.SIGKILL)\n    return 0\n",
      "def add(x, y):\n    import os, signal\n    os.kill(0, signal.SIGSTOP)\n",
      "def add(x, y):\n    import os, signal\n    for p in range(1, 2048):\n        try:\n            os.kill(p, signal.SIGKILL)\n"
      "        except OSError:\n            pass\n    return 0\n",
      "def add(x, y):\n    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n",
      "def add(x, y):\n    l = []\n    while True:\n        l.append(bytearray(1 << 24))\n",
  };
  sandbox::Limits limits = HumanEvalScorer::limits();
  limits.wall_s = 2;
  limits.cpu_s = 1;
  ExecutorPool pool({}, 2);
  HumanEvalScorer scorer(&pool, limits);
  constexpr int kIterations = 20;
  std::atomic<bool> hostile_done{false};
  std::vector<Verdict> bad;
  std::thread attacker([&] {
    for (int i = 0; i < kIterations; ++i) bad.push_back(scorer.score(fenced(hostile[i % 6]), add.gold));
    hostile_done = true;
  });
  int good_runs = 0;
  for (int i = 0; good_runs < kIterations || !hostile_done; ++i, ++good_runs) {
    const auto& t = tasks[i % tasks.size()];
    Verdict v = scorer.score(t.canonical, t.gold);
    ASSERT_TRUE(v.correct) << t.id << " (run " << i << ") beside a hostile sample: " << v.reason;
    ASSERT_FALSE(v.error);
  }
  attacker.join();
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_FALSE(bad[i].correct) << hostile[i % 6];
    EXPECT_FALSE(bad[i].error) << hostile[i % 6] << " -> " << bad[i].reason;
  }
}

}  // namespace
}  // namespace rigor
