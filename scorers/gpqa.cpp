#include "scorers/gpqa.h"

#include <cctype>

#include <fmt/format.h>

#include "scorers/extract.h"

namespace rigor {
namespace {

bool is_choice(char c) { return c >= 'A' && c <= 'D'; }
char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

size_t skip(std::string_view s, size_t i, std::string_view chars) {
  while (i < s.size() && chars.find(s[i]) != std::string_view::npos) ++i;
  return i;
}

// Reads a letter at s[i..] after optional wrappers; 0 when there is none.
char letter_at(std::string_view s, size_t i) {
  i = skip(s, i, " \t*$([");
  for (std::string_view cmd : {"\\boxed{", "\\text{", "\\textbf{", "\\mathrm{"}) {
    if (s.substr(i, cmd.size()) == cmd) i = skip(s, i + cmd.size(), " ([");
  }
  if (i >= s.size()) return 0;
  char c = s[i];
  if (!is_choice(upper(c))) return 0;
  size_t next = i + 1;
  if (next < s.size() && is_alpha(s[next])) return 0;  // a word: "Answer: Because"
  if (c != upper(c)) {
    // Lower case: accept only if no word follows on the line ("answer: a photon").
    size_t j = skip(s, next, " \t)].*$}");
    if (j < s.size() && s[j] != '\n' && s[j] != '\r') return 0;
  }
  return upper(c);
}

std::optional<ChoiceExtraction> from_answer_line(std::string_view s) {
  std::string low(s);
  for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::optional<ChoiceExtraction> found;
  for (size_t i = low.find("answer"); i != std::string::npos; i = low.find("answer", i + 1)) {
    size_t j = skip(s, i + 6, " \t*");
    if (j >= s.size() || s[j] != ':') continue;
    char letter = letter_at(s, skip(s, j + 1, " \t*"));
    if (letter != 0) found = ChoiceExtraction{letter, "answer-line"};
  }
  return found;
}

std::optional<ChoiceExtraction> from_boxed(std::string_view s) {
  auto boxes = all_boxed(s);
  for (auto it = boxes.rbegin(); it != boxes.rend(); ++it) {
    std::string_view t = it->text;
    size_t i = skip(t, 0, " ([");
    for (std::string_view cmd : {"\\text{", "\\textbf{", "\\mathrm{"}) {
      if (t.substr(i, cmd.size()) == cmd) i = skip(t, i + cmd.size(), " ([");
    }
    size_t end = skip(t, i + 1, " )]}");
    if (i < t.size() && is_choice(upper(t[i])) && end == t.size()) {
      return ChoiceExtraction{upper(t[i]), "boxed"};
    }
  }
  return std::nullopt;
}

std::optional<char> gold_letter(std::string_view gold) {
  size_t b = gold.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return std::nullopt;
  gold = gold.substr(b, gold.find_last_not_of(" \t\r\n") - b + 1);
  if (gold.size() != 1 || !is_choice(upper(gold[0]))) return std::nullopt;
  return upper(gold[0]);
}

}  // namespace

std::optional<ChoiceExtraction> extract_choice_letter(std::string_view response) {
  if (auto a = from_answer_line(response)) return a;
  return from_boxed(response);
}

Verdict GpqaScorer::score(std::string_view answer, std::string_view gold) const {
  Verdict v;
  auto e = extract_choice_letter(answer);
  if (!e) {
    v.reason = "no answer found: no \"Answer: X\" line and no \\boxed{X} with X in A-D";
    return v;
  }
  v.extracted_ok = true;
  v.extracted = std::string(1, e->letter);
  auto want = gold_letter(gold);
  if (!want) {
    v.reason = fmt::format("{}: gold \"{}\" is not a letter A-D", e->rule, gold);
    return v;
  }
  v.correct = e->letter == *want;
  v.reason = e->rule;
  return v;
}

bool GpqaScorer::equivalent(std::string_view a, std::string_view b) const {
  auto la = gold_letter(a);
  auto lb = gold_letter(b);
  return la && lb && *la == *lb;
}

}  // namespace rigor
