// Answers that try to forge a HumanEval verdict, one per line of
// tests/data/code_verdict_forgery.jsonl: every one is judged, none accepted,
// none turned into a sandbox error (the candidate's doing is a verdict).
#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scorers/code/humaneval_scorer.h"
#include "tests/scorers/humaneval_tasks.h"

namespace rigor {
namespace {

struct Forgery {
  std::string cls, name, task, answer;
};

std::vector<Forgery> load_forgeries() {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/code_verdict_forgery.jsonl");
  std::vector<Forgery> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    out.push_back({j.at("class"), j.at("name"), j.at("task"), j.at("answer")});
  }
  return out;
}

TEST(CodeForgery, NoForgedAnswerIsAccepted) {
  auto tasks = bundled_humaneval_tasks();
  auto cases = load_forgeries();
  std::map<std::string, int> per_class;
  for (const auto& c : cases) ++per_class[c.cls];
  for (const char* cls : {"exit_status", "always_equal", "monkeypatch", "reach_runner", "signals"}) {
    EXPECT_GE(per_class[cls], 3) << "too few cases of class " << cls;
  }
  std::vector<Verdict> got(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  HumanEvalScorer scorer;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < cases.size();) {
        got[i] = scorer.score(cases[i].answer, humaneval_task(tasks, cases[i].task).gold);
      }
    });
  }
  for (auto& t : workers) t.join();
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].cls + "/" + cases[i].name);
    EXPECT_TRUE(got[i].extracted_ok) << got[i].reason;
    EXPECT_FALSE(got[i].correct) << got[i].reason;
    EXPECT_FALSE(got[i].error) << got[i].reason;
  }
}

// The same tricks wrapped around a correct function do not stop it passing:
// the judge looks at values, not at how the process ends.
TEST(CodeForgery, ACorrectAnswerThatExitsOddlyIsStillAccepted) {
  auto tasks = bundled_humaneval_tasks();
  const auto& t = humaneval_task(tasks, "HumanEval/53");
  HumanEvalScorer scorer;
  for (const char* tail : {"import atexit, os\natexit.register(os._exit, 3)\n",
                           "import sys\nsys.stdout.write('FAILED\\n')\n"}) {
    std::string answer = std::string("```python\ndef add(x, y):\n    return x + y\n") + tail + "```\n";
    Verdict v = scorer.score(answer, t.gold);
    EXPECT_TRUE(v.correct) << tail << " -> " << v.reason;
  }
}

}  // namespace
}  // namespace rigor
