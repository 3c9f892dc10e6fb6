// AIME scorer: the answer is an integer 0..999.
//
// Extraction rules, first match wins (Verdict::reason names the rule):
//  1. "boxed": the last \boxed{..} / \fbox{..} / "\boxed 5" (extract.h).
//  2. "final-answer-phrase": the last "final answer is X" / "answer is X".
//  3. "answer-line": the last line starting "Answer:" (any case, bold ok).
//  4. "last-line-integer": the response's last non-empty line, if it is
//     nothing but an integer (e.g. "$33$", "**33**", "33.").
// No rule scans the body for "the last number": that would credit a stray
// intermediate result.
// The extracted text is cleaned (math delimiters, \text{..}, \mathrm{..},
// spaces, thousands "1,000", a trailing ".", "n=" prefix, ^\circ) and must
// then be an optionally signed integer: "033", "\text{33}", "$33$", "33."
// all read 33. A box holding anything else (\frac{1}{2}, 12.5, 1000) is
// extracted but wrong: extracted_ok = true, correct = false, reason says why.
// Nothing found: extracted_ok = false.
// equivalent(): both read as integers and are equal (so "033" == "33"),
// else the normalised strings are equal.
#pragma once

#include <optional>
#include <string_view>

#include "scorers/scorer.h"

namespace rigor {

// The integer an AIME answer text denotes after cleaning, if it is one.
std::optional<long long> parse_aime_integer(std::string_view text);

class AimeScorer : public Scorer {
 public:
  Verdict score(std::string_view answer, std::string_view gold) const override;
  bool equivalent(std::string_view a, std::string_view b) const override;
  std::string name() const override { return "aime"; }
  std::string version() const override { return "aime-1"; }
};

}  // namespace rigor
