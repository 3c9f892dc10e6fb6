// Basic MATH scorer: extraction plus normalised comparison, no algebra.
// make_scorer("math") returns this until the symbolic verifier in
// scorers/math/ replaces it.
//
// Extraction (extract.h), first match wins; Verdict::reason names the rule:
//  1. "boxed" / "fbox" / "boxed-unbraced": the last box.
//  2. "final-answer-phrase": the last "final answer is X" / "answer is X".
// Nothing found: extracted_ok = false. An empty box "\boxed{}" is extracted
// (extracted_ok = true) and wrong.
// Verification: math_answers_equal() from normalize.h (see its policy:
// exact rationals, element-wise tuples, else normalised strings).
// Verdict::extracted is the normalised form. equivalent() is
// math_answers_equal().
#pragma once

#include "scorers/scorer.h"

namespace rigor {

class BasicMathScorer : public Scorer {
 public:
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "math"; }
  std::string version() const override { return "math-basic-1"; }
};

}  // namespace rigor
