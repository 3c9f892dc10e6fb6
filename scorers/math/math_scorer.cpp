#include "scorers/math/math_scorer.h"

#include <algorithm>
#include <cctype>

#include "scorers/extract.h"
#include "scorers/math/math_equiv.h"
#include "scorers/math/math_lexer.h"
#include "scorers/math/math_limits.h"
#include "scorers/math/math_parser.h"

namespace rigor {
namespace {

// The byte after the box starting at `pos` closes, or npos.
size_t box_end(std::string_view s, size_t pos) {
  size_t open = s.find('{', pos);
  if (open == std::string_view::npos) return open;
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

// Whether the text between two boxes only separates them: spaces, commas,
// semicolons, math delimiters, LaTeX spacing, and one "and" / "or" (plain
// or in \text{}).
bool only_separators(std::string_view gap) {
  // "\\) and \\( y_2 = ": a label naming the next box may end the gap.
  size_t eq = gap.find_last_not_of(" \t\r\n");
  if (eq != std::string_view::npos && eq > 0 && gap[eq] == '=') {
    size_t e = gap.find_last_not_of(' ', eq - 1);
    size_t b = e;
    while (b != std::string_view::npos && b > 0 &&
           (std::isalnum(static_cast<unsigned char>(gap[b - 1])) || gap[b - 1] == '_' || gap[b - 1] == '{' ||
            gap[b - 1] == '}'))
      --b;
    if (e == std::string_view::npos || !std::isalpha(static_cast<unsigned char>(gap[b]))) return false;
    gap = gap.substr(0, b);
  }
  std::string rest;
  for (size_t i = 0; i < gap.size(); ++i) {
    char c = gap[i];
    if (c == '\\') {
      std::string_view tail = gap.substr(i);
      bool skipped = false;
      for (std::string_view sep : {"\\qquad", "\\quad", "\\,", "\\;", "\\ ", "\\(", "\\)", "\\[", "\\]"}) {
        if (tail.substr(0, sep.size()) == sep) {
          i += sep.size() - 1;
          skipped = true;
          break;
        }
      }
      if (skipped) continue;
    }
    if (!std::isspace(static_cast<unsigned char>(c)) && c != ',' && c != '$' && c != ';') rest += c;
  }
  return rest.empty() || rest == "and" || rest == "\\text{and}" || rest == "or" || rest == "\\text{or}";
}

// The last box, with the boxes directly before it joined as a list;
// `last_pos` (if given) receives where the last box starts.
std::optional<MathExtraction> joined_boxes(std::string_view s, size_t* last_pos = nullptr) {
  std::vector<Extraction> boxes = all_boxed(s);
  if (boxes.empty()) return std::nullopt;
  if (last_pos) *last_pos = boxes.back().pos;
  size_t first = boxes.size() - 1;
  while (first > 0 && boxes[first - 1].rule != "boxed-unbraced") {
    size_t end = box_end(s, boxes[first - 1].pos);
    if (end == std::string_view::npos || end > boxes[first].pos ||
        !only_separators(s.substr(end, boxes[first].pos - end)))
      break;
    --first;
  }
  std::string text;
  for (size_t i = first; i < boxes.size(); ++i) text += (i > first ? ", " : "") + boxes[i].text;
  return MathExtraction{text, boxes.size() - first > 1 ? "boxed (" + std::to_string(boxes.size() - first) + " joined)"
                                                       : "boxed",
                        std::nullopt};
}

// Whether plain text (no math delimiters) reads as math rather than prose:
// outside command names and \text-like groups, a run of letters is one
// letter (a variable), a function or constant name, "and"/"or", a percent
// word, or the single word after the value that ends the text (a unit, "3
// apples"). "is 34", "The largest n is 34" and "AZYUK2A" are prose.
bool reads_as_math(std::string_view s) {
  std::vector<std::pair<size_t, size_t>> runs;  // [begin, end) of letter runs
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\\') {
      size_t j = i + 1;
      while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
      std::string_view cmd = s.substr(i + 1, j - i - 1);
      i = std::max(j, i + 2);
      bool text_like = cmd == "text" || cmd == "textbf" || cmd == "mathrm" || cmd == "mbox" ||
                       cmd == "textnormal" || cmd == "textit" || cmd == "mathbf" || cmd == "operatorname";
      if (text_like) {
        while (i < s.size() && s[i] == ' ') ++i;
        if (i < s.size() && s[i] == '{') {
          int depth = 0;
          for (; i < s.size(); ++i) {
            if (s[i] == '{') ++depth;
            if (s[i] == '}' && --depth == 0) break;
          }
          ++i;
        }
      }
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(s[i]))) {
      size_t j = i;
      while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
      runs.emplace_back(i, j);
      i = j;
      continue;
    }
    ++i;
  }
  for (size_t r = 0; r < runs.size(); ++r) {
    auto [b, e] = runs[r];
    std::string word(s.substr(b, e - b));
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word.size() == 1 || word == "and" || word == "or" || word == "pi" || word == "infty" || word == "inf" ||
        word == "percent" || word == "pct" || word == "percentage" || math::is_function_name(word))
      continue;
    size_t before = b == 0 ? std::string_view::npos : s.find_last_not_of(' ', b - 1);
    bool after_value = before != std::string_view::npos &&
                       (std::isdigit(static_cast<unsigned char>(s[before])) || s[before] == '}' || s[before] == ')');
    if (r + 1 == runs.size() && after_value) continue;  // a unit
    return false;
  }
  return true;
}

