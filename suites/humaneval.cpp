// Loaders for the bundled code suites: HumanEval and our stdin/stdout suite.
#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "suites/code_suites.h"
#include "suites/jsonl.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace rigor {

std::string humaneval_prompt(const std::string& function_prompt) {
  return "You are an expert Python programmer. Complete the following Python function so that it "
         "satisfies its docstring. Give the complete function, with any imports it needs, in a single "
         "fenced code block.\n\n```python\n" +
         function_prompt + "```\n\n### Answer: (use the provided format with backticks)\n";
}

namespace detail {

Suite load_humaneval(const std::string& path) {
  std::string bytes = read_file_bytes(path, "suite data file");
  Suite s;
  s.name = "humaneval";
  s.scorer = "humaneval";
  s.template_id = kHumanEvalTemplate;
  s.data_hash = sha256_hex(bytes);
  s.source = "HumanEval (OpenAI), openai/human-eval data/HumanEval.jsonl.gz, uncompressed; MIT";
  std::unordered_set<std::string> seen;
  for (const auto& l : parse_jsonl(bytes, path)) {
    Problem p;
    p.id = require_string(l, "task_id", path);
    std::string prompt = require_string(l, "prompt", path);
    std::string entry = require_string(l, "entry_point", path);
    std::string test = require_string(l, "test", path);
    if (test.find("def check") == std::string::npos) {
      throw SuiteError(fmt::format("{}:{}: field \"test\" does not define check(candidate)", path, l.line));
    }
    p.statement = humaneval_prompt(prompt);
    // The test specification read by the humaneval scorer.
    p.gold = nlohmann::json{{"prompt", prompt}, {"test", test}, {"entry_point", entry}}.dump();
    p.meta["task_id"] = p.id;
    p.meta["entry_point"] = entry;
    p.meta["canonical_solution"] = require_string(l, "canonical_solution", path);
    if (!seen.insert(p.id).second) {
      throw SuiteError(fmt::format("{}:{}: duplicate task_id \"{}\"", path, l.line, p.id));
    }
    s.problems.push_back(std::move(p));
  }
  // HumanEval states no difficulty; the canonical solution's length is the proxy.
  auto lines = [](const Problem& p) {
    const std::string& c = p.meta["canonical_solution"].get_ref<const std::string&>();
    return static_cast<double>(std::count(c.begin(), c.end(), '\n'));
  };
  double lo = 1e9, hi = 0;
  for (const auto& p : s.problems) lo = std::min(lo, lines(p)), hi = std::max(hi, lines(p));
  for (auto& p : s.problems) {
    p.meta["difficulty"] = hi > lo ? (lines(p) - lo) / (hi - lo) : 0.0;
    p.meta["difficulty_source"] = "canonical solution length in lines, scaled to [0,1] within the suite";
  }
  return s;
}

Suite load_stdio_suite(const std::string& path, const std::string& name) {
  std::string bytes = read_file_bytes(path, "suite data file");
  Suite s;
  s.name = name;
  s.scorer = "stdio";
  s.template_id = kLcbTemplate;
  s.data_hash = sha256_hex(bytes);
  s.source = "written by the rigor project for tests and the demo (see README.md beside the data)";
  std::unordered_set<std::string> seen;
  for (const auto& l : parse_jsonl(bytes, path)) {
    Problem p;
    p.id = require_string(l, "id", path);
    std::string question = require_string(l, "question", path);
    const auto& v = l.value;
    auto tests = v.find("tests");
    if (tests == v.end() || !tests->is_array() || tests->empty()) {
      throw SuiteError(fmt::format("{}:{}: field \"tests\" must be a non-empty array", path, l.line));
    }
    nlohmann::json gold{{"tests", nlohmann::json::array()}};
    for (size_t i = 0; i < tests->size(); ++i) {
      const auto& t = (*tests)[i];
      if (!t.is_object() || !t.contains("input") || !t.contains("output") || !t["input"].is_string() ||
          !t["output"].is_string()) {
        throw SuiteError(fmt::format("{}:{}: field \"tests[{}]\" must have string input and output", path,
                                     l.line, i));
      }
      gold["tests"].push_back({{"input", t["input"]}, {"output", t["output"]}});
    }
    if (auto tl = v.find("time_limit_s"); tl != v.end()) {
      if (!tl->is_number() || tl->get<double>() <= 0) {
        throw SuiteError(fmt::format("{}:{}: field \"time_limit_s\" must be a positive number", path, l.line));
      }
      gold["time_limit_s"] = *tl;
    }
    if (auto sol = v.find("solution"); sol != v.end()) {
      if (!sol->is_string()) throw SuiteError(fmt::format("{}:{}: field \"solution\" must be a string", path, l.line));
      p.meta["solution"] = *sol;
    }
    auto diff = v.find("difficulty");
    if (diff == v.end() || !diff->is_number() || diff->get<double>() < 0 || diff->get<double>() > 1) {
      throw SuiteError(fmt::format("{}:{}: field \"difficulty\" must be a number in [0,1]", path, l.line));
    }
    p.meta["difficulty"] = diff->get<double>();
    p.meta["difficulty_source"] = "estimated by the suite's authors";
    p.statement = lcb_stdin_prompt(question);
    p.gold = gold.dump();
    p.meta["tests"] = tests->size();
    if (!seen.insert(p.id).second) {
      throw SuiteError(fmt::format("{}:{}: duplicate id \"{}\"", path, l.line, p.id));
    }
    s.problems.push_back(std::move(p));
  }
  return s;
}

}  // namespace detail
}  // namespace rigor

namespace rigor {

std::string code_gold_from_line(const std::string& scorer, const nlohmann::json& line, const std::string& where) {
  if (scorer == "humaneval") {
    if (auto id = line.find("task_id"); id != line.end()) {
      if (!id->is_string()) throw SuiteError(fmt::format("{}: key \"task_id\" must be a string", where));
      static const Suite suite = load_suite("humaneval");
      for (const auto& p : suite.problems) {
        if (p.id == id->get<std::string>()) return p.gold;
      }
      throw SuiteError(fmt::format("{}: task_id \"{}\" is not a bundled HumanEval problem (HumanEval/0 .. "
                                   "HumanEval/163)",
                                   where, id->get<std::string>()));
    }
    nlohmann::json gold = nlohmann::json::object();
    for (const char* key : {"prompt", "test", "entry_point"}) {
      auto it = line.find(key);
      if (it == line.end() || !it->is_string()) {
        throw SuiteError(fmt::format(
            "{}: give \"task_id\", or \"prompt\", \"test\" and \"entry_point\" as strings (\"{}\" is missing)",
            where, key));
      }
      gold[key] = *it;
    }
    return gold.dump();
  }
  if (scorer == "stdio") {
    auto tests = line.find("tests");
    if (tests == line.end()) throw SuiteError(fmt::format("{}: missing key \"tests\"", where));
    nlohmann::json gold{{"tests", *tests}};
    for (const char* key : {"time_limit_s", "memory_mb", "fn_name"}) {
      if (auto it = line.find(key); it != line.end()) gold[key] = *it;
    }
    return gold.dump();  // the scorer validates the shape and names what is wrong
  }
  throw SuiteError(fmt::format("{}: scorer \"{}\" takes no code tests", where, scorer));
}

}  // namespace rigor
