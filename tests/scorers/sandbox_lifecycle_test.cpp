// Executors across threads and lifetimes, and the rlimits-only fallback.
#include <signal.h>

#include <thread>

#include <gtest/gtest.h>

#include "scorers/sandbox/cgroup.h"
#include "scorers/sandbox/sandbox.h"
#include "scorers/sandbox/spawn_executor.h"

namespace rigor::sandbox {
namespace {

// Regression: the parent-death signal follows the creating thread, so a
// pooled fork server made by a worker thread died with that worker.
TEST(SandboxLifecycle, ForkServerOutlivesTheThreadThatMadeIt) {
  std::unique_ptr<Executor> exec;
  std::thread([&] {
    exec = make_executor({});
    EXPECT_EQ(exec->run({"print(1)", ""}, {}).stdout_data, "1\n");
  }).join();
  Result r = exec->run({"print(2)", ""}, {});
  EXPECT_EQ(r.outcome, Outcome::kExited) << r.error;
  EXPECT_EQ(r.stdout_data, "2\n");
}

// Regression: glibc's setresuid after clone from a non-main thread waited
// forever for threads that do not exist in the child.
TEST(SandboxLifecycle, SpawnFromAWorkerThread) {
  ExecutorOptions o;
  o.fork_server = false;
  std::thread([&] {
    auto exec = make_executor(o);
    Result r = exec->run({"print(3)", ""}, {});
    EXPECT_EQ(r.stdout_data, "3\n") << r.error;
  }).join();
}

TEST(SandboxLifecycle, RlimitsOnlyModeSaysSoAndStillKillsTheTree) {
  detail::SpawnExecutor exec("/usr/bin/python3", /*namespaces=*/false);
  // Without namespaces a program still gets its cgroup where the host has them.
  const std::string level =
      detail::cgroup_support().kind == detail::CgroupKind::kNone ? "rlimits-only" : "rlimits-only+cgroup";
  EXPECT_EQ(exec.isolation().level(), level);
  Result r = exec.run({"print('plain')", ""}, {});
  ASSERT_EQ(r.outcome, Outcome::kExited) << r.error;
  EXPECT_EQ(r.stdout_data, "plain\n");
  EXPECT_EQ(r.isolation.level(), level);
  Limits l;
  l.wall_s = 1;
  l.cpu_s = 5;
  Result loop = exec.run({"import os\nos.fork()\nwhile True: pass", ""}, l);
  EXPECT_EQ(loop.outcome, Outcome::kTimeLimit);
}

}  // namespace
}  // namespace rigor::sandbox
