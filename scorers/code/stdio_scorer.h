// The stdin/stdout scorer (and LiveCodeBench's functional tests). The gold is
// the test specification, as JSON:
//   {"tests": [{"input": "...", "output": "..."}, ...],   required, non-empty
//    "time_limit_s": 6,        optional, per test (wall; CPU the same)
//    "memory_mb": 1024,        optional
//    "fn_name": "maxProfit"}   optional: functional tests. Each input is one
//                              JSON value per line (the arguments), each output
//                              one JSON value; the code's Solution().fn_name
//                              (or top-level fn_name) is called and its return
//                              value compared.
// Any other key is an error. Tests run in order and stop at the first failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "scorers/code/code_verdict.h"
#include "scorers/scorer.h"

namespace rigor {

struct IoTest {
  std::string input;
  std::string output;
};

struct StdioSpec {
  std::vector<IoTest> tests;
  double time_limit_s = 6.0;
  int memory_mb = 1024;
  std::string fn_name;  // non-empty: functional tests
};

tl::expected<StdioSpec, std::string> parse_stdio_gold(std::string_view gold);
std::string stdio_gold(const StdioSpec& spec);

// Compares two JSON values: numbers within 1e-6 (absolute or relative),
// arrays element-wise, objects key-wise, anything else exactly.
bool json_values_match(const std::string& expected, const std::string& actual);

class StdioScorer : public Scorer {
 public:
  // Runs programs on `pool` (the process-wide pool by default).
  explicit StdioScorer(ExecutorPool* pool = nullptr) : pool_(pool) {}
  // The reason reads "<verdict>: <detail>; code: <extraction rule>; isolation: <level>".
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "stdio"; }
  // 2: a sandbox failure is an error (retried), no longer a wrong answer.
  std::string version() const override { return "stdio-2"; }
  bool slow() const override { return true; }  // runs programs in the sandbox

 private:
  ExecutorPool* pool_;
};

}  // namespace rigor
