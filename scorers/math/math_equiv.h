// Whether two math answers are the same answer, under the policy written in
// scorers/math/POLICY.md. Pure; thread-safe (the GiNaC step is serialised,
// see math_ginac.h); never throws; bounded (math_limits.h).
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "scorers/math/math_node.h"

namespace rigor::math {

struct Equivalence {
  bool equal = false;
  std::string reason;  // which check decided: "identical", "exact", "symbolic (GiNaC)", ...
};

// Compares a reference answer with a candidate (both already extracted).
// Not symmetric in one respect only: a gold that does not parse is compared
// as normalised text, while a candidate that does not parse is simply wrong.
Equivalence equivalent_answers(std::string_view gold, std::string_view answer);

// The same on answers already parsed: `g` and `a` are parse_answer() of
// `gold` and `answer` (the texts are used for identical-text checks and for
// answers that do not parse).
Equivalence equivalent_parsed(std::string_view gold, const tl::expected<Node, std::string>& g,
                              std::string_view answer, const tl::expected<Node, std::string>& a);

// The same on parsed trees.
Equivalence equivalent_nodes(const Node& gold, const Node& answer);

// Whitespace- and layout-insensitive text of an answer (\left, \!, \dfrac,
// $ removed or unified), for answers that do not parse.
std::string normalized_text(std::string_view s);

}  // namespace rigor::math
