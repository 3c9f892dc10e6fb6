// The HumanEval scorer: the problem's tests run in a trusted judge, the
// model's code in a separate jail, and every call between them crosses as
// plain data (humaneval_judge.h; the threat model is in
// scorers/sandbox/THREAT_MODEL.md). The gold is the test specification, as JSON:
//   {"prompt": "...", "test": "... def check(candidate): ...", "entry_point": "name"}
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "scorers/code/code_verdict.h"
#include "scorers/scorer.h"

namespace rigor {

struct HumanEvalSpec {
  std::string prompt;       // signature and docstring (imports and helpers above it)
  std::string test;         // defines check(candidate)
  std::string entry_point;  // the function check() is called with
};

// Parses the gold; the error names the missing or mistyped key.
tl::expected<HumanEvalSpec, std::string> parse_humaneval_gold(std::string_view gold);
// The gold for a spec (what the suite loader puts in Problem::gold).
std::string humaneval_gold(const HumanEvalSpec& spec);

// The candidate's module. When the code defines the entry point at top
// level (a chat model's full function), it follows the whole prompt, so the
// prompt's imports and helpers stay available; otherwise it is the body that
// completes the prompt's function. Linear in the code's length.
std::string humaneval_module(const HumanEvalSpec& spec, const std::string& code);

class HumanEvalScorer : public Scorer {
 public:
  // Runs programs on `pool` (the process-wide pool by default) under `limits`.
  explicit HumanEvalScorer(ExecutorPool* pool = nullptr, sandbox::Limits limits = HumanEvalScorer::limits())
      : pool_(pool), limits_(limits) {}
  // The reason reads "<verdict>: <detail>; code: <extraction rule>; isolation: <level>".
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "humaneval"; }
  // 2: the tests run in a trusted judge apart from the candidate (verdicts
  // the candidate forged under 1 are now rejected); a sandbox failure is an error.
  std::string version() const override { return "humaneval-2"; }
  bool slow() const override { return true; }  // runs programs in the sandbox
  // The sandbox limits each program gets.
  static sandbox::Limits limits();

 private:
  ExecutorPool* pool_;
  sandbox::Limits limits_;
};

}  // namespace rigor
