// The expression tree a math answer parses into. Plain values; copying is
// cheap for the short answers this handles (see math_limits.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rigor::math {

enum class Kind : uint8_t {
  kNumber,     // text: exact literal "I" or "I.F" (no sign, no exponent); aux 1 if written as a decimal
  kSymbol,     // text: variable name ("x", "x_1", "alpha")
  kConstant,   // text: "pi", "e", "i", "inf"
  kAdd,        // kids: terms
  kMul,        // kids: factors
  kDiv,        // kids: numerator, denominator
  kPow,        // kids: base, exponent
  kNeg,        // kids: operand
  kFunc,       // text: function name (sin, log, sqrt, abs, factorial, binom, ...); kids: arguments
  kPlusMinus,  // text "+-" or "-+"; kids: [b] (unary) or [a, b] (a ± b)
  kPercent,    // kids: the number before the percent sign
  kBased,      // text: digits; aux: base (2..36)
  kText,       // text: words, normalised (lower case, single spaces)
  kTuple,      // kids: elements, in parentheses (a 2-tuple may also read as an open interval)
  kList,       // kids: comma-separated items without brackets
  kSet,        // kids: elements of \{...\}
  kInterval,   // kids: lo, hi; aux bit0 = lo closed, bit1 = hi closed
  kUnion,      // kids: intervals or sets joined by \cup
  kMatrix,     // kids: entries row-major; aux: column count
  kRelation,   // kids: operands (n+1); text: n operators, one char each: < l(≤) = n(≠) > g(≥) a(≈)
};

struct Node {
  Kind kind = Kind::kNumber;
  std::string text;
  int aux = 0;
  std::vector<Node> kids;
};

// A canonical text for `n`: equal keys mean structurally identical answers
// (terms of sums/products and set elements are order-insensitive).
std::string canonical_key(const Node& n);

// A readable rendering for verdicts and debugging (plain-text math).
std::string to_display(const Node& n);

// Whether `n` contains no symbols (constants like pi, e, i count as numbers).
bool is_constant(const Node& n);

// Whether `n` (or a part of it) is a number literal written as a decimal.
bool has_decimal(const Node& n);

// Whether `n` contains the infinity constant.
bool has_infinity(const Node& n);

// Appends every distinct symbol name in `n` to `out`.
void collect_symbols(const Node& n, std::vector<std::string>& out);

}  // namespace rigor::math
