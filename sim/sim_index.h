// The simulator's knowledge of the benchmark problems: which rendered prompt
// belongs to which (suite, problem), its gold answer and its difficulty.
// Built once at startup, then read-only (safe to share across threads).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "suites/suite.h"

namespace rigor {

struct SimProblem {
  std::string suite;       // suite name, the key into SimProfile::accuracy
  std::string problem_id;  // Problem::id
  std::string gold;        // reference answer as the suite gives it
  double difficulty = 0;   // in [0, 1], higher = harder
  bool integer_answer = false;  // AIME-style: gold is an integer 0..999
  // Code problems (HumanEval): the program a right answer writes (the
  // canonical solution) and a plausible wrong one; empty for the others.
  std::string code_right, code_wrong;
  // Multiple-choice problems (GPQA): the correct choice's text. The prompt
  // shows the choices in a per-sample order, so the gold letter is read from
  // the prompt itself (correct_letter()).
  std::string choice_right;
};

// The letter ("A".."D") whose line in `prompt` reads "X) <choice_right>", or "".
std::string correct_letter(const SimProblem& p, std::string_view prompt);

class SimIndex {
 public:
  // Adds every problem of `suite`, keyed by `render(problem)` (the exact user
  // message a client sends). Each problem needs meta["difficulty"], a number
  // in [0, 1]; otherwise throws std::invalid_argument naming suite and problem.
  // A prompt already indexed is an error too (std::invalid_argument).
  void add_suite(const Suite& suite, const std::function<std::string(const Problem&)>& render);

  // Adds a multiple-choice suite (GPQA), whose prompts show the choices in a
  // per-sample order: keyed by the statement, the prompt's text before its
  // first "\n\nA) " line. Same errors as add_suite.
  void add_choice_suite(const Suite& suite);

  // The problem whose rendered prompt is exactly `prompt` (or, for a choice
  // suite, whose statement begins it), or nullptr.
  const SimProblem* find(std::string_view prompt) const;

  // Difficulties of one suite's problems (empty for an unknown suite).
  const std::vector<double>& difficulties(const std::string& suite) const;
  // Gold answers of one suite's problems, in suite order.
  const std::vector<std::string>& golds(const std::string& suite) const;
  std::vector<std::string> suite_names() const;
  size_t size() const { return problems_.size(); }

 private:
  std::vector<SimProblem> problems_;
  std::unordered_map<std::string, size_t> by_prompt_;
  std::unordered_map<std::string, size_t> by_statement_;  // choice suites
  std::unordered_map<std::string, std::vector<double>> difficulties_;
  std::unordered_map<std::string, std::vector<std::string>> golds_;
  std::vector<std::string> suite_order_;
};

// The index over every bundled math and HumanEval suite (aime24, aime25,
// math500, humaneval), keyed by make_prompt(suite, problem, 0): their prompts
// do not depend on the seed. GPQA (not bundled, choices shuffled per seed) and
// stdio suites are not indexed; their prompts get the generic response. Throws SuiteError / std::invalid_argument on bad data.
SimIndex bundled_sim_index();
// The same plus the GPQA suite of the user's official CSV (suites/gpqa_csv).
// Throws SuiteError naming the file for a bad CSV.
SimIndex sim_index_with_gpqa(const std::string& gpqa_csv);

}  // namespace rigor
