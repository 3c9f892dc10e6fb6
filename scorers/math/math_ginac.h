// The slow path: symbolic proofs with GiNaC. GiNaC is not thread-safe
// (non-atomic reference counts, a global Digits), so every call here takes
// one process-wide lock. Callers must have checked refusal() and
// expansion_terms() first: GiNaC cannot be interrupted.
#pragma once

#include <string>

#include "scorers/math/math_node.h"

namespace rigor::math {

enum class Proof {
  kProved,     // GiNaC shows the claim
  kDisproved,  // GiNaC shows the claim false (an exact non-zero difference)
  kUnproved,   // GiNaC could not show it (which does not mean it is false)
  kUnsupported, // the tree holds something GiNaC is not given (text, infinity, sets)
  kRefused      // GiNaC would compute a number beyond math_limits.h (it folded a
                // symbolic-looking tree into a huge power or factorial)
};

// Whether a - b normalises to zero.
Proof ginac_equal(const Node& a, const Node& b);

// Whether d1 / d2 normalises to a non-zero number (positive if `positive`).
Proof ginac_constant_ratio(const Node& d1, const Node& d2, bool positive);

// For constant expressions: |a - b| <= kHighPrecisionTol * max(1, |a|) when
// both are evaluated with kHighPrecisionDigits digits.
Proof ginac_equal_high_precision(const Node& a, const Node& b);

}  // namespace rigor::math
