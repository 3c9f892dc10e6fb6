// Cheap numeric views of an expression tree: exact rationals (the fast path
// for plain numbers) and complex double evaluation at a point (used to reject
// non-equivalent answers quickly and as the documented fallback for
// identities GiNaC cannot normalise). Pure; thread-safe.
#pragma once

#include <complex>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scorers/math/math_node.h"

namespace rigor::math {

struct Rational {
  int64_t num = 0;
  int64_t den = 1;  // > 0, gcd(num, den) == 1
  bool operator==(const Rational&) const = default;
};

// The exact value of `n` if it is built from integer/decimal literals with
// + - * / and integer powers, and nothing overflows 64 bits; else nullopt.
std::optional<Rational> exact_rational(const Node& n);

// Values for symbols at one evaluation point.
using Point = std::vector<std::pair<std::string, double>>;

// The value of `n` at `point` (principal branches; i is the imaginary unit,
// percent divides by 100). NaN when undefined or not a scalar expression.
std::complex<double> evaluate(const Node& n, const Point& point);

// Deterministic evaluation points for `symbols`: the same symbol gets the same
// value in both answers, and every run gets the same points.
std::vector<Point> sample_points(const std::vector<std::string>& symbols, int count);

// Why `n` is too big to verify (a power tower, a huge factorial), or nullopt.
// Checked before anything exact or symbolic touches the tree.
std::optional<std::string> refusal(const Node& n);

// A rough count of the terms GiNaC would produce by expanding `n`.
double expansion_terms(const Node& n);

}  // namespace rigor::math
