// Whole-program limits: a program's processes, its tmpfs pages and its forks
// are counted together in its own cgroup, which is removed afterwards; with
// cgroups off, the per-process limits still hold.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "scorers/sandbox/cgroup.h"
#include "scorers/sandbox/jail.h"
#include "scorers/sandbox/sandbox.h"

namespace rigor::sandbox {
namespace {

using detail::CgroupKind;

constexpr size_t kMiB = 1u << 20;

#define SKIP_WITHOUT_CGROUPS()                                                              \
  do {                                                                                      \
    auto sup = detail::cgroup_support();                                                    \
    if (sup.kind == CgroupKind::kNone) GTEST_SKIP() << "no usable cgroups: " << sup.why;    \
  } while (0)

std::unique_ptr<Executor> spawning_executor() {
  ExecutorOptions o;
  o.fork_server = false;
  return make_executor(o);
}

Limits whole_program_limits() {
  Limits l;
  l.wall_s = 60;
  l.cpu_s = 30;
  l.memory_bytes = 512 * kMiB;
  l.max_processes = 16;
  return l;
}

size_t children_of(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_directory();
  return n;
}

TEST(SandboxCgroup, ManyProcessesTogetherStayUnderTheMemoryLimit) {
  SKIP_WITHOUT_CGROUPS();
  auto exec = spawning_executor();
  ASSERT_TRUE(exec->isolation().cgroup);
  // 8 x 200 MiB, each within RLIMIT_AS, 1.6 GB together against 512 MiB.
  const std::string src = R"(
import os, sys, time
kids = []
for i in range(8):
    pid = os.fork()
    if pid == 0:
        try:
            b = bytearray(200 << 20)
            for k in range(0, len(b), 4096):
                b[k] = 1
            time.sleep(2)
            os._exit(0)
        except MemoryError:
            os._exit(3)
    kids.append(pid)
failed = sum(os.waitpid(p, 0)[1] != 0 for p in kids)
sys.exit(1 if failed else 0)
)";
  ExecutorOptions fork_server_options;
  auto fork_server = make_executor(fork_server_options);  // the default executor joins its programs too
  ASSERT_TRUE(fork_server->isolation().cgroup);
  for (Executor* e : {exec.get(), fork_server.get()}) {
    SCOPED_TRACE(e == exec.get() ? "spawning executor" : "fork server");
    Result r = e->run({src, ""}, whole_program_limits());
    EXPECT_EQ(r.outcome, Outcome::kMemoryLimit) << to_string(r.outcome) << " " << r.error << r.stderr_data;
    EXPECT_TRUE(r.isolation.cgroup);
    EXPECT_EQ(r.isolation.level(), "namespaces+seccomp+rlimits+cgroup");
    // The group saw the program's memory (more than one child's worth) and never more than the limit.
    EXPECT_GT(r.peak_memory_bytes, 300 * kMiB);
    EXPECT_LE(r.peak_memory_bytes, 512 * kMiB);
  }
}

TEST(SandboxCgroup, TmpfsPagesAndProcessMemoryCountTogether) {
  SKIP_WITHOUT_CGROUPS();
  auto exec = spawning_executor();
  Limits l = whole_program_limits();
  l.file_bytes = 400 * kMiB;  // /tmp alone may hold 400 MiB
  // 300 MiB in /tmp, then 300 MiB in the process: each fits its own limit, the sum does not.
  const std::string src = R"(
chunk = b"x" * (1 << 20)
with open("/tmp/fill", "wb") as f:
    for i in range(300):
        f.write(chunk)
b = bytearray(300 << 20)
for k in range(0, len(b), 4096):
    b[k] = 1
print("survived")
)";
  Result r = exec->run({src, ""}, l);
  EXPECT_EQ(r.outcome, Outcome::kMemoryLimit) << to_string(r.outcome) << " " << r.error << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "");
  EXPECT_GT(r.peak_memory_bytes, 300 * kMiB);
  EXPECT_LE(r.peak_memory_bytes, 512 * kMiB);
}

// Runs `code` in a jail with the given cgroup fds and a process rlimit far
// above max_processes, so that only the group can stop a fork bomb.
struct JailRun {
  detail::JailStatus status;
  std::string out;
};
JailRun run_in_jail(const std::string& code, const Limits& limits, std::vector<int> cgroup_fds) {
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int p[2];
  EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
  detail::JailSpec spec;
  spec.exe = "/usr/bin/python3";
  spec.argv = {"python3", "-I", "-c", code};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.limits = limits;
  spec.extra_nproc = 64;
  spec.stdin_fd = in;
  spec.stdout_fd = spec.stderr_fd = p[1];
  spec.cgroup_fds = std::move(cgroup_fds);
  auto h = detail::start_jail(spec);
  close(in);
  close(p[1]);
  JailRun run;
  if (!h) {
    close(p[0]);
    ADD_FAILURE() << h.error();
    return run;
  }
  auto drain = [](int fd) {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
    close(fd);
    return s;
  };
  run.out = drain(p[0]);
  run.status = detail::parse_status(drain(h->status_fd));
  int ws = 0;
  waitpid(h->init_pid, &ws, __WALL);
  return run;
}

