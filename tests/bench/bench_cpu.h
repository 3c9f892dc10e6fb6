// CPU time of this process and of another one (the simulator), for the
// benchmarks' client/server CPU split.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace rigor::bench {

// utime + stime of this process, all threads.
inline double self_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The fields of /proc/PID/stat after the command name, from field 3
// (state) on; empty when the process is gone.
inline std::vector<std::string> proc_stat_fields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');  // the name may itself hold ')' or spaces
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(stat.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

// utime + stime of another process, from /proc (0 when it is gone).
inline double proc_cpu_s(pid_t pid) {
  const auto f = proc_stat_fields(pid);
  if (f.size() < 13) return 0;
  // Fields 14 and 15 (utime, stime), in clock ticks.
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace rigor::bench
