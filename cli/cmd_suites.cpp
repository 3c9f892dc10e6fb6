#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "reports/escape.h"
#include "harness/config.h"
#include "harness/fetch.h"
#include "suites/fetch.h"
#include "base/utc_time.h"
#include "suites/registry.h"

#include <ctime>
#include <fstream>
#include <sstream>

namespace rigor {
namespace {

struct SuitesArgs {
  std::string action = "list";
  std::string name;
  std::string gpqa_csv;
  std::vector<std::string> from;  // fetch: files the user downloaded, one per part
  FetchOptions fetch;
  std::string dest;               // fetch: folder holding suite folders; "" = fetched_suites_dir()
};

int fetch_command(const SuitesArgs& a) {
  if (a.name.empty()) {
    throw ConfigError(fmt::format("rigor suites fetch NAME: name a suite ({})", fmt::join(fetchable_suite_names(), ", ")));
  }
  FetchPlan plan = fetch_plan(a.name, a.fetch);
  std::vector<std::string> parts, sources;
  if (!a.from.empty()) {
    // Offline: the user's own downloads stand in for the parts, in order.
    if (a.from.size() != plan.parts.size() && a.name != "livecodebench") {
      std::string want;
      for (const auto& p : plan.parts) want += "\n  " + p.describe();
      throw ConfigError(fmt::format("--from: {} needs {} file(s), one per part, in this order:{}", a.name,
                                    plan.parts.size(), want));
    }
    for (size_t i = 0; i < a.from.size(); ++i) {
      std::ifstream in(a.from[i], std::ios::binary);
      if (!in) throw ConfigError(fmt::format("--from: cannot read {}", a.from[i]));
      std::ostringstream ss;
      ss << in.rdbuf();
      std::string bytes = ss.str();
      // A saved rows-API page is accepted as well as JSONL.
      if (plan.parts[i].file.empty()) {
        const auto doc = nlohmann::json::parse(bytes, nullptr, false);
        if (doc.is_object() && doc.contains("rows")) {
          int64_t total = 0;
          bytes = rows_page_to_jsonl(bytes, a.from[i], &total);
        }
      }
      parts.push_back(std::move(bytes));
      sources.push_back("file " + a.from[i]);
    }
  } else {
    const HubOptions hub = hub_options_from_env();
    for (const auto& part : plan.parts) {
      fmt::print(stderr, "rigor: fetching {}\n", part.describe());
      auto got = download_part(part, hub);
      if (!got) {
        fmt::print(stderr, "rigor suites fetch: {}: {}\n", part.describe(), got.error().message);
        // A refused token is the user's to fix; anything else (no network, the
        // Hub down) is worth another try later, never "a gate failed" (exit 1).
        if (got.error().code == ErrorCode::kAuth) {
          fmt::print(stderr, "rigor suites fetch: set HF_TOKEN to a token that has accepted the dataset's terms\n");
          return kExitUsage;
        }
        fmt::print(stderr, "rigor suites fetch: could not download (no network?); try again later, or fetch offline "
                           "with --from FILE (exit {})\n", kExitUnavailable);
        return kExitUnavailable;
      }
      parts.push_back(std::move(got->bytes));
      sources.push_back(got->source);
    }
  }
  ConvertedSuite c = convert_fetched(plan, a.fetch, parts, sources, utc_now());
  const std::string dest = a.dest.empty() ? fetched_suites_dir() : a.dest;
  if (dest.empty()) throw ConfigError("rigor suites fetch: no data folder (set RIGOR_DATA_DIR or HOME, or pass --dest)");
  const std::string folder = write_fetched_suite(dest, a.name, c);
  fmt::print("{}: {} problems, sha256 {}\n  stored in {}\n", a.name, c.problems, c.provenance["data_sha256"].get<std::string>(),
             folder);
  return 0;
}

int suites_command(const SuitesArgs& a) {
  SuiteOptions opts;
  opts.gpqa_csv = a.gpqa_csv;
  if (a.action == "list") {
    // Two lines a suite (the source is long): fits a 100-column terminal.
    auto row = [](const std::string& name, const std::string& count, const std::string& what, const std::string& source) {
      std::string out = fmt::format("{:<14} {:>5}  {}\n", name, count, what);
      if (!source.empty()) out += wrap_row("", source, 22, 100);
      return out;
    };
    fmt::print("{:<14} {:>5}  {}\n", "suite", "probs", "scorer, data sha256 / source");
    auto listed = [&](const Suite& s) {
      fmt::print("{}", row(s.name, std::to_string(s.problems.size()),
                           fmt::format("scorer {}, sha256 {}", s.scorer, s.data_hash.substr(0, 12)), s.source));
    };
    for (const auto& name : known_suite_names()) {
      if (name == "gpqa-diamond" && a.gpqa_csv.empty() && !find_fetched_suite(name)) {
        fmt::print("{}", row(name, "-", "not bundled: pass your official GPQA CSV (run.gpqa_csv)", ""));
        continue;
      }
      listed(load_suite(name, opts));
    }
    // Suites that exist only once fetched.
    if (find_fetched_suite("livecodebench")) {
      listed(load_suite("livecodebench", opts));
    } else {
      fmt::print("{}", row("livecodebench", "-", "not bundled: rigor suites fetch livecodebench", ""));
    }
    return 0;
  }
  if (a.action == "show") {
    if (a.name.empty()) throw ConfigError("rigor suites show NAME: name a suite");
    Suite s = load_suite(a.name, opts);
    fmt::print("name:     {}\nproblems: {}\nscorer:   {}\ntemplate: {}\nsha256:   {}\nsource:   {}\n", s.name,
               s.problems.size(), s.scorer, s.template_id, s.data_hash, s.source);
    if (!s.problems.empty()) {
      const Problem& p = s.problems.front();
      PromptedSample ps = make_prompt(s, p, 0);
      fmt::print("\nfirst problem ({}), as sent to the model:\n{}\n\ngold: {}\n", p.id, ps.user_message, ps.gold);
    }
    return 0;
  }
  if (a.action == "fetch") return fetch_command(a);
  throw ConfigError(fmt::format("rigor suites: unknown action \"{}\" (list, show NAME, fetch NAME)", a.action));
}

}  // namespace

void add_suites_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<SuitesArgs>();
  auto* c = app.add_subcommand("suites", "List the suites, show one, or fetch an official release.");
  c->add_option("action", a->action, "list | show | fetch")->capture_default_str();
  c->add_option("name", a->name, "suite name (show, fetch)");
  c->add_option("--gpqa-csv", a->gpqa_csv, "your official GPQA CSV, to list or show gpqa-diamond");
  c->add_option("--from", a->from, "fetch offline from files you downloaded (one per part, in order)");
  c->add_option("--release", a->fetch.release, "livecodebench release (release_v1 .. release_v6; default latest)");
  c->add_option("--since", a->fetch.since, "livecodebench: keep problems with contest_date >= YYYY-MM-DD");
  c->add_option("--until", a->fetch.until, "livecodebench: keep problems with contest_date <= YYYY-MM-DD");
  c->add_option("--dest", a->dest, "folder for fetched suites (default $RIGOR_DATA_DIR/suites or ~/.local/share/rigor/suites)");
  c->callback([a, &action] { action = [a] { return suites_command(*a); }; });
}

}  // namespace rigor
