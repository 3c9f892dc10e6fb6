#include "scorers/basic_math.h"

#include "scorers/extract.h"
#include "scorers/normalize.h"

namespace rigor {

Verdict BasicMathScorer::score(std::string_view answer, std::string_view gold) const {
  Verdict v;
  auto e = extract_final_answer(answer);
  if (!e) {
    v.reason = "no answer found: no \\boxed{} and no \"answer is\" phrase";
    return v;
  }
  v.extracted_ok = true;
  v.extracted = normalize_math_answer(e->text);
  v.correct = !v.extracted.empty() && math_answers_equal(e->text, gold);
  v.reason = v.extracted.empty() ? e->rule + ": empty answer" : e->rule;
  return v;
}

bool BasicMathScorer::equivalent(std::string_view a, std::string_view b) const {
  return math_answers_equal(a, b);
}

}  // namespace rigor
