// The local engine launcher: waits for health, reports the engine's log
// when it does not come up, and leaves no process behind either way.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "harness/launch.h"

namespace rigor {
namespace {

namespace fs = std::filesystem;

// Dead = gone, or a zombie waiting for a reaper that is not us.
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool gone_within(pid_t pid, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return process_gone(pid);
}

pid_t read_pid(const fs::path& file) {
  for (int i = 0; i < 250; ++i) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

class LaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rigor_launch_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(Launch, SubstitutesThePortEverywhere) {
  EXPECT_EQ(substitute_port("http://127.0.0.1:{port}/v1 {port}", 8123), "http://127.0.0.1:8123/v1 8123");
  EXPECT_EQ(substitute_port("no token", 1), "no token");
}

TEST_F(LaunchTest, AHealthyEngineIsUpAndItsWholeProcessGroupStopsWithIt) {
  LaunchSpec spec;
  const fs::path pidfile = dir_ / "server.pid";
  // The server is a grandchild: stopping must reach the group, not just sh.
  spec.command = {"sh", "-c",
                  "/usr/bin/python3 -m http.server {port} --bind 127.0.0.1 --directory " + dir_.string() + " & echo $! > " +
                      pidfile.string() + "; wait"};
  spec.port = free_loopback_port();
  spec.health_url = "http://127.0.0.1:{port}/";
  spec.startup_timeout_s = 30;
  pid_t server = 0;
  pid_t leader = 0;
  {
    LaunchedEngine engine(spec);
    leader = engine.pid();
    server = read_pid(pidfile);
    ASSERT_GT(server, 0);
    EXPECT_FALSE(process_gone(server));
    EXPECT_GT(engine.startup_s(), 0);
  }
  EXPECT_TRUE(gone_within(leader, 5));
  EXPECT_TRUE(gone_within(server, 5));
}

TEST_F(LaunchTest, AnEngineThatPicksItsOwnPortIsFoundThroughItsLog) {
  // Port 0: the server binds any free port and prints it; nothing to race for.
  std::ofstream(dir_ / "health") << "ok";
  LaunchSpec spec;
  spec.command = {"/usr/bin/python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                  dir_.string()};
  spec.port_from_log = R"(Serving HTTP on [0-9.]+ port ([0-9]+))";
  spec.health_url = "http://127.0.0.1:{port}/health";
  spec.startup_timeout_s = 30;
  spec.poll_interval_s = 0.01;
  LaunchedEngine engine(spec);
  EXPECT_GT(engine.port(), 0);
  EXPECT_NE(tail_of_file(engine.log_path()).find("port " + std::to_string(engine.port())), std::string::npos);
}

TEST_F(LaunchTest, AnEngineThatNeverSaysItsPortTimesOutNamingThePattern) {
  LaunchSpec spec;
  spec.command = {"sleep", "60"};
  spec.port_from_log = R"(listening on ([0-9]+))";
  spec.health_url = "http://127.0.0.1:{port}/health";
  spec.startup_timeout_s = 0.5;
  try {
    LaunchedEngine engine(spec);
    FAIL() << "no port was ever printed";
  } catch (const LaunchError& e) {
    EXPECT_NE(std::string(e.what()).find("did not say its port"), std::string::npos) << e.what();
  }
}

TEST_F(LaunchTest, AnEngineThatExitsIsReportedWithItsLog) {
  LaunchSpec spec;
  spec.command = {"sh", "-c", "echo 'CUDA out of memory (simulated)'; exit 3"};
  spec.port = free_loopback_port();
  spec.health_url = "http://127.0.0.1:{port}/health";
  spec.startup_timeout_s = 30;
  try {
    LaunchedEngine engine(spec);
    FAIL() << "an engine that exits must not count as started";
  } catch (const LaunchError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("exited with code 3"), std::string::npos) << what;
    EXPECT_NE(what.find("CUDA out of memory (simulated)"), std::string::npos) << what;
    // The temporary log is removed with the engine: the message quotes its
    // end and does not send the reader to a path that no longer exists.
    EXPECT_NE(what.find("the end of its log"), std::string::npos) << what;
    EXPECT_EQ(what.find("/rigor-"), std::string::npos) << what;
  }
}

TEST_F(LaunchTest, AKeptLogIsNamedWhenTheEngineFails) {
  LaunchSpec spec;
  spec.command = {"sh", "-c", "echo 'bad flag'; exit 2"};
  spec.port = free_loopback_port();
  spec.health_url = "http://127.0.0.1:{port}/health";
  spec.startup_timeout_s = 30;
  spec.log_path = (dir_ / "engine.log").string();
  try {
    LaunchedEngine engine(spec);
    FAIL() << "an engine that exits must not count as started";
  } catch (const LaunchError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("its log (" + spec.log_path + ")"), std::string::npos) << what;
    EXPECT_NE(what.find("bad flag"), std::string::npos) << what;
  }
  EXPECT_TRUE(fs::exists(spec.log_path));
}

TEST_F(LaunchTest, AProgramThatCannotBeRunIsReported) {
  LaunchSpec spec;
  spec.command = {(dir_ / "no-such-engine").string()};
  spec.health_url = "http://127.0.0.1:1/health";
  spec.startup_timeout_s = 30;
  try {
    LaunchedEngine engine(spec);
    FAIL() << "expected LaunchError";
  } catch (const LaunchError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot execute"), std::string::npos) << e.what();
  }
}

TEST_F(LaunchTest, AnEngineNeverHealthyTimesOutAndLeavesNoProcessBehind) {
  LaunchSpec spec;
  const fs::path pidfile = dir_ / "child.pid";
  // Ignores SIGTERM and has a child: only the group SIGKILL ends both.
  spec.command = {"sh", "-c",
                  "trap '' TERM; sleep 300 & echo $! > " + pidfile.string() + "; echo loading weights; wait; sleep 300"};
  spec.port = free_loopback_port();
  spec.health_url = "http://127.0.0.1:{port}/health";
  spec.startup_timeout_s = 1;
  pid_t child = 0;
  try {
    LaunchedEngine engine(spec);
    FAIL() << "expected a timeout";
  } catch (const LaunchError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("was not healthy"), std::string::npos) << what;
    EXPECT_NE(what.find("loading weights"), std::string::npos) << what;
    child = read_pid(pidfile);
  }
  ASSERT_GT(child, 0);
  EXPECT_TRUE(gone_within(child, 5));
}

}  // namespace
}  // namespace rigor