std::optional<MathExtraction> parsed_as(std::string_view text, std::string rule) {
  auto node = math::parse_answer(text);
  if (!node) return std::nullopt;
  size_t b = text.find_first_not_of(" \t\r\n");
  size_t e = text.find_last_not_of(" \t\r\n");
  return MathExtraction{std::string(text.substr(b, e - b + 1)), std::move(rule), std::move(*node)};
}

// The text after a final-answer phrase: a math span that starts right there,
// else the rest of the sentence when it reads as math.
std::optional<MathExtraction> after_phrase(std::string_view s, size_t at, const std::vector<MathSpan>& spans) {
  size_t b = s.find_first_not_of(" \t\r\n", at);
  if (b == std::string_view::npos) return std::nullopt;
  auto sp = std::lower_bound(spans.begin(), spans.end(), b, [](const MathSpan& m, size_t p) { return m.pos < p; });
  if (sp != spans.end() && sp->pos == b) return parsed_as(sp->text, "final-answer-phrase");
  // Longer than an answer may be (math_limits.h), the sentence cannot parse.
  size_t end = std::min(s.find('\n', b), std::min(s.size(), b + math::kMaxAnswerBytes + 1));
  for (size_t k = b; k + 1 < end; ++k) {
    if (s[k] == '.' && std::isspace(static_cast<unsigned char>(s[k + 1]))) {
      end = k;  // the sentence ends
      break;
    }
  }
  std::string_view v = s.substr(b, end - b);
  while (!v.empty() && (v.back() == '.' || v.back() == '*' || std::isspace(static_cast<unsigned char>(v.back()))))
    v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (!reads_as_math(v)) {
    // "Final Answer: The largest $n$ is 34": the value the phrase's sentence
    // ends on, after its last "is".
    size_t is = v.rfind(" is ");
    if (is == std::string_view::npos) return std::nullopt;
    v.remove_prefix(is + 4);
    if (v.size() > 2 && v.front() == '$' && v.back() == '$') v = v.substr(1, v.size() - 2);
    if (!reads_as_math(v)) return std::nullopt;
  }
  return parsed_as(v, "final-answer-phrase");
}

// The response's last non-empty line, when it reads as math ("7,425,000",
// ".4", "x = 5"); `pos` receives where the line starts.
std::optional<MathExtraction> last_line(std::string_view s, size_t& pos) {
  size_t e = s.find_last_not_of(" \t\r\n");
  if (e == std::string_view::npos) return std::nullopt;
  size_t b = s.rfind('\n', e);
  b = b == std::string_view::npos ? 0 : b + 1;
  pos = b;
  std::string_view v = s.substr(b, e - b + 1);
  while (!v.empty() && (v.front() == '*' || v.front() == ' ')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '.' || v.back() == '*' || v.back() == ' ')) v.remove_suffix(1);
  if (v.empty() || !reads_as_math(v)) return std::nullopt;
  return parsed_as(v, "last-line");
}

}  // namespace

