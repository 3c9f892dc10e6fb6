// One function per subcommand, registered on the CLI11 app. Each returns the
// process exit code; fatal user errors throw ConfigError (exit 2 in cli_main).
#pragma once

#include <atomic>
#include <functional>

#include <CLI/CLI.hpp>

namespace rigor {

using Action = std::function<int()>;

void add_run_command(CLI::App& app, Action& action);
void add_report_command(CLI::App& app, Action& action);
void add_compare_command(CLI::App& app, Action& action);
void add_score_command(CLI::App& app, Action& action);
void add_sim_command(CLI::App& app, Action& action);
void add_suites_command(CLI::App& app, Action& action);
void add_perf_command(CLI::App& app, Action& action);
void add_gate_command(CLI::App& app, Action& action);
void add_verify_command(CLI::App& app, Action& action);
void add_db_command(CLI::App& app, Action& action);

// Writes `text` to stdout when `path` is empty, else to that file (creating
// its folder) and says on stderr that `what` was written there. Throws
// ConfigError naming the path when it cannot be written.
void write_output(const std::string& text, const std::string& path, std::string_view what);

// Makes SIGINT and SIGTERM set a flag instead of killing the process, so a
// long command stops starting work, finishes what is in flight and says how
// to resume. Returns the flag (one per process).
const std::atomic<bool>* cancel_on_signals();

// Splits "a,b" lists as given to --models and --suites.
std::vector<std::string> split_list(const std::vector<std::string>& items);

}  // namespace rigor
