// rigor perf against a local engine launched from the config: the simulator
// itself plays the engine ([models.launch] runs `rigor sim --port {port}`).
// The run stores its levels, and no engine process is left behind, also
// when the engine fails to start.
#include <dirent.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/perf_store.h"
#include "rigor_process.h"

namespace rigor::testing {
namespace {

namespace fs = std::filesystem;

// Live (non-zombie) processes whose command line mentions `needle`.
int processes_mentioning(const std::string& needle) {
  int found = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmd(entry.path() / "cmdline", std::ios::binary);
    std::string line((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    if (line.find(needle) == std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string s;
    std::getline(stat, s);
    const auto close = s.rfind(')');
    if (close != std::string::npos && close + 2 < s.size() && s[close + 2] == 'Z') continue;
    ++found;
  }
  return found;
}

bool none_left_within(const std::string& needle, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (processes_mentioning(needle) > 0) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

std::string config_text(const std::string& profiles, const std::string& model_id) {
  return fmt::format(R"(
[run]
seed = 11
suites = ["aime24"]
db = "perf.db"

[[models]]
name = "local"
engine = "openai"
base_url = "http://127.0.0.1:{{port}}/v1"
model_id = "{}"
concurrency = 4

[models.launch]
command = ["{}", "sim", "--host", "127.0.0.1", "--port", "{{port}}", "--profiles", "{}"]
health_url = "http://127.0.0.1:{{port}}/health"
startup_timeout_s = 30

[models.pricing]
gpu_hour = 2.0
gpus = 1
)",
                     model_id, RIGOR_BINARY, profiles);
}

TEST(PerfLaunch, LaunchesTheEngineMeasuresStoresAndStopsIt) {
  TempDir dir;
  // A private copy of the profiles: its path identifies this test's engine.
  const std::string profiles = dir / "engine_profiles.toml";
  fs::copy_file(std::string(RIGOR_SOURCE_DIR) + "/configs/perf_sim_profiles.toml", profiles);
  std::ofstream(dir / "perf.toml") << config_text(profiles, "zero");
  auto r = run_rigor({"perf", "-c", "perf.toml", "--model", "local", "--concurrency", "1,4", "--requests", "40",
                      "--input-tokens", "64"},
                     dir.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("c=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("c=4"), std::string::npos) << r.out;
  EXPECT_TRUE(none_left_within(profiles, 5)) << "the launched engine outlived rigor perf";

  PerfStore store(dir / "perf.db");
  auto runs = store.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].model, "local");
  auto levels = store.levels(runs[0].id);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0].concurrency, 1);
  EXPECT_EQ(levels[1].concurrency, 4);
  for (const auto& l : levels) {
    EXPECT_EQ(l.summary["measured"], 40);
    EXPECT_EQ(l.summary["ok"], 40);
    EXPECT_GT(l.summary["output_tps"].get<double>(), 0);
    EXPECT_FALSE(l.summary["usd_per_m_output"].is_null());  // self-hosted: gpu_hour / throughput
  }
  // Warm-up requests are stored raw too: 1 + 40 and 4 + 40.
  EXPECT_EQ(store.request_count(runs[0].id), 85);
}

TEST(PerfLaunch, AnEngineThatFailsToStartIsReportedWithItsLogAndLeavesNothing) {
  TempDir dir;
  const std::string profiles = dir / "broken_profiles.toml";
  std::ofstream(profiles) << "[profiles.x]\nlabel = 3\n";  // the simulator refuses it and exits
  std::ofstream(dir / "perf.toml") << config_text(profiles, "x");
  auto r = run_rigor({"perf", "-c", "perf.toml", "--model", "local", "--concurrency", "1"}, dir.path());
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("before it was healthy"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken_profiles.toml"), std::string::npos) << r.err;  // the engine's own log
  EXPECT_TRUE(none_left_within(profiles, 5));
}

TEST(PerfLaunch, RigorRunAlsoLaunchesTheEngineAndStopsIt) {
  TempDir dir;
  const std::string profiles = dir / "run_profiles.toml";
  fs::copy_file(std::string(RIGOR_SOURCE_DIR) + "/configs/perf_sim_profiles.toml", profiles);
  std::string cfg = config_text(profiles, "zero");
  cfg.replace(cfg.find("seed = 11"), 9, "seed = 11\nn = 1\nlimit = 2");
  std::ofstream(dir / "run.toml") << cfg;
  auto r = run_rigor({"run", "-c", "run.toml"}, dir.path());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("rigor: launched local on http://127.0.0.1:"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("SIMULATED"), std::string::npos) << r.out;  // the launched engine really served it
  EXPECT_TRUE(none_left_within(profiles, 5)) << "the launched engine outlived rigor run";
}

}  // namespace
}  // namespace rigor::testing
