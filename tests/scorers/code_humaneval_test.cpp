// HumanEval through the real sandbox: every canonical solution is accepted
// and a deliberately wrong variant of each is not.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scorers/code/humaneval_scorer.h"
#include "scorers/scorer.h"
#include "tests/scorers/humaneval_tasks.h"

namespace rigor {
namespace {

using Task = HumanEvalTask;

std::vector<Task> bundled_tasks() { return bundled_humaneval_tasks(); }

// Scores answer_of(task) for every task on all cores; returns the verdicts.
template <class F>
std::vector<Verdict> score_all(const std::vector<Task>& tasks, F answer_of) {
  auto scorer = make_scorer("humaneval");
  std::vector<Verdict> out(tasks.size());
  std::atomic<size_t> next{0};
  unsigned n = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < n; ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < tasks.size();) out[i] = scorer->score(answer_of(tasks[i]), tasks[i].gold);
    });
  }
  for (auto& t : workers) t.join();
  return out;
}

TEST(CodeHumanEval, AllCanonicalSolutionsAreAcceptedAndPassStubsAreNot) {
  auto tasks = bundled_tasks();
  ASSERT_EQ(tasks.size(), 164u);
  auto good = score_all(tasks, [](const Task& t) { return t.canonical; });
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_TRUE(good[i].correct) << tasks[i].id << ": " << good[i].reason;
    EXPECT_NE(good[i].reason.find("isolation: namespaces+seccomp+rlimits"), std::string::npos) << good[i].reason;
  }
  // The deliberately wrong variant: the function body does nothing.
  auto bad = score_all(tasks, [](const Task&) { return std::string("    pass\n"); });
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_FALSE(bad[i].correct) << tasks[i].id << " accepts a function that returns None";
    EXPECT_EQ(bad[i].reason.rfind("wrong answer", 0) == 0 || bad[i].reason.rfind("runtime error", 0) == 0, true)
        << bad[i].reason;
  }
}

TEST(CodeHumanEval, ChatStyleFullFunctionInAFenceIsAccepted) {
  auto tasks = bundled_tasks();
  const Task& t = tasks[0];  // has_close_elements, needs the prompt's `from typing import List`
  std::string answer =
      "Here is the solution.\n\n```python\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
      "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n```\n";
  Verdict v = make_scorer("humaneval")->score(answer, t.gold);
  EXPECT_TRUE(v.correct) << v.reason;
  EXPECT_NE(v.reason.find("last fenced block (python)"), std::string::npos) << v.reason;
}

TEST(CodeHumanEval, VerdictKindsAreNamed) {
  auto tasks = bundled_tasks();
  auto scorer = make_scorer("humaneval");
  struct Case {
    std::string answer, verdict;
  } cases[] = {
      {"    return True\n", "wrong answer"},
      {"    return (\n", "compile error"},
      {"    while True: pass\n", "time limit"},
      {"    raise ValueError('no')\n", "runtime error"},
      {"", "no code"},
  };
  for (const auto& c : cases) {
    Verdict v = scorer->score(c.answer, tasks[0].gold);
    EXPECT_FALSE(v.correct);
    EXPECT_EQ(v.reason.rfind(c.verdict, 0), 0u) << c.answer << " -> " << v.reason;
  }
  Verdict bad = scorer->score("    return True\n", R"({"prompt": "def f():\n"})");
  EXPECT_FALSE(bad.correct);
  EXPECT_EQ(bad.reason.rfind("bad tests", 0), 0u) << bad.reason;
}

}  // namespace
}  // namespace rigor
