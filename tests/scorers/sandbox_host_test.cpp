// What a program does to the host: signals at its process group or at every
// process it can see reach neither rigor (this test process), nor a canary
// in rigor's process group running as the jailed programs' uid, nor the fork
// server; nothing is left running afterwards.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "scorers/sandbox/sandbox.h"
#include "tests/scorers/jailed_processes.h"

namespace rigor::sandbox {
namespace {

// A process in this test's process group, with the uid jailed programs have
// outside their namespace when we are root (so that only the process group,
// not permissions, could protect it).
class Canary {
 public:
  Canary() {
    pid_ = fork();
    if (pid_ == 0) {
      if (geteuid() == 0) {
        if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(1);
      }
      for (;;) pause();
    }
  }
  ~Canary() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // 'S' while it waits; 'T' when stopped; '?' once gone.
  char state() const {
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG | WUNTRACED) == pid_) return WIFSTOPPED(st) ? 'T' : '?';
    std::ifstream f("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), {});
    size_t close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

const char* const kSignallers[] = {
    "import os, signal\nos.kill(0, signal.SIGKILL)\n",
    "import os, signal\nos.kill(0, signal.SIGSTOP)\n",
    "import os, signal\nos.kill(-1, signal.SIGKILL)\n",
    "import os, signal\nos.kill(-1, signal.SIGSTOP)\n",
    "import os, signal\nos.killpg(os.getpgrp(), signal.SIGKILL)\n",
    "import os, signal\nfor p in range(1, 4096):\n    try:\n        os.kill(p, signal.SIGKILL)\n    except OSError:\n        pass\n",
    "import os, signal\nfor p in range(1, 4096):\n    try:\n        os.killpg(p, signal.SIGSTOP)\n    except OSError:\n        pass\n",
};

Limits short_limits() {
  Limits l;
  l.wall_s = 1.5;
  l.cpu_s = 1;
  return l;
}

struct Mode {
  bool fork_server, judged;
};

class SandboxHost : public ::testing::TestWithParam<Mode> {};

TEST_P(SandboxHost, SignalsFromAProgramStayInItsJail) {
  ExecutorOptions o;
  o.fork_server = GetParam().fork_server;
  auto exec = make_executor(o);
  ASSERT_EQ(exec->run({"pass", ""}, short_limits()).outcome, Outcome::kExited);
  // The fork server's own processes: there before and after a pause (a
  // previous program's init may still be on its way out).
  auto before = jailed_processes_left();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::string> own;
  for (const auto& p : jailed_processes_left())
    if (std::find(before.begin(), before.end(), p) != before.end()) own.push_back(p);
  Canary canary;
  for (int i = 0; i < 100 && canary.state() != 'S'; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(canary.state(), 'S');
  for (const char* src : kSignallers) {
    SCOPED_TRACE(src);
    Result r;
    if (GetParam().judged) {
      // The candidate side of a judged run; the judge just waits for its greeting.
      JudgedResult jr = exec->run_judged({"import os\nos.read(3, 1)\n", ""}, {src, ""}, short_limits());
      EXPECT_NE(jr.judge.outcome, Outcome::kSandboxError) << jr.judge.error;
      r = jr.candidate;
    } else {
      r = exec->run({src, ""}, short_limits());
    }
    EXPECT_NE(r.outcome, Outcome::kSandboxError) << r.error;
    char st = canary.state();
    EXPECT_TRUE(st == 'S' || st == 'R') << "the canary in rigor's process group is in state " << st;
    if (st == 'T') kill(canary.pid(), SIGCONT);
    // The fork server and everything else outside the jail is still there, and nothing of the jail is.
    std::vector<std::string> strays;
    for (int i = 0; i < 50; ++i) {
      strays.clear();
      for (const auto& p : jailed_processes_left()) {
        if (p != std::to_string(canary.pid()) && std::find(own.begin(), own.end(), p) == own.end()) strays.push_back(p);
      }
      if (strays.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (geteuid() == 0) {
      EXPECT_TRUE(strays.empty()) << strays.size() << " jailed processes left, first " << strays[0];
      for (const auto& p : own) EXPECT_NE(status_field(p, "Uid:"), -1) << "the fork server's process " << p << " died";
    }
    Result ok = exec->run({"print(6 * 7)", ""}, short_limits());
    EXPECT_EQ(ok.stdout_data, "42\n") << ok.error;
  }
}

INSTANTIATE_TEST_SUITE_P(Executors, SandboxHost,
                         ::testing::Values(Mode{false, false}, Mode{true, false}, Mode{true, true}),
                         [](const auto& info) {
                           return std::string(info.param.fork_server ? "ForkServer" : "Spawn") +
                                  (info.param.judged ? "Judged" : "");
                         });

}  // namespace
}  // namespace rigor::sandbox
