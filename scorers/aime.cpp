#include "scorers/aime.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "scorers/extract.h"
#include "scorers/normalize.h"

namespace rigor {
namespace {

std::string_view trim(std::string_view s, std::string_view chars = " \t\r\n") {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(chars) - b + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value after the last line that starts with "answer:" (after any '*' or '#').
std::optional<Extraction> answer_line(std::string_view s) {
  std::optional<Extraction> found;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view line = trim(s.substr(start, end - start), " \t\r*#");
    if (lower(line.substr(0, 7)) == "answer:") {
      std::string_view v = trim(line.substr(7), " \t*");
      if (!v.empty()) found = Extraction{std::string(v), "answer-line", start};
    }
    start = end + 1;
  }
  return found;
}

std::optional<Extraction> last_line(std::string_view s) {
  std::string_view t = trim(s);
  if (t.empty()) return std::nullopt;
  size_t nl = t.rfind('\n');
  size_t start = nl == std::string_view::npos ? 0 : nl + 1;
  std::string_view line = trim(t.substr(start), " \t\r*");
  if (!parse_aime_integer(line)) return std::nullopt;
  return Extraction{std::string(line), "last-line-integer", static_cast<size_t>(line.data() - s.data())};
}

}  // namespace

std::optional<long long> parse_aime_integer(std::string_view text) {
  std::string n = normalize_math_answer(text);
  std::string_view v = n;
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  if (v.empty() || v.size() > 18) return std::nullopt;
  long long out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  return out;
}

Verdict AimeScorer::score(std::string_view answer, std::string_view gold) const {
  Verdict v;
  std::optional<Extraction> e = last_boxed(answer);
  if (!e) e = final_answer_phrase(answer);
  if (!e) e = answer_line(answer);
  if (!e) e = last_line(answer);
  if (!e) {
    v.reason = "no answer found: no \\boxed{}, no \"answer is\", no \"Answer:\" line, "
               "last line not an integer";
    return v;
  }
  v.extracted_ok = true;
  auto got = parse_aime_integer(e->text);
  if (!got && e->rule != "boxed" && e->rule != "fbox") {
    // "The answer is 33 because ..." : the phrase rules read the first word.
    std::string_view first = trim(e->text);
    first = first.substr(0, first.find_first_of(" \t"));
    got = parse_aime_integer(trim(first, ",;:."));
  }
  if (!got) {
    v.extracted = normalize_math_answer(e->text);
    v.reason = fmt::format("{}: \"{}\" is not an integer", e->rule, e->text);
    return v;
  }
  v.extracted = std::to_string(*got);
  if (*got < 0 || *got > 999) {
    v.reason = fmt::format("{}: {} is outside 0..999", e->rule, *got);
    return v;
  }
  auto want = parse_aime_integer(gold);
  if (!want) {
    v.reason = fmt::format("{}: gold \"{}\" is not an integer", e->rule, gold);
    return v;
  }
  v.correct = *got == *want;
  v.reason = e->rule;
  return v;
}

bool AimeScorer::equivalent(std::string_view a, std::string_view b) const {
  auto ia = parse_aime_integer(a);
  auto ib = parse_aime_integer(b);
  if (ia && ib) return *ia == *ib;
  return normalize_math_answer(a) == normalize_math_answer(b);
}

}  // namespace rigor
