// GPQA (multiple choice) scorer: the answer is a letter A..D.
//
// Extraction rules, first match wins (Verdict::reason names the rule):
//  1. "answer-line": the last "Answer:" (any case; markdown allowed around
//     it: "**Answer:** C", "**Answer**: C", "Final Answer: C") followed by a
//     letter, optionally wrapped: "(C)", "[C]", "$C$", "\boxed{C}",
//     "\text{C}", "C) text", "C.". A lower-case letter counts only when no
//     word follows it ("answer: c", not "answer: a photon").
//  2. "boxed": the last \boxed{..} whose content is a single letter A..D
//     (optionally in parentheses or \text{}).
// Nothing found: extracted_ok = false. Letters E..Z are never extracted.
// equivalent(): the same letter, ignoring case.
#pragma once

#include <optional>
#include <string_view>

#include "scorers/scorer.h"

namespace rigor {

// The choice letter (upper case) a response commits to, and the rule that found it.
struct ChoiceExtraction {
  char letter = 0;
  std::string rule;
};
std::optional<ChoiceExtraction> extract_choice_letter(std::string_view response);

class GpqaScorer : public Scorer {
 public:
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "gpqa"; }
  std::string version() const override { return "gpqa-1"; }
};

}  // namespace rigor
