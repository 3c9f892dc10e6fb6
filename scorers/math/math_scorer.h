// The "math" scorer: extraction (scorers/extract.h) plus symbolic
// verification (math_equiv.h) under the policy in scorers/math/POLICY.md.
//
// Extraction, first rule that finds something wins; Verdict::reason starts
// with the rule's name:
//  1. "boxed": the last \boxed{...} / \fbox{...}; boxes that directly precede
//     it (only spaces, commas, '$' or "and" between) are joined as a list:
//     "\boxed{2}, \boxed{3}" answers "2, 3".
//  2. "final-answer-phrase": the last "final answer is X" / "answer is X".
//  3. "last-number (fallback)": the last number in the response. Reported as
//     such so that a run can count how often the fallback decided.
// Nothing found: extracted_ok = false, correct = false.
// Anything before the last "</think>" is ignored. Thread-safe; never throws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scorers/scorer.h"

namespace rigor {

struct MathExtraction {
  std::string text;  // the answer as written
  std::string rule;  // "boxed", "final-answer-phrase", "last-number (fallback)"
};

std::optional<MathExtraction> extract_math_answer(std::string_view response);

class MathScorer : public Scorer {
 public:
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "math"; }
  std::string version() const override { return "math-symbolic-3"; }
};

std::unique_ptr<Scorer> make_math_scorer();

}  // namespace rigor
