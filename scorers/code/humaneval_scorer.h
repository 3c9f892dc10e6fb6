// The HumanEval scorer: runs prompt + completion + the problem's tests in the
// sandbox. The gold is the test specification, as JSON:
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

// The program that is run. When the code defines the entry point at top
// level (a chat model's full function), it follows the whole prompt, so the
// prompt's imports and helpers stay available; otherwise it is the body that
// completes the prompt's function. Then the tests and check(entry_point).
std::string humaneval_program(const HumanEvalSpec& spec, const std::string& code);

class HumanEvalScorer : public Scorer {
 public:
  // The reason reads "<verdict>: <detail>; code: <extraction rule>; isolation: <level>".
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "humaneval"; }
  std::string version() const override { return "humaneval-1"; }
  // The sandbox limits each program gets.
  static sandbox::Limits limits();
};

}  // namespace rigor
