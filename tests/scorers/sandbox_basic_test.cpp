// The sandbox runs ordinary programs faithfully in both executors.
#include <gtest/gtest.h>

#include "scorers/sandbox/sandbox.h"

namespace rigor::sandbox {
namespace {

class SandboxBasic : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ExecutorOptions o;
    o.fork_server = GetParam();
    exec_ = make_executor(o);
  }
  std::unique_ptr<Executor> exec_;
};

TEST_P(SandboxBasic, EchoesStdinToStdout) {
  Result r = exec_->run({"import sys\nprint(sys.stdin.read().upper(), end='')", "hello\nworld\n"}, {});
  ASSERT_EQ(r.outcome, Outcome::kExited) << r.error << r.stderr_data;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "HELLO\nWORLD\n");
  EXPECT_TRUE(r.isolation.full()) << r.isolation.describe();
}

TEST_P(SandboxBasic, ReportsExitCodeAndStderr) {
  Result r = exec_->run({"import sys\nsys.stderr.write('boom')\nsys.exit(3)", ""}, {});
  ASSERT_EQ(r.outcome, Outcome::kExited) << r.error;
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.stderr_data, "boom");
}

TEST_P(SandboxBasic, UncaughtExceptionExitsOneWithTraceback) {
  Result r = exec_->run({"def f():\n  raise ValueError('bad')\nf()", ""}, {});
  ASSERT_EQ(r.outcome, Outcome::kExited) << r.error;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_data.find("ValueError: bad"), std::string::npos) << r.stderr_data;
}

TEST_P(SandboxBasic, RunsAsMainModuleWithExitBuiltin) {
  Result r = exec_->run({"if __name__ == '__main__':\n  print('main')\n  exit(0)", ""}, {});
  ASSERT_EQ(r.outcome, Outcome::kExited) << r.error << r.stderr_data;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "main\n");
}

// The interpreter runs with -S, so that no .pth file of the host runs in the
// jail; a program still has what site gives it. And no program starts with
// threading imported: under the fork server its at-fork hook cost ~3 ms of
// copy-on-write faults per program on the reference VM.
TEST_P(SandboxBasic, HasSiteBuiltinsAndPackagesButNoHostPthHooks) {
  Result r = exec_->run({"import sys, site\n"
                         "print(callable(exit), callable(quit), callable(help))\n"
                         "print(all(p in sys.path for p in site.getsitepackages() if __import__('os').path.isdir(p)))\n"
                         "print('threading' in sys.modules)\n"
                         "import threading\n"
                         "t = threading.Thread(target=print, args=('thread',))\nt.start()\nt.join()\n",
                         ""},
                        {});
  ASSERT_EQ(r.outcome, Outcome::kExited) << r.error << r.stderr_data;
  EXPECT_EQ(r.exit_code, 0) << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "True True True\nTrue\nFalse\nthread\n");
}

TEST_P(SandboxBasic, ManyRunsInARowStayIndependent) {
  for (int i = 0; i < 5; ++i) {
    Result r = exec_->run({"import os\nprint(len(os.listdir('/tmp')))\nopen('/tmp/x','w').write('1')", ""}, {});
    ASSERT_EQ(r.outcome, Outcome::kExited) << r.error << r.stderr_data;
    EXPECT_EQ(r.stdout_data, "0\n") << "run " << i << " saw a previous run's /tmp";
  }
}

INSTANTIATE_TEST_SUITE_P(Executors, SandboxBasic, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ForkServer" : "Spawn"; });

}  // namespace
}  // namespace rigor::sandbox
