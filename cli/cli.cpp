#include "cli/cli.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "harness/config.h"
#include "store/store.h"
#include "rigor_version.h"
#include "suites/registry.h"

namespace rigor {

namespace {

std::atomic<bool> g_cancel{false};

void on_signal(int) { g_cancel.store(true); }

}  // namespace

const std::atomic<bool>* cancel_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_cancel;
}

std::vector<std::string> split_list(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      size_t comma = item.find(',', start);
      std::string part = item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

void write_output(const std::string& text, const std::string& path, std::string_view what) {
  if (path.empty()) {
    fmt::print("{}", text);
    return;
  }
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) throw ConfigError(fmt::format("cannot write {} {}", what, path));
  fmt::print(stderr, "rigor: {} written to {}\n", what, path);
}

int cli_main(int argc, char** argv) {
  CLI::App app{
      "rigor: evaluate reasoning models on AIME, MATH-500 and GPQA; pass@k with confidence intervals, speed and "
      "cost in one run, every sample kept in SQLite.\n" +
      std::string(kExitCodeHelp)};
  app.set_version_flag("--version", std::string("rigor ") + RIGOR_VERSION);
  app.require_subcommand(1);
  Action action;
  add_run_command(app, action);
  add_report_command(app, action);
  add_compare_command(app, action);
  add_score_command(app, action);
  add_perf_command(app, action);
  add_sim_command(app, action);
  add_gate_command(app, action);
  add_verify_command(app, action);
  add_suites_command(app, action);
  add_db_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 says "A subcommand is required" for `rigor frobnicate`: name it.
    const auto rest = app.remaining();
    if (app.get_subcommands().empty() && !rest.empty() && !rest.front().empty() && rest.front()[0] != '-') {
      std::string known;
      for (const auto* sub : app.get_subcommands(std::function<bool(CLI::App*)>([](CLI::App*) { return true; }))) known += (known.empty() ? "" : ", ") + sub->get_name();
      fmt::print(stderr, "rigor: unknown command \"{}\" (commands: {}); see rigor --help\n", rest.front(), known);
      return kExitUsage;
    }
    app.exit(e);
    return kExitUsage;
  }
  try {
    return action ? action() : kExitUsage;
  } catch (const ConfigError& e) {
    fmt::print(stderr, "rigor: error: {}\n", e.what());
    return kExitUsage;
  } catch (const SuiteError& e) {
    fmt::print(stderr, "rigor: error: {}\n", e.what());
    return kExitUsage;
  } catch (const StoreOpenError& e) {
    fmt::print(stderr, "rigor: error: {}\n", e.what());
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "rigor: internal error: out of memory (exit {}); finished samples are stored\n", kExitInternal);
    return kExitInternal;
  } catch (const std::exception& e) {
    // Not the user's input: a bug, a full disk, a failing system call.
    fmt::print(stderr, "rigor: internal error: {} (exit {}; finished samples are stored; please report it if it "
                       "is not the machine)\n", e.what(), kExitInternal);
    return kExitInternal;
  }
}

}  // namespace rigor
