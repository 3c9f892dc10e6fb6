// The "math" scorer: extraction (scorers/extract.h) plus symbolic
// verification (math_equiv.h) under the policy in scorers/math/POLICY.md.
//
// Extraction, first rule that finds something wins; Verdict::reason starts
// with the rule's name. Every candidate except a box must parse as a whole:
// no rule cuts a number out of an expression or a word.
//  1. "final-answer-phrase" written after the last box.
//  2. "boxed": the last \boxed{...} / \fbox{...}; boxes that directly precede
//     it (only separators between) are joined as a list:
//     "\boxed{2}, \boxed{3}" answers "2, 3".
//  3. "final-answer-phrase": the last "answer is X" / "answer: X" / "Final
//     Answer" heading whose X parses.
//  4. "last-display-math" / "last-inline-math": the last \[..\], $$..$$,
//     \(..\) or $..$ that parses.
//  5. "last-line": the last non-empty line, when it reads as math.
// Nothing parses: extracted_ok = false, correct = false (an extraction
// failure, never a guess).
// Anything before the last "</think>" is ignored. Thread-safe; never throws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "scorers/math/math_node.h"
#include "scorers/scorer.h"

namespace rigor {

struct MathExtraction {
  std::string text;  // the answer as written
  std::string rule;  // "boxed", "final-answer-phrase", "last-display-math", "last-inline-math", "last-line"
  std::optional<math::Node> node;  // the answer parsed, for the rules that must parse (not "boxed")
};

// The answer a response states, by the rules above; nullopt when none parses.
std::optional<MathExtraction> extract_math_answer(std::string_view response);

class MathScorer : public Scorer {
 public:
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "math"; }
  std::string version() const override { return "math-symbolic-4"; }
};

std::unique_ptr<Scorer> make_math_scorer();

}  // namespace rigor
