// Code suites: HumanEval (bundled), the bundled stdin/stdout suite, and
// LiveCodeBench's released format. Each problem's gold is the test
// specification the code scorers read (see scorers/code/humaneval_scorer.h
// and scorers/code/stdio_scorer.h for the formats); each statement is the
// whole user turn (template ids "code-humaneval-v1", "code-lcb-v1").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "suites/suite.h"

namespace rigor {

inline constexpr char kHumanEvalTemplate[] = "code-humaneval-v1";
inline constexpr char kLcbTemplate[] = "code-lcb-v1";

// The prompts, in the style LiveCodeBench uses for chat models.
std::string humaneval_prompt(const std::string& function_prompt);
std::string lcb_stdin_prompt(const std::string& question);
std::string lcb_functional_prompt(const std::string& question, const std::string& starter_code);

namespace detail {

// HumanEval.jsonl (task_id, prompt, entry_point, canonical_solution, test).
// meta: task_id, entry_point, canonical_solution. Throws SuiteError.
Suite load_humaneval(const std::string& path);

// Our stdin/stdout suite: lines {"id", "question", "tests": [{"input", "output"}],
// "time_limit_s"?, "solution"?}. meta: solution when given. Throws SuiteError.
Suite load_stdio_suite(const std::string& path, const std::string& name);

}  // namespace detail
}  // namespace rigor

namespace rigor {

// For `rigor score --scorer humaneval|stdio`: the gold (test specification)
// of one input line.
//  - humaneval: "task_id" naming a bundled HumanEval problem, or "prompt",
//    "test" and "entry_point" given inline;
//  - stdio: "tests": [{"input", "output"}], optional "time_limit_s",
//    "memory_mb", "fn_name" (passed through for the scorer to check).
// Throws SuiteError saying what is missing or unknown (prefixed by `where`).
std::string code_gold_from_line(const std::string& scorer, const nlohmann::json& line, const std::string& where);

}  // namespace rigor
