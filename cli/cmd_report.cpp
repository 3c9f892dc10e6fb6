#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/report_output.h"
#include "harness/config.h"
#include "store/store.h"
#include "reports/history.h"
#include "reports/html_report.h"
#include "reports/perf_report.h"
#include "reports/report_data.h"
#include "reports/verify_report.h"

namespace rigor {
namespace {

struct ReportArgs {
  std::string db = "rigor.db";
  std::vector<std::string> runs;
  std::string format = "table";
  std::string out;
  std::string history;
  bool no_samples = false;
  bool perf = false;
  bool verify = false;
};

ReportData load(Store& store, const std::vector<std::string>& ids, bool with_samples) {
  try {
    return load_report_data(store, ids, with_samples);
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());
  }
}

std::string history_report(Store& store, const ReportArgs& a, Format format) {
  if (!a.runs.empty()) throw ConfigError("--history TAG selects the runs itself; drop --run");
  std::vector<std::string> ids;
  for (const RunRecord& r : store.list_runs()) {  // oldest first
    if (r.tag == a.history) ids.push_back(r.id);
  }
  if (ids.empty()) throw ConfigError(fmt::format("--history {}: no run tagged \"{}\" in {}", a.history, a.history, a.db));
  if (format != Format::kTable && format != Format::kMarkdown && format != Format::kHtml) {
    throw ConfigError(fmt::format("--history: --format {} is not supported; use table, md or html", a.format));
  }
  ReportData d = load(store, ids, false);
  return render_history(a.history, d.runs, d.summaries, format, make_meta(d.runs));
}

int report_command(const ReportArgs& a) {
  auto format = parse_format(a.format);
  if (!format) throw ConfigError(format.error());
  if (a.perf && *format != Format::kTable && *format != Format::kMarkdown) {
    throw ConfigError(fmt::format("--perf: --format {} is not supported; use table or md", a.format));
  }
  // Read-only: a report never creates or changes a database (a mistyped --db is an error).
  Store store(a.db, StoreMode::kReadOnly);
  std::string text;
  if (a.verify) {
    if (a.perf || !a.history.empty()) throw ConfigError("--verify: drop --perf and --history");
    try {
      text = render_verifies(store, split_list(a.runs), *format);
    } catch (const std::runtime_error& e) {
      throw ConfigError(e.what());
    }
  } else if (a.perf) {
    text = render_perf_section(a.db, *format == Format::kMarkdown);
  } else if (!a.history.empty()) {
    text = history_report(store, a, *format);
  } else {
    std::vector<std::string> ids = split_list(a.runs);
    if (ids.empty()) {
      auto all = store.list_runs();
      if (all.empty()) throw ConfigError(fmt::format("{} holds no runs yet; start one with rigor run -c CONFIG", a.db));
      ids.push_back(all.back().id);
    }
    if (*format == Format::kHtml) {
      ReportData d = load(store, ids, true);
      HtmlReportOptions opt;
      opt.drill_down = !a.no_samples;
      text = render_html_report(d, make_meta(d.runs), opt);
    } else {
      text = render_runs(store, ids, a.format);
    }
  }
  write_output(text, a.out, "report");
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ReportArgs>();
  auto* c = app.add_subcommand("report", "Render stored runs: models side by side per suite.");
  c->footer(
      "Without --run, the most recent run in the database is shown.\n"
      "--format html: one self-contained page with charts (accuracy vs cost and speed, pass@k, output lengths),\n"
      "the per-problem grid and every sample's response. --history TAG: each metric over the runs tagged TAG.");
  c->add_option("--db", a->db, "results store: a SQLite file or postgresql://user@host[:port]/dbname")->capture_default_str();
  c->add_option("--run", a->runs, "run id(s), comma-separated or repeated");
  c->add_option("--format", a->format, "table | md | csv | json | html")->capture_default_str();
  c->add_option("-o,--output", a->out, "write to this file instead of stdout");
  c->add_option("--history", a->history, "runs tagged TAG (rigor run --tag), oldest first: metrics over time");
  c->add_flag("--no-samples", a->no_samples, "html: leave out the per-sample responses (smaller file)");
  c->add_flag("--verify", a->verify, "rigor verify results (--run takes verify ids; default the latest), any format");
  c->add_flag("--perf", a->perf, "rigor perf results (table or md), joined with each model's latest accuracy run");
  c->callback([a, &action] { action = [a] { return report_command(*a); }; });
}

}  // namespace rigor