TEST(SandboxCgroup, ForkBombStopsAtPidsMax) {
  SKIP_WITHOUT_CGROUPS();
  if (!probe_isolation("/usr/bin/python3").user_ns) GTEST_SKIP() << "no namespaces";
  Limits l = whole_program_limits();
  l.max_processes = 8;
  auto g = detail::ProgramCgroup::create(l);
  ASSERT_TRUE(g) << g.error();
  auto run = run_in_jail(R"(
import os, time
n = 0
try:
    while n < 200:
        if os.fork() == 0:
            time.sleep(3)
            os._exit(0)
        n += 1
except OSError as e:
    pass
print(n)
)",
                         l, (*g)->join_fds());
  ASSERT_TRUE(run.status.have_status) << run.status.error << run.out;
  // pids.max = 8 + slack counts the jail's init and the program itself.
  int forked = std::atoi(run.out.c_str());
  EXPECT_GE(forked, 1) << run.out;
  EXPECT_LE(forked, l.max_processes + detail::kCgroupPidsSlack - 2) << run.out;
  EXPECT_TRUE((*g)->pids_limit_hit());
}

TEST(SandboxCgroup, FailingToJoinIsASetupFailure) {
  if (!probe_isolation("/usr/bin/python3").user_ns) GTEST_SKIP() << "no namespaces";
  int not_writable = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto run = run_in_jail("print('ran')", whole_program_limits(), {not_writable});
  close(not_writable);
  EXPECT_FALSE(run.status.have_status);
  EXPECT_NE(run.status.error.find("join cgroup"), std::string::npos) << run.status.error;
  EXPECT_EQ(run.out, "");
}

TEST(SandboxCgroup, NoGroupIsLeftAfterTheRuns) {
  SKIP_WITHOUT_CGROUPS();
  {
    auto exec = spawning_executor();
    Limits l = whole_program_limits();
    EXPECT_EQ(exec->run({"print(1)", ""}, l).outcome, Outcome::kExited);
    // One that leaves processes behind and one that runs out of memory.
    EXPECT_EQ(exec->run({"import os, time\nif os.fork() == 0:\n    time.sleep(30)\n", ""}, l).outcome,
              Outcome::kExited);
    l.memory_bytes = 64 * kMiB;
    exec->run({"import os\nos.fork()\nb = bytearray(60 << 20)\nb[::4096] = b'1' * len(b[::4096])\n", ""}, l);
    auto judged = exec->run_judged({"print(1)", ""}, {"print(2)", ""}, whole_program_limits());
    EXPECT_TRUE(judged.judge.isolation.cgroup && judged.candidate.isolation.cgroup);
  }
  auto parents = detail::cgroup_parent_dirs();
  ASSERT_FALSE(parents.empty());
  for (const auto& p : parents) EXPECT_EQ(children_of(p), 0u) << p;
}

// The helper for the next test: makes a group in a process of its own, which
// then exits normally.
TEST(SandboxCgroup, ExitHelper) {
  if (std::getenv("RIGOR_CGROUP_EXIT_HELPER") == nullptr) GTEST_SKIP() << "run by ParentGroupIsRemovedAtExit";
  auto g = detail::ProgramCgroup::create(whole_program_limits());
  ASSERT_TRUE(g) << g.error();
  for (const auto& p : detail::cgroup_parent_dirs()) fmt::print("{}\n", p);
  std::fflush(stdout);
}

TEST(SandboxCgroup, ParentGroupIsRemovedAtExit) {
  SKIP_WITHOUT_CGROUPS();
  std::string cmd =
      "RIGOR_CGROUP_EXIT_HELPER=1 /proc/" + std::to_string(getpid()) +
      "/exe --gtest_filter=SandboxCgroup.ExitHelper 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char buf[4096];
  while (fgets(buf, sizeof buf, f) != nullptr) out += buf;
  pclose(f);
  size_t dirs = 0;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("/rigor-") == std::string::npos || line[0] != '/') continue;
    ++dirs;
    EXPECT_FALSE(std::filesystem::exists(line)) << line << " left behind";
  }
  EXPECT_GT(dirs, 0u) << out;
}

TEST(SandboxCgroup, WithCgroupsOffEachProcessIsStillLimited) {
  setenv("RIGOR_SANDBOX_CGROUPS", "0", 1);
  auto exec = spawning_executor();
  unsetenv("RIGOR_SANDBOX_CGROUPS");
  EXPECT_FALSE(exec->isolation().cgroup);
  Limits l = whole_program_limits();
  // One process past the limit, and a forked child past it: each fails on its own.
  const std::string src = R"(
import os
pid = os.fork()
try:
    b = bytearray(600 << 20)
    print("allocated")
except MemoryError:
    print("refused")
if pid:
    os.waitpid(pid, 0)
)";
  Result r = exec->run({src, ""}, l);
  EXPECT_EQ(r.outcome, Outcome::kExited) << r.error << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "refused\nrefused\n");
  EXPECT_FALSE(r.isolation.cgroup);
  EXPECT_EQ(r.peak_memory_bytes, 0u);
  EXPECT_EQ(r.isolation.level(), "namespaces+seccomp+rlimits");
}

}  // namespace
}  // namespace rigor::sandbox
