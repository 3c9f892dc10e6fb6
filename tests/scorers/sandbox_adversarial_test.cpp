// Hostile programs, one per line of tests/data/code_sandbox_adversarial.jsonl:
// each must end with the expected outcome, within its time bound, leave the
// harness unharmed and leave nothing running.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scorers/sandbox/sandbox.h"
#include "tests/scorers/jailed_processes.h"

namespace rigor::sandbox {
namespace {

struct Case {
  std::string name, source, stdin_data, expect;
  std::optional<std::string> stdout_data;
  double max_wall_s = 0;
  std::optional<size_t> memory_bytes;  // "memory_mb": this case's own memory limit
};

std::vector<Case> load_cases() {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/code_sandbox_adversarial.jsonl");
  std::vector<Case> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    Case c{j.at("name"), j.at("source"), j.at("stdin"), j.at("expect"), std::nullopt, j.at("max_wall_s"), std::nullopt};
    if (j.contains("stdout")) c.stdout_data = j.at("stdout").get<std::string>();
    if (j.contains("memory_mb")) c.memory_bytes = j.at("memory_mb").get<size_t>() << 20;
    out.push_back(std::move(c));
  }
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

class Listener {  // a real service on loopback the programs must not reach
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 4);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

Limits adversarial_limits() {
  Limits l;
  l.wall_s = 2.0;
  l.cpu_s = 1.5;
  l.memory_bytes = 512u << 20;
  l.output_bytes = 64u << 10;
  l.max_processes = 16;
  return l;
}

class SandboxAdversarial : public ::testing::TestWithParam<bool> {};

TEST_P(SandboxAdversarial, EveryHostileProgramGetsItsVerdictAndLeavesNothingBehind) {
  ExecutorOptions o;
  o.fork_server = GetParam();
  auto exec = make_executor(o);
  Listener listener;
  const std::string host_probe = "/tmp/rigor_sandbox_escape_probe";
  std::filesystem::remove(host_probe);
  auto cases = load_cases();
  ASSERT_GE(cases.size(), 25u);
  // The fork server's own jailed processes (server and its init) stay up; after a
  // first run they are all there is.
  ASSERT_EQ(exec->run({"pass", ""}, adversarial_limits()).outcome, Outcome::kExited);
  auto own = jailed_processes_left();
  for (auto c : cases) {
    SCOPED_TRACE(c.name);
    replace_all(c.source, "{cwd}", std::filesystem::current_path().string());
    replace_all(c.source, "{test_data}", RIGOR_TEST_DATA);
    replace_all(c.source, "{port}", std::to_string(listener.port()));
    Limits limits = adversarial_limits();
    if (c.memory_bytes) limits.memory_bytes = *c.memory_bytes;
    Result r = exec->run({c.source, c.stdin_data}, limits);
    // "a|b": either outcome is right (deep recursion may end either way).
    EXPECT_NE(("|" + c.expect + "|").find("|" + std::string(to_string(r.outcome)) + "|"), std::string::npos)
        << "got " << to_string(r.outcome) << " " << r.error << "\nstderr: " << r.stderr_data.substr(0, 500);
    if (c.stdout_data) {
      EXPECT_EQ(r.stdout_data, *c.stdout_data) << r.stderr_data.substr(0, 500);
    }
    EXPECT_LE(r.wall_s, c.max_wall_s);
    EXPECT_TRUE(r.isolation.full()) << r.isolation.describe();
    EXPECT_FALSE(std::filesystem::exists(host_probe)) << "a program wrote the harness's /tmp";
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::current_path() / "rigor_pwned"));
    if (geteuid() == 0) {
      // The tree is gone once the run returns; allow the kernel a moment to reap.
      std::vector<std::string> left;
      auto strays = [&] {
        std::vector<std::string> out;
        for (const auto& p : jailed_processes_left())
          if (std::find(own.begin(), own.end(), p) == own.end()) out.push_back(p);
        return out;
      };
      for (int i = 0; i < 50 && !(left = strays()).empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      EXPECT_TRUE(left.empty()) << left.size() << " jailed processes still running, first pid " << left[0];
    }
  }
  // The executor still works after all of that.
  Result ok = exec->run({"print(6 * 7)", ""}, adversarial_limits());
  EXPECT_EQ(ok.stdout_data, "42\n");
}

INSTANTIATE_TEST_SUITE_P(Executors, SandboxAdversarial, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ForkServer" : "Spawn"; });

}  // namespace
}  // namespace rigor::sandbox
