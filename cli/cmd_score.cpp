#include <cstdlib>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "harness/config.h"
#include "base/think_split.h"
#include "scorers/scorer.h"
#include "suites/code_suites.h"
#include "suites/registry.h"

namespace rigor {
namespace {

struct ScoreArgs {
  std::string scorer;
  std::string input;  // "" or "-" = stdin
  bool allow_unisolated = false;
};

std::string field_text(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) throw ConfigError(fmt::format("{}: missing key \"{}\"", where, key));
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  throw ConfigError(fmt::format("{}: key \"{}\" must be a string or a number", where, key));
}

int score_command(const ScoreArgs& a) {
  if (a.allow_unisolated) setenv("RIGOR_SANDBOX_ALLOW_UNISOLATED", "1", 1);  // read by the code scorers
  auto scorer = make_scorer(a.scorer);
  if (!scorer) {
    throw ConfigError(fmt::format("--scorer {}: unknown scorer (known: aime, math, gpqa, humaneval, stdio)", a.scorer));
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  std::string name = "<stdin>";
  if (!a.input.empty() && a.input != "-") {
    file.open(a.input, std::ios::binary);
    if (!file) throw ConfigError(fmt::format("{}: cannot read", a.input));
    in = &file;
    name = a.input;
  }
  std::string line;
  int lineno = 0, scored = 0, correct = 0;
  while (std::getline(*in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = fmt::format("{}:{}", name, lineno);
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw ConfigError(fmt::format("{}: not a JSON object", where));
    nlohmann::json out;
    // The id ties a verdict to its input line; without it the output cannot be joined back.
    if (!j.contains("id") || !(j["id"].is_string() || j["id"].is_number())) {
      throw ConfigError(fmt::format("{}: missing key \"id\" (a string or a number)", where));
    }
    out["id"] = j["id"];
    // Only the answer part is scored: reasoning (<think>...</think>) is cut off first.
    ThinkSplitter split;
    split.feed(field_text(j, "response", where));
    split.finish();
    Verdict v;
    if (split.unclosed()) {
      v.reason = "unclosed <think>: the answer was never reached";
    } else {
      // Code scorers take the problem's tests instead of "gold".
      bool code = a.scorer == "humaneval" || a.scorer == "stdio";
      std::string gold;
      try {
        gold = code ? code_gold_from_line(a.scorer, j, where) : field_text(j, "gold", where);
      } catch (const SuiteError& e) {
        throw ConfigError(e.what());
      }
      v = scorer->score(split.answer(), gold);
    }
    out["correct"] = v.correct;
    out["extracted"] = v.extracted_ok ? nlohmann::json(v.extracted) : nlohmann::json(nullptr);
    out["reason"] = v.reason;
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    ++scored;
    correct += v.correct;
  }
  std::cout.flush();
  fmt::print(stderr, "rigor score: {} lines, {} correct ({} scorer {})\n", scored, correct, scorer->name(),
             scorer->version());
  return 0;
}

}  // namespace

void add_score_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ScoreArgs>();
  auto* c = app.add_subcommand("score", "Score a JSONL file of responses produced anywhere (JSONL out).");
  c->footer(
      "Input lines: {\"id\": ..., \"gold\": ..., \"response\": ...}; output lines: "
      "{\"id\": ..., \"correct\": bool, \"extracted\": ..., \"reason\": ...}.\n"
      "Reasoning inside <think>...</think> is removed before scoring.");
  c->add_option("--scorer", a->scorer, "aime | math | gpqa | humaneval | stdio")->required();
  c->add_option("--input", a->input, "JSONL file (default: stdin)");
  c->add_flag("--allow-unisolated", a->allow_unisolated,
              "humaneval/stdio: run code with rlimits only where namespaces are unavailable");
  c->callback([a, &action] { action = [a] { return score_command(*a); }; });
}

}  // namespace rigor
