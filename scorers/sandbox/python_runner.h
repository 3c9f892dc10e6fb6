// Internal: the Python side of the sandbox. The same runner code executes the
// program in both executors, so a program behaves identically in each.
#pragma once

#include <string>
#include <vector>

namespace rigor::sandbox::detail {

// Python source (for `python3 -I -c`) that reads the program from fd 3 and
// runs it as the __main__ module named solution.py.
// A judged run's channel, given as fd 4, becomes the program's fd 3.
const char* spawn_runner_source();

// Python source both long-lived interpreters start with: site's parts that
// programs use (the interpreters run with -S), the modules they often
// import, read_all(fd) and exit_code(SystemExit).
const char* resident_prelude();

// Python source of the fork server; see fork_server_py.cpp for the protocol.
const char* fork_server_source();

// Python source of the judge host, which runs trusted judge code task after
// task in one interpreter; see judge_host_py.cpp for the protocol.
const char* judge_host_source();

// The environment every jailed interpreter gets, and nothing else.
std::vector<std::string> jail_environment();

}  // namespace rigor::sandbox::detail
