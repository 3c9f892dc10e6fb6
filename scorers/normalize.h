// MATH answer normalisation: the fast, purely textual path to deciding
// whether two LaTeX answers are the same. The symbolic verifier
// (scorers/math/) calls this first and only falls back to algebra when it
// says "different". Pure functions; thread-safe; never throw.
//
// Policy (each rule is applied to both sides, so it only has to be consistent):
//  - Delimiters and spacing go: surrounding $..$, \(..\), \[..\], outer
//    braces, all whitespace, \! \, \; \: "\ " ~ \quad \displaystyle \left \right.
//  - \dfrac, \tfrac -> \frac; \frac12, \frac 34, \frac1{2} -> \frac{1}{2};
//    \sqrt2 -> \sqrt{2}; _{5} -> _5 and ^{2} -> ^2 for one character.
//  - Units and decoration go: a trailing \text{ unit} (text starting with a
//    space, or "degrees"), ^\circ, ^{\circ}, \$, $, \%, %. So "50\%" == "50"
//    and "30^\circ" == "30"; but "50\%" != "0.5" (no unit conversion).
//  - \text{..}, \textbf{..}, \mathrm{..}, \mbox{..} are unwrapped; an answer
//    made only of letters is lower-cased ("\text{Even}" == "even").
//  - A leading "x=" or "x\in" (one-letter variable) is dropped; a trailing
//    "." is dropped; "(C)" -> "C".
//  - "1,000" and "10,\!080" lose their thousands separators only when the
//    whole answer is one number with 3-digit groups; "(1,2)", "1,-2" and
//    "3,5,7" are lists and keep their commas.
//
// Numbers are compared exactly as rationals: integers, decimals (".5",
// "0.50"), a/b, \frac{a}{b}, a mixed number "1\frac{4}{5}" (= 9/5), and
// a\times10^{n}. A decimal equals a fraction only when it is exactly that
// fraction: 0.5 == \frac{1}{2} == 1/2, but 0.33 != \frac{1}{3} and
// 0.333 != \frac{1}{3} (no rounding tolerance: MATH answers are exact).
// Tuples, intervals and lists with the same brackets, and pmatrix/bmatrix,
// compare element by element in order with the same rules.
// Anything else compares as normalised strings; algebraic equivalence
// (\sqrt{8} vs 2\sqrt{2}, reordered sums, unordered solution sets) is the
// symbolic verifier's job.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rigor {

// The canonical string form of a MATH answer, per the policy above.
std::string normalize_math_answer(std::string_view latex);

// If a normalised answer is a plain number, its exact value as "p" or "p/q"
// in lowest terms with q > 0 ("-3/8", "0", "1000"); else nullopt.
std::optional<std::string> exact_rational(std::string_view normalized);

// Normalises both answers and compares them: exact rationals when both are
// numbers, element-wise for tuples/intervals/matrices, strings otherwise.
bool math_answers_equal(std::string_view a, std::string_view b);

}  // namespace rigor
