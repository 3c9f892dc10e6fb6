// Processes a jail may have left behind, found through /proc.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rigor::sandbox {

// A field ("Uid:", "PPid:") of /proc/PID/status, -1 if the process is gone.
inline long status_field(const std::string& pid, const std::string& key) {
  std::ifstream st("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(st, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  }
  return -1;
}

// Processes whose real uid is the one jailed programs get when we are root,
// and that are ours: descendants of this test process, or orphans adopted by
// the host's init (which is what an escaped daemon would be). Another test
// binary running its own sandbox at the same time (ctest -j) is not counted.
inline std::vector<std::string> jailed_processes_left() {
  std::vector<std::string> left;
  const long self = getpid();
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (status_field(name, "Uid:") != 65534) continue;
    long parent = status_field(name, "PPid:");
    bool ours = parent == 1;
    for (int depth = 0; depth < 64 && parent > 1 && !ours; ++depth) {
      ours = parent == self;
      parent = status_field(std::to_string(parent), "PPid:");
    }
    if (ours) left.push_back(name);
  }
  return left;
}

}  // namespace rigor::sandbox
