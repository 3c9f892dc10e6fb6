#include <fstream>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/cli/report_output.h"
#include "harness/config.h"
#include "harness/store.h"

namespace rigor {
namespace {

struct ReportArgs {
  std::string db = "rigor.db";
  std::vector<std::string> runs;
  std::string format = "table";
  std::string out;
};

int report_command(const ReportArgs& a) {
  Store store(a.db);
  std::vector<std::string> ids = split_list(a.runs);
  if (ids.empty()) {
    auto all = store.list_runs();
    if (all.empty()) throw ConfigError(fmt::format("{} holds no runs yet; start one with rigor run -c CONFIG", a.db));
    ids.push_back(all.back().id);
  }
  std::string text = render_runs(store, ids, a.format);
  if (a.out.empty()) {
    fmt::print("{}", text);
  } else {
    std::ofstream f(a.out, std::ios::binary);
    f << text;
    if (!f) throw ConfigError(fmt::format("cannot write {}", a.out));
    fmt::print(stderr, "rigor: report written to {}\n", a.out);
  }
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ReportArgs>();
  auto* c = app.add_subcommand("report", "Render stored runs: models side by side per suite.");
  c->footer("Without --run, the most recent run in the database is shown.");
  c->add_option("--db", a->db, "SQLite results database")->capture_default_str();
  c->add_option("--run", a->runs, "run id(s), comma-separated or repeated");
  c->add_option("--format", a->format, "table | md | csv | json")->capture_default_str();
  c->add_option("-o,--output", a->out, "write to this file instead of stdout");
  c->callback([a, &action] { action = [a] { return report_command(*a); }; });
}

}  // namespace rigor
