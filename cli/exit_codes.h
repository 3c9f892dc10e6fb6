// The process exit codes: the contract scripts and CI rely on (DESIGN.md,
// README "Exit codes", `rigor --help`).
#pragma once

namespace rigor {

constexpr int kExitOk = 0;
// The result is bad: a gate failed, verify found the endpoint inconsistent,
// a run ended with errored or unfinished samples (budget reached, a model
// stopped on a dead endpoint).
constexpr int kExitResultBad = 1;
constexpr int kExitUsage = 2;        // usage or config error: fix the command or the config
constexpr int kExitUndecided = 3;    // verify undecided within its budget
constexpr int kExitInternal = 4;     // a bug or the machine (out of memory, disk full): not the user's input
constexpr int kExitUnavailable = 5;  // unavailable now: a remote service unreachable (no network), or the run
                                     // is held by another live rigor run; try again later
constexpr int kExitInterrupted = 130;

// The table printed by `rigor --help` and the README.
inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 ok; 1 result bad (a gate failed, a run ended with errored or unfinished samples);\n"
    "2 usage or config error; 3 verify undecided; 4 internal error (a bug, out of memory, disk full);\n"
    "5 unavailable now (suites fetch without network, or another rigor is running the same run); 130 interrupted\n"
    "(re-run to resume).";

}  // namespace rigor
