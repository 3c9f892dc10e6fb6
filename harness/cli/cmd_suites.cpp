#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/config.h"
#include "suites/registry.h"

namespace rigor {
namespace {

struct SuitesArgs {
  std::string action = "list";
  std::string name;
  std::string gpqa_csv;
};

int suites_command(const SuitesArgs& a) {
  SuiteOptions opts;
  opts.gpqa_csv = a.gpqa_csv;
  if (a.action == "list") {
    for (const auto& name : known_suite_names()) {
      if (name == "gpqa-diamond" && a.gpqa_csv.empty()) {
        fmt::print("{:<14} {:>5}  {}\n", name, "-", "not bundled: pass your official GPQA CSV (run.gpqa_csv)");
        continue;
      }
      Suite s = load_suite(name, opts);
      fmt::print("{:<14} {:>5}  scorer {:<5} sha256 {}  {}\n", s.name, s.problems.size(), s.scorer,
                 s.data_hash.substr(0, 12), s.source);
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
  if (a.action == "fetch") {
    throw ConfigError(
        "rigor suites fetch is not built yet (dataset fetching from the Hugging Face Hub is its own issue); "
        "aime24, aime25 and math500 are bundled, and gpqa-diamond loads from your official CSV via run.gpqa_csv");
  }
  throw ConfigError(fmt::format("rigor suites: unknown action \"{}\" (list, show NAME, fetch NAME)", a.action));
}

}  // namespace

void add_suites_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<SuitesArgs>();
  auto* c = app.add_subcommand("suites", "List the suites, show one, or fetch an official release.");
  c->add_option("action", a->action, "list | show | fetch")->capture_default_str();
  c->add_option("name", a->name, "suite name (show, fetch)");
  c->add_option("--gpqa-csv", a->gpqa_csv, "your official GPQA CSV, to list or show gpqa-diamond");
  c->callback([a, &action] { action = [a] { return suites_command(*a); }; });
}

}  // namespace rigor
