#include "scorers/math/math_scorer.h"

#include <cctype>

#include "scorers/extract.h"
#include "scorers/math/math_equiv.h"

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

bool only_separators(std::string_view gap) {
  std::string rest;
  for (char c : gap)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != ',' && c != '$' && c != ';') rest += c;
  return rest.empty() || rest == "and" || rest == "\\text{and}" || rest == "or";
}

std::optional<MathExtraction> joined_boxes(std::string_view s) {
  std::vector<Extraction> boxes = all_boxed(s);
  if (boxes.empty()) return std::nullopt;
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
                                                       : "boxed"};
}

std::optional<MathExtraction> last_number(std::string_view s) {
  size_t end = std::string_view::npos;
  for (size_t i = s.size(); i-- > 0;) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      end = i + 1;
      break;
    }
  }
  if (end == std::string_view::npos) return std::nullopt;
  size_t begin = end;
  while (begin > 0 && (std::isdigit(static_cast<unsigned char>(s[begin - 1])) || s[begin - 1] == '.' ||
                       s[begin - 1] == '/'))
    --begin;
  if (begin > 0 && s[begin - 1] == '-') --begin;
  std::string_view num = s.substr(begin, end - begin);
  while (!num.empty() && (num.front() == '.' || num.front() == '/')) num.remove_prefix(1);
  return MathExtraction{std::string(num), "last-number (fallback)"};
}

}  // namespace

std::optional<MathExtraction> extract_math_answer(std::string_view response) {
  size_t think = response.rfind("</think>");
  if (think != std::string_view::npos) response.remove_prefix(think + 8);
  if (auto b = joined_boxes(response)) return b;
  if (auto p = final_answer_phrase(response)) return MathExtraction{p->text, p->rule};
  return last_number(response);
}

Verdict MathScorer::score(std::string_view answer, std::string_view gold) const {
  Verdict v;
  auto ex = extract_math_answer(answer);
  if (!ex) {
    v.reason = "no answer found (no box, no final-answer phrase, no number)";
    return v;
  }
  v.extracted_ok = true;
  v.extracted = ex->text;
  // A gold written with its box ("\boxed{5}") is unwrapped the same way.
  std::string gold_text(gold);
  if (gold.find("\\boxed") != std::string_view::npos || gold.find("\\fbox") != std::string_view::npos) {
    if (auto g = joined_boxes(gold)) gold_text = g->text;
  }
  math::Equivalence e = math::equivalent_answers(gold_text, ex->text);
  v.correct = e.equal;
  v.reason = ex->rule + ": " + e.reason;
  return v;
}

bool MathScorer::equivalent(std::string_view a, std::string_view b) const {
  return math::equivalent_answers(a, b).equal;
}

std::unique_ptr<Scorer> make_math_scorer() { return std::make_unique<MathScorer>(); }

}  // namespace rigor
