#include "scorers/code/stdio_scorer.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scorers/code/extract_code.h"
#include "scorers/code/output_compare.h"

namespace rigor {
namespace {

constexpr char kResultMarker[] = "<<rigor-functional-result>>";

// Functional tests: the names a LeetCode-style solution expects to find, then
// the builtins again (math's star-import would shadow pow).
constexpr char kFunctionalPrelude[] =
    "from typing import *\nfrom collections import *\nfrom heapq import *\nfrom bisect import *\n"
    "from itertools import *\nfrom functools import *\nfrom math import *\nfrom builtins import *\n"
    "import collections, heapq, bisect, itertools, functools, math, string, re, sys\n";

std::string functional_program(const std::string& code, const std::string& fn) {
  return std::string(kFunctionalPrelude) + code +
         fmt::format(
             "\n\nimport json as _rigor_json, sys as _rigor_sys\n"
             "_rigor_args = [_rigor_json.loads(l) for l in _rigor_sys.stdin.read().split('\\n') if l.strip()]\n"
             "_rigor_fn = getattr(Solution(), '{0}') if 'Solution' in globals() else globals()['{0}']\n"
             "_rigor_out = _rigor_fn(*_rigor_args)\n"
             "print('\\n{1}' + _rigor_json.dumps(_rigor_out))\n",
             fn, kResultMarker);
}

bool values_match(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    double d = std::fabs(x - y);
    return d <= kFloatTolerance || d <= kFloatTolerance * std::fabs(x);
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!values_match(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto jt = b.find(it.key());
      if (jt == b.end() || !values_match(*it, *jt)) return false;
    }
    return true;
  }
  return a == b;
}

std::string squeeze(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
  return out;
}

}  // namespace

tl::expected<StdioSpec, std::string> parse_stdio_gold(std::string_view gold) {
  auto j = nlohmann::json::parse(gold, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return tl::unexpected(std::string("stdio gold is not a JSON object"));
  StdioSpec s;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "tests") {
      if (!it->is_array()) return tl::unexpected(std::string("stdio gold: \"tests\" must be an array"));
      for (size_t i = 0; i < it->size(); ++i) {
        const auto& t = (*it)[i];
        if (!t.is_object() || !t.contains("input") || !t.contains("output") || !t["input"].is_string() ||
            !t["output"].is_string() || t.size() != 2) {
          return tl::unexpected(fmt::format(
              "stdio gold: tests[{}] must be {{\"input\": string, \"output\": string}} and nothing else", i));
        }
        s.tests.push_back({t["input"].get<std::string>(), t["output"].get<std::string>()});
      }
    } else if (k == "time_limit_s") {
      if (!it->is_number() || it->get<double>() <= 0) {
        return tl::unexpected(std::string("stdio gold: \"time_limit_s\" must be a positive number"));
      }
      s.time_limit_s = it->get<double>();
    } else if (k == "memory_mb") {
      if (!it->is_number_integer() || it->get<int64_t>() < 16) {
        return tl::unexpected(std::string("stdio gold: \"memory_mb\" must be an integer >= 16"));
      }
      s.memory_mb = static_cast<int>(it->get<int64_t>());
    } else if (k == "fn_name") {
      if (!it->is_string() || it->get<std::string>().empty()) {
        return tl::unexpected(std::string("stdio gold: \"fn_name\" must be a non-empty string"));
      }
      s.fn_name = it->get<std::string>();
      for (char c : s.fn_name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
          return tl::unexpected(std::string("stdio gold: \"fn_name\" must be an identifier"));
        }
      }
    } else {
      return tl::unexpected(fmt::format("stdio gold: unknown key \"{}\"", k));
    }
  }
  if (s.tests.empty()) return tl::unexpected(std::string("stdio gold: no tests (an empty test list is never a pass)"));
  return s;
}

std::string stdio_gold(const StdioSpec& spec) {
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& t : spec.tests) tests.push_back({{"input", t.input}, {"output", t.output}});
  nlohmann::json j{{"tests", tests}, {"time_limit_s", spec.time_limit_s}, {"memory_mb", spec.memory_mb}};
  if (!spec.fn_name.empty()) j["fn_name"] = spec.fn_name;
  return j.dump();
}

bool json_values_match(const std::string& expected, const std::string& actual) {
  auto a = nlohmann::json::parse(expected, nullptr, false);
  auto b = nlohmann::json::parse(actual, nullptr, false);
  if (a.is_discarded() || b.is_discarded()) return false;
  return values_match(a, b);
}

Verdict StdioScorer::score(std::string_view answer, std::string_view gold) const {
  Verdict v;
  auto spec = parse_stdio_gold(gold);
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
  bool functional = !spec->fn_name.empty();
  std::string program = functional ? functional_program(code.code, spec->fn_name) : code.code;
  sandbox::Limits limits;
  limits.wall_s = spec->time_limit_s;
  limits.cpu_s = spec->time_limit_s;
  limits.memory_bytes = static_cast<size_t>(spec->memory_mb) << 20;
  std::string isolation = "none";
  for (size_t i = 0; i < spec->tests.size(); ++i) {
    const IoTest& t = spec->tests[i];
    sandbox::Result r = (pool_ != nullptr ? *pool_ : shared_executor_pool()).run({program, t.input}, limits);
    isolation = r.isolation.level();
    CodeVerdict verdict = verdict_of_run(r);
    std::string detail;
    if (verdict == CodeVerdict::kAccepted && functional) {
      size_t at = r.stdout_data.rfind(kResultMarker);
      std::string got = at == std::string::npos ? "" : r.stdout_data.substr(at + sizeof(kResultMarker) - 1);
      if (at == std::string::npos || !json_values_match(t.output, got)) {
        verdict = CodeVerdict::kWrongAnswer;
        detail = fmt::format("returned {}", got.empty() ? "nothing" : got.substr(0, 80));
      }
    } else if (verdict == CodeVerdict::kAccepted) {
      OutputMatch m = compare_output(t.output, r.stdout_data);
      if (!m.ok) {
        verdict = CodeVerdict::kWrongAnswer;
        detail = m.detail;
      }
    } else {
      detail = run_detail(r);
    }
    if (verdict != CodeVerdict::kAccepted) {
      v.error = verdict == CodeVerdict::kSandboxError;  // not judged: an error, never a wrong answer
      v.reason = fmt::format("{}: test {} of {}: {}; code: {}; isolation: {}", to_string(verdict), i + 1,
                             spec->tests.size(), detail, code.rule, isolation);
      return v;
    }
  }
  v.correct = true;
  v.reason = fmt::format("{}: {} tests passed; code: {}; isolation: {}", to_string(CodeVerdict::kAccepted),
                         spec->tests.size(), code.rule, isolation);
  return v;
}

bool StdioScorer::equivalent(std::string_view a, std::string_view b) const { return squeeze(a) == squeeze(b); }

}  // namespace rigor