std::optional<MathExtraction> extract_math_answer(std::string_view response) {
  size_t think = response.rfind("</think>");
  if (think != std::string_view::npos) response.remove_prefix(think + 8);
  std::vector<size_t> phrases = answer_phrase_ends(response);
  size_t box_pos = 0;
  auto box = joined_boxes(response, &box_pos);
  std::optional<std::vector<MathSpan>> spans;  // found only when a rule needs them
  auto all_spans = [&]() -> const std::vector<MathSpan>& {
    if (!spans) spans = math_spans(response);
    return *spans;
  };
  // A final-answer phrase after the last box restates the answer last.
  size_t after_box = box ? std::min(box_end(response, box_pos), response.size()) : 0;
  // The last few phrases only: a response repeating "the answer is" without
  // an answer costs a bounded number of tries.
  constexpr size_t kPhrasesTried = 8;
  size_t tried = 0;
  for (auto it = phrases.rbegin(); it != phrases.rend() && (!box || *it > after_box) && tried < kPhrasesTried;
       ++it, ++tried)
    if (auto p = after_phrase(response, *it, all_spans())) return p;
  if (box) return box;  // taken even if it does not parse; the scorer parses it
  // The last span that parses, among the last 64: further back than that is
  // a guess at an intermediate result (and a hostile response of thousands
  // of unparseable spans costs 64 tries).
  constexpr size_t kSpansTried = 64;
  // A math-only last line after the span is the later expression.
  size_t line_pos = 0;
  auto line = last_line(response, line_pos);
  tried = 0;
  for (auto it = all_spans().rbegin(); it != all_spans().rend() && tried < kSpansTried; ++it, ++tried) {
    if (line && line_pos >= it->end) return line;
    if (auto m = parsed_as(it->text, it->display ? "last-display-math" : "last-inline-math")) return m;
  }
  return line;
}

Verdict MathScorer::score(std::string_view answer, std::string_view gold) const {
  Verdict v;
  auto ex = extract_math_answer(answer);
  if (!ex) {
    v.reason = "no answer found (no box, no final-answer phrase, no math that parses)";
    return v;
  }
  v.extracted_ok = true;
  v.extracted = ex->text;
  // A gold written with its box ("\\boxed{5}") is unwrapped the same way; a
  // gold that is not an answer by itself (a worked solution) is read like a
  // response.
  std::string gold_text(gold);
  if (gold.find("\\boxed") != std::string_view::npos || gold.find("\\fbox") != std::string_view::npos) {
    if (auto g = joined_boxes(gold)) gold_text = g->text;
  }
  if (gold_text == ex->text && gold_text.size() <= math::kMaxAnswerBytes) {
    v.correct = true;
    v.reason = ex->rule + ": identical text";
    return v;
  }
  tl::expected<math::Node, std::string> g = math::parse_answer(gold_text);
  if (!g) {
    if (auto ge = extract_math_answer(gold_text)) {
      auto parsed = ge->node ? tl::expected<math::Node, std::string>(std::move(*ge->node)) : math::parse_answer(ge->text);
      if (parsed) {
        gold_text = ge->text;
        g = std::move(parsed);
      }
    }
  }
  tl::expected<math::Node, std::string> a =
      ex->node ? tl::expected<math::Node, std::string>(std::move(*ex->node)) : math::parse_answer(ex->text);
  math::Equivalence e = math::equivalent_parsed(gold_text, g, ex->text, a);
  v.correct = e.equal;
  v.reason = ex->rule + ": " + e.reason;
  return v;
}

bool MathScorer::equivalent(std::string_view a, std::string_view b) const {
  return math::equivalent_answers(a, b).equal;
}

std::unique_ptr<Scorer> make_math_scorer() { return std::make_unique<MathScorer>(); }

}  // namespace rigor
