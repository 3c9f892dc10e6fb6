// The judge host: under the fork server, a judged run whose judge is rigor's
// own runner code runs that judge in one long-lived interpreter, task after
// task. Each task starts from fresh globals and fresh fds; a task that ends
// badly, or a host killed at the time limit, is replaced; and nothing a
// candidate sends can carry over to the next sample's verdict.
#include <gtest/gtest.h>

#include "scorers/code/humaneval_judge.h"
#include "scorers/code/humaneval_scorer.h"
#include "scorers/sandbox/sandbox.h"
#include "tests/scorers/humaneval_tasks.h"

namespace rigor::sandbox {
namespace {

std::unique_ptr<Executor> fork_server() {
  ExecutorOptions o;
  o.fork_server = true;
  return make_executor(o);
}

Limits short_limits() {
  Limits l;
  l.wall_s = 3;
  l.cpu_s = 2;
  return l;
}

// A trusted judge (runner code) that prints what it finds and answers nothing.
JudgedResult hosted(Executor& exec, const std::string& judge_source, const std::string& stdin_data = "") {
  return exec.run_judged({judge_source, stdin_data, true}, {"import os\nos.read(3, 1)\n", ""}, short_limits());
}

TEST(JudgeHost, EachTaskHasFreshGlobalsFdsAndStdout) {
  auto exec = fork_server();
  const std::string judge =
      "import os, sys\n"
      "def is_open(fd):\n"
      "    try:\n"
      "        os.fstat(fd)\n"
      "        return True\n"
      "    except OSError:\n"
      "        return False\n"
      "print([fd for fd in range(4, 256) if is_open(fd)], file=sys.stderr)\n"
      "print('seen' in globals(), sys.stdin.read())\n"
      "seen = True\n"
      "leak = os.dup(1)\n"                    // an fd left open
      "sys.stdout = open(os.devnull, 'w')\n";  // and a replaced stdout, with output in the old one's buffer
  std::string first_fds;
  for (int i = 0; i < 3; ++i) {
    JudgedResult r = hosted(*exec, judge, "task " + std::to_string(i));
    ASSERT_EQ(r.judge.outcome, Outcome::kExited) << r.judge.error << r.judge.stderr_data;
    EXPECT_EQ(r.judge.exit_code, 0);
    EXPECT_EQ(r.judge.stdout_data, "False task " + std::to_string(i) + "\n") << "run " << i;
    if (i == 0) first_fds = r.judge.stderr_data;
    EXPECT_EQ(r.judge.stderr_data, first_fds) << "run " << i << " found fds an earlier task left open";
    EXPECT_TRUE(r.judge.isolation.user_ns && r.judge.isolation.pid_ns && r.judge.isolation.net_ns)
        << r.judge.isolation.describe();
  }
}

// One interpreter serves task after task; a task that ends with a failure
// status retires it, so the next task meets a new one.
TEST(JudgeHost, ATaskThatFailsRetiresTheHost) {
  auto exec = fork_server();
  const std::string mark = "import sys\nprint(getattr(sys, 'rigor_marker', 0))\nsys.rigor_marker = 1\n";
  auto out = [&](const std::string& src) {
    JudgedResult r = hosted(*exec, src);
    EXPECT_EQ(r.judge.outcome, Outcome::kExited) << r.judge.error;
    return std::make_pair(r.judge.exit_code, r.judge.stdout_data);
  };
  EXPECT_EQ(out(mark), std::make_pair(0, std::string("0\n")));
  EXPECT_EQ(out(mark), std::make_pair(0, std::string("1\n"))) << "the host was not reused";
  auto failed = out("raise ValueError('bad test')\n");
  EXPECT_EQ(failed.first, 1);
  EXPECT_EQ(out(mark), std::make_pair(0, std::string("0\n"))) << "the failed task's host served again";
  EXPECT_EQ(out("raise SystemExit(3)\n").first, 3);
  EXPECT_EQ(out(mark), std::make_pair(0, std::string("0\n")));
}

TEST(JudgeHost, AHostKilledAtTheTimeLimitIsReplaced) {
  auto exec = fork_server();
  JudgedResult slow = hosted(*exec, "import time\ntime.sleep(60)\n");
  EXPECT_EQ(slow.judge.outcome, Outcome::kTimeLimit);
  JudgedResult next = hosted(*exec, "print('next')\n");
  ASSERT_EQ(next.judge.outcome, Outcome::kExited) << next.judge.error;
  EXPECT_EQ(next.judge.stdout_data, "next\n");
}

// Candidates aimed at the judge host itself, each followed on the same
// executor by a correct answer: none is accepted or turned into an error, and
// the correct one after it is accepted every time.
TEST(JudgeHost, CandidatesAimedAtTheHostDoNotReachTheNextVerdict) {
  auto tasks = bundled_humaneval_tasks();
  const auto& t = humaneval_task(tasks, "HumanEval/53");
  ExecutorPool pool({}, 1);
  HumanEvalScorer scorer(&pool);
  const std::string good = "```python\ndef add(x, y):\n    return x + y\n```\n";
  const char* hostile[] = {
      // never answers: the judge waits until the time limit
      "def add(x, y):\n    import time\n    time.sleep(60)\n",
      // a value nested deeper than the judge's decoder goes
      "def add(x, y):\n    v = []\n    for _ in range(100000):\n        v = [v]\n    return v\n",
      // a value as large as a frame may be
      "def add(x, y):\n    return 'x' * (7 << 20)\n",
      // frames nobody asked for, then garbage on the channel
      "import os, struct\nos.write(3, struct.pack('>I', 9) + b'[\"ready\"]')\n"
      "os.write(3, struct.pack('>I', 4) + b'\\xff\\xfe\\x00\\x01')\n"
      "def add(x, y):\n    return x + y\n",
      // a frame longer than the limit
      "import os, struct\nos.write(3, struct.pack('>I', 0xffffffff))\ndef add(x, y):\n    return x + y\n",
      // a correct value for the first call, then the process is gone
      "import os\ncalls = [0]\ndef add(x, y):\n    calls[0] += 1\n    if calls[0] > 1:\n        os._exit(0)\n    return x + y\n",
  };
  for (const char* h : hostile) {
    Verdict bad = scorer.score(std::string("```python\n") + h + "```\n", t.gold);
    EXPECT_FALSE(bad.correct) << h << " -> " << bad.reason;
    EXPECT_FALSE(bad.error) << h << " -> " << bad.reason;
    Verdict v = scorer.score(good, t.gold);
    EXPECT_TRUE(v.correct) << "after " << h << ": " << v.reason;
    EXPECT_FALSE(v.error) << v.reason;
  }
}

}  // namespace
}  // namespace rigor::sandbox
