#include "scorers/code/humaneval_scorer.h"

#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scorers/code/extract_code.h"
#include "scorers/code/humaneval_judge.h"

namespace rigor {
namespace {

// Whitespace-only differences do not make two programs different answers.
std::string squeeze(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
  return out;
}

std::string clip(std::string s) {
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s;
}

// The verdict of a judged run. Only the judge's report can say "accepted";
// what the candidate's jail did only names the way it failed.
std::pair<CodeVerdict, std::string> judged_verdict(const sandbox::JudgedResult& r) {
  using sandbox::Outcome;
  const sandbox::Result& j = r.judge;
  const sandbox::Result& c = r.candidate;
  if (j.outcome == Outcome::kSandboxError) return {CodeVerdict::kSandboxError, "judge: " + j.error};
  if (j.outcome == Outcome::kTimeLimit) return {CodeVerdict::kTimeLimit, run_detail(j)};
  if (j.outcome == Outcome::kMemoryLimit) return {CodeVerdict::kMemoryLimit, "in the judge"};
  if (j.outcome == Outcome::kOutputLimit) return {CodeVerdict::kOutputLimit, "the tests' output over the cap"};
  JudgeReport rep = parse_judge_report(j.stdout_data);
  if (j.outcome != Outcome::kExited || j.exit_code != 0 || !rep.ok) {
    return {CodeVerdict::kSandboxError, "the judge ended without a verdict: " + run_detail(j)};
  }
  if (rep.verdict == "accepted") return {CodeVerdict::kAccepted, "all tests passed"};
  if (rep.verdict == "wrong answer") return {CodeVerdict::kWrongAnswer, clip(rep.detail)};
  if (rep.verdict == "runtime error") return {CodeVerdict::kRuntimeError, clip(rep.detail)};
  if (rep.verdict == "candidate raised") {
    bool memory = rep.detail.rfind("MemoryError", 0) == 0;
    return {memory ? CodeVerdict::kMemoryLimit : CodeVerdict::kRuntimeError, clip("raised " + rep.detail)};
  }
  if (rep.verdict == "candidate failed") {
    if (c.outcome == Outcome::kSandboxError) return {CodeVerdict::kSandboxError, "candidate: " + c.error};
    CodeVerdict v = verdict_of_run(c);
    // Ending (even with status 0) before answering every call is not a pass.
    if (v == CodeVerdict::kAccepted) v = CodeVerdict::kRuntimeError;
    return {v, clip(run_detail(c) + " (" + rep.detail + ")")};
  }
  return {CodeVerdict::kSandboxError, "the judge gave an unknown verdict: " + clip(rep.verdict)};
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

std::string humaneval_module(const HumanEvalSpec& spec, const std::string& code) {
  std::string module = spec.prompt;
  if (defines_function(code, spec.entry_point)) {
    // The prompt's function (a docstring body) is valid on its own; the code redefines it.
    module += "\n";
  }
  module += code;
  return module;
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
  ExecutorPool& pool = pool_ != nullptr ? *pool_ : shared_executor_pool();
  sandbox::JudgedResult r =
      pool.run_judged(humaneval_judge(std::string(gold)), humaneval_candidate(*spec, code.code), limits_);
  auto [verdict, detail] = judged_verdict(r);
  v.correct = verdict == CodeVerdict::kAccepted;
  v.error = verdict == CodeVerdict::kSandboxError;
  v.reason = fmt::format("{}: {}; code: {}; isolation: {}", to_string(verdict), detail, code.rule,
                         r.candidate.isolation.level());
  return v;
}

bool HumanEvalScorer::equivalent(std::string_view a, std::string_view b) const { return squeeze(a) == squeeze(b); }

}  // namespace rigor
