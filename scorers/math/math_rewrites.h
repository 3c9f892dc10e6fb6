// Meaning-preserving rewrites of a reference answer, and a perturbation that
// changes its meaning: the generators behind the MATH-500 self-consistency
// test and the verification benchmark. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rigor::math {

struct Rewrite {
  std::string kind;  // "dfrac", "spacing", "left-right", "reordered", "decimal", "x-prefix"
  std::string text;
};

// The rewrites that apply to `gold` (each differs from it as text); empty
// when `gold` does not parse.
std::vector<Rewrite> meaning_preserving_rewrites(std::string_view gold);

// `gold` with its value changed: the first digit bumped (9 -> 0), else the
// word lengthened (text answers), else "+1" appended.
std::string perturbed(std::string_view gold);

}  // namespace rigor::math
