#include "scorers/code/humaneval_scorer.h"

#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scorers/code/extract_code.h"

namespace rigor {
namespace {

// Whitespace-only differences do not make two programs different answers.
std::string squeeze(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
  return out;
}

}  // namespace

tl::expected<HumanEvalSpec, std::string> parse_humaneval_gold(std::string_view gold) {
  auto j = nlohmann::json::parse(gold, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return tl::unexpected(std::string("humaneval gold is not a JSON object {\"prompt\", \"test\", \"entry_point\"}"));
  }
  HumanEvalSpec s;
  for (auto [key, field] : {std::pair{"prompt", &s.prompt}, {"test", &s.test}, {"entry_point", &s.entry_point}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return tl::unexpected(fmt::format("humaneval gold: key \"{}\" missing or not a string", key));
    }
    *field = it->get<std::string>();
  }
  if (s.entry_point.empty() || s.test.find("def check") == std::string::npos) {
    return tl::unexpected(std::string("humaneval gold: empty entry_point or a test without def check"));
  }
  return s;
}

std::string humaneval_gold(const HumanEvalSpec& spec) {
  return nlohmann::json{{"prompt", spec.prompt}, {"test", spec.test}, {"entry_point", spec.entry_point}}.dump();
}

std::string humaneval_program(const HumanEvalSpec& spec, const std::string& code) {
  std::regex defines("(^|\n)(async\\s+)?def\\s+" + spec.entry_point + "\\s*\\(");
  std::string program = spec.prompt;
  if (std::regex_search(code, defines)) {
    // The prompt's function (a docstring body) is valid on its own; the code redefines it.
    program += "\n";
  }
  program += code;
  program += "\n\n";
  program += spec.test;
  program += fmt::format("\n\ncheck({})\n", spec.entry_point);
  return program;
}

sandbox::Limits HumanEvalScorer::limits() {
  sandbox::Limits l;
  l.wall_s = 10;
  l.cpu_s = 6;
  l.memory_bytes = size_t{1} << 30;
  l.output_bytes = size_t{1} << 20;
  return l;
}

Verdict HumanEvalScorer::score(std::string_view answer, std::string_view gold) const {
  Verdict v;
  auto spec = parse_humaneval_gold(gold);
  if (!spec) {
    v.reason = fmt::format("{}: {}", to_string(CodeVerdict::kBadTests), spec.error());
    return v;
  }
  ExtractedCode code = extract_code(answer);
  if (!code.ok) {
    v.reason = fmt::format("{}: {}", to_string(CodeVerdict::kNoCode), code.rule);
    return v;
  }
  v.extracted_ok = true;
  v.extracted = code.code;
  sandbox::Result r = shared_executor_pool().run({humaneval_program(*spec, code.code), ""}, limits());
  CodeVerdict verdict = verdict_of_run(r);
  if (verdict == CodeVerdict::kRuntimeError && r.stderr_data.find("AssertionError") != std::string::npos) {
    verdict = CodeVerdict::kWrongAnswer;  // check() asserted: the function ran and answered wrongly
  }
  v.correct = verdict == CodeVerdict::kAccepted;
  std::string detail = v.correct ? "all tests passed" : run_detail(r);
  v.reason = fmt::format("{}: {}; code: {}; isolation: {}", to_string(verdict), detail, code.rule,
                         r.isolation.level());
  return v;
}

bool HumanEvalScorer::equivalent(std::string_view a, std::string_view b) const { return squeeze(a) == squeeze(b); }

}  // namespace rigor
