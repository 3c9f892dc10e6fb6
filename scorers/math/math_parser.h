// Parses one math answer (LaTeX or plain text, as a model or a dataset writes
// it) into an expression tree. Pure; thread-safe; never throws.
//
// Covers: integers, decimals, scientific notation, thousands separators
// ("1,000", "11,\!111", "1{,}000", "1 000", "1\,000"; never a decimal comma),
// ".5"; \frac/\dfrac/\tfrac incl. \frac12; mixed numbers
// (7\frac{3}{4}, 7 3/4); \sqrt, \sqrt[n]; powers; \pi, e, i, \infty; trig, log,
// ln, exp; implicit multiplication, \cdot, \times; degrees (^\circ, dropped);
// percent; \text{}/\mathrm{} and trailing unit words (dropped after a value);
// \left/\right, \!, \,; equations, inequalities, \approx and chains; ratios
// (a:b, read as a tuple); intervals and
// unions; sets \{...\}; tuples; \pm/\mp; pmatrix/bmatrix; base subscripts
// (1011_2); plain words (kText). Bounds: math_limits.h.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "scorers/math/math_node.h"

namespace rigor::math {

// The tree, or an error message naming what is wrong and where ("refused: ..."
// when a bound is exceeded).
tl::expected<Node, std::string> parse_answer(std::string_view answer);

}  // namespace rigor::math
