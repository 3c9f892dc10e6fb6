// Loaders for the bundled JSONL suites: AIME 2024, AIME 2025, MATH-500.
#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>
#include <unordered_set>

#include <fmt/format.h>

#include "suites/jsonl.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace rigor::detail {
namespace {

constexpr char kBoxedTemplate[] = "r1-boxed-v1";
constexpr int kAimeProblemsPerExam = 15;

// An AIME answer is an integer 0..999, written with up to three digits.
void check_aime_answer(const std::string& answer, const std::string& path, int line) {
  bool ok = !answer.empty() && answer.size() <= 3 &&
            answer.find_first_not_of("0123456789") == std::string::npos;
  if (!ok) {
    throw SuiteError(fmt::format("{}:{}: field \"answer\" must be an integer 0..999, got \"{}\"",
                                 path, line, answer));
  }
}

void set_aime_position(Problem& p, int year, const std::string& exam, int number) {
  p.meta["contest"] = fmt::format("{} AIME {}", year, exam);
  p.meta["number"] = number;
  // AIME problems get harder through each exam; position is the best proxy we have.
  p.meta["difficulty"] = static_cast<double>(number - 1) / (kAimeProblemsPerExam - 1);
  p.meta["difficulty_source"] = "position within the 15-problem exam";
}

// Adds p to s, refusing an id already there.
void add_unique(Suite& s, std::unordered_set<std::string>& seen, Problem p,
                const std::string& path, int line) {
  if (!seen.insert(p.id).second) {
    throw SuiteError(fmt::format("{}:{}: duplicate problem id \"{}\"", path, line, p.id));
  }
  s.problems.push_back(std::move(p));
}

// The aime25 source lost backslashes that JSON read as escapes: "\frac" became
// form feed + "rac" and "\triangle" became tab + "riangle". A form feed or a
// tab directly before a letter never belongs in LaTeX text, so restore them.
int repair_lost_backslashes(std::string& text) {
  int repairs = 0;
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool next_is_letter = i + 1 < text.size() && std::isalpha(static_cast<unsigned char>(text[i + 1]));
    if (c == '\f') {
      out += "\\f";
      ++repairs;
    } else if (c == '\t' && next_is_letter) {
      out += "\\t";
      ++repairs;
    } else {
      out.push_back(c);
    }
  }
  text = std::move(out);
  return repairs;
}

}  // namespace

std::string read_file_bytes(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SuiteError(fmt::format("cannot open {} \"{}\"", what, path));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw SuiteError(fmt::format("cannot read {} \"{}\"", what, path));
  return buf.str();
}

Suite load_aime24(const std::string& path) {
  std::string bytes = read_file_bytes(path, "suite data file");
  Suite s;
  s.name = "aime24";
  s.scorer = "aime";
  s.template_id = kBoxedTemplate;
  s.data_hash = sha256_hex(bytes);
  std::unordered_set<std::string> seen;
  s.source =
      "AIME 2024 I and II (MAA), via QwenLM/Qwen2.5-Math and "
      "Zhuofeng-Li/math-evaluation-harness data/aime24/test.jsonl";
  // The ids (60..89) sort problems as strings (1, 10, 11, .., 2, ..), so the
  // exam and the position come from the AoPS url each line carries.
  static const std::regex kUrl(R"((\d{4})_AIME_(I|II)_Problems/Problem_(\d+)$)");
  for (const auto& l : parse_jsonl(bytes, path)) {
    Problem p;
    p.id = fmt::format("aime24/{}", require_int(l, "id", path));
    p.statement = require_string(l, "problem", path);
    p.gold = require_string(l, "answer", path);
    check_aime_answer(p.gold, path, l.line);
    std::string url = require_string(l, "url", path);
    std::smatch m;
    if (!std::regex_search(url, m, kUrl)) {
      throw SuiteError(fmt::format(
          "{}:{}: field \"url\" does not name an AIME problem (…_AIME_I_Problems/Problem_N): \"{}\"",
          path, l.line, url));
    }
    int number = std::stoi(m[3].str());
    if (number < 1 || number > kAimeProblemsPerExam) {
      throw SuiteError(fmt::format("{}:{}: field \"url\": problem number {} is not 1..15", path,
                                   l.line, number));
    }
    set_aime_position(p, std::stoi(m[1].str()), m[2].str(), number);
    p.meta["url"] = url;
    add_unique(s, seen, std::move(p), path, l.line);
  }
  return s;
}

Suite load_aime25(const std::string& path) {
  std::string bytes = read_file_bytes(path, "suite data file");
  Suite s;
  s.name = "aime25";
  s.scorer = "aime";
  s.template_id = kBoxedTemplate;
  s.data_hash = sha256_hex(bytes);
  std::unordered_set<std::string> seen;
  s.source =
      "AIME 2025 I and II (MAA), via Zhuofeng-Li/math-evaluation-harness data/aime25/test.jsonl; "
      "lost LaTeX backslashes (form feed/tab before a letter) restored at load";
  auto lines = parse_jsonl(bytes, path);
  // Without ids, the exam and position come from the line: I is 1-15, II 16-30.
  if (lines.size() != 2 * kAimeProblemsPerExam) {
    throw SuiteError(fmt::format("{}: expected 30 lines (AIME I then II, in order), found {}",
                                 path, lines.size()));
  }
  for (const auto& l : lines) {
    Problem p;
    p.id = fmt::format("aime25/{}", l.line);
    p.statement = require_string(l, "problem", path);
    p.gold = require_string(l, "answer", path);
    check_aime_answer(p.gold, path, l.line);
    int repairs = repair_lost_backslashes(p.statement);
    if (repairs > 0) p.meta["repaired_backslashes"] = repairs;
    bool first_exam = l.line <= kAimeProblemsPerExam;
    int number = first_exam ? l.line : l.line - kAimeProblemsPerExam;
    set_aime_position(p, 2025, first_exam ? "I" : "II", number);
    add_unique(s, seen, std::move(p), path, l.line);
  }
  return s;
}

Suite load_math500(const std::string& path) {
  std::string bytes = read_file_bytes(path, "suite data file");
  Suite s;
  s.name = "math500";
  s.scorer = "math";
  s.template_id = kBoxedTemplate;
  s.data_hash = sha256_hex(bytes);
  std::unordered_set<std::string> seen;
  s.source =
      "MATH-500 (PRM800K test split of Hendrycks MATH), via Zhuofeng-Li/math-evaluation-harness "
      "data/math500/test.jsonl";
  for (const auto& l : parse_jsonl(bytes, path)) {
    Problem p;
    p.id = require_string(l, "unique_id", path);
    p.statement = require_string(l, "problem", path);
    p.gold = require_string(l, "answer", path);
    int64_t level = require_int(l, "level", path);
    if (level < 1 || level > 5) {
      throw SuiteError(
          fmt::format("{}:{}: field \"level\" must be 1..5, got {}", path, l.line, level));
    }
    p.meta["level"] = level;
    p.meta["subject"] = require_string(l, "subject", path);
    p.meta["difficulty"] = static_cast<double>(level - 1) / 4.0;
    p.meta["difficulty_source"] = "MATH level 1..5";
    add_unique(s, seen, std::move(p), path, l.line);
  }
  return s;
}

}  // namespace rigor::detail
