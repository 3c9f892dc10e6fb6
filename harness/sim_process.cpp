#include "harness/sim_process.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

namespace rigor {

std::string self_exe() {
  if (const char* e = std::getenv("RIGOR_EXE"); e && *e) return e;
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

SimProcess::SimProcess(const std::string& exe, const std::string& profiles, double timeout_s, int threads,
                       const std::string& gpqa_csv, uint64_t seed) {
  LaunchSpec spec;
  spec.command = {exe,           "sim",      "--host",   "127.0.0.1", "--port",
                  "0",           "--profiles", profiles, "--threads", std::to_string(std::max(1, threads))};
  if (!gpqa_csv.empty()) spec.command.insert(spec.command.end(), {"--gpqa-csv", gpqa_csv});
  if (seed != 0) spec.command.insert(spec.command.end(), {"--seed", std::to_string(seed)});
  spec.port_from_log = R"(listening on [0-9.]+:([0-9]+))";
  spec.health_url = "http://127.0.0.1:{port}/health";
  spec.startup_timeout_s = timeout_s;
  spec.poll_interval_s = 0.005;  // it is up within milliseconds; runs and tests start many
  try {
    engine_ = std::make_unique<LaunchedEngine>(std::move(spec));
  } catch (const LaunchError& e) {
    throw std::runtime_error(fmt::format("the simulator did not start: {}", e.what()));
  }
}

SimProcess::~SimProcess() { engine_->stop(2); }

std::string SimProcess::base_url() const { return fmt::format("http://127.0.0.1:{}/v1", port()); }

}  // namespace rigor
