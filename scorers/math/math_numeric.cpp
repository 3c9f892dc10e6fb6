#include "scorers/math/math_numeric.h"

#include <cmath>
#include <cstdlib>
#include <numeric>

#include "scorers/math/math_limits.h"

namespace rigor::math {
namespace {

using C = std::complex<double>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<Rational> reduce(__int128 num, __int128 den) {
  if (den == 0) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  __int128 a = num < 0 ? -num : num, b = den;
  while (b != 0) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  if (a > 1) {
    num /= a;
    den /= a;
  }
  constexpr __int128 kMax = INT64_MAX;
  if (num > kMax || num < -kMax || den > kMax) return std::nullopt;
  return Rational{static_cast<int64_t>(num), static_cast<int64_t>(den)};
}

std::optional<Rational> literal(const std::string& text) {
  __int128 num = 0, den = 1;
  bool frac = false;
  for (char c : text) {
    if (c == '.') {
      frac = true;
      continue;
    }
    num = num * 10 + (c - '0');
    if (frac) den *= 10;
    if (num > INT64_MAX || den > INT64_MAX) return std::nullopt;
  }
  return reduce(num, den);
}

std::optional<Rational> rpow(Rational b, const Rational& e) {
  if (e.den != 1 || e.num > 64 || e.num < -64) return std::nullopt;
  int64_t n = e.num;
  if (n < 0) {
    if (b.num == 0) return std::nullopt;
    b = Rational{b.den, b.num};
    if (b.den < 0) b = Rational{-b.num, -b.den};
    n = -n;
  }
  Rational r{1, 1};
  for (int64_t k = 0; k < n; ++k) {
    auto next = reduce(static_cast<__int128>(r.num) * b.num, static_cast<__int128>(r.den) * b.den);
    if (!next) return std::nullopt;
    r = *next;
  }
  return r;
}

}  // namespace

std::optional<Rational> exact_rational(const Node& n) {
  switch (n.kind) {
    case Kind::kNumber: return literal(n.text);
    case Kind::kNeg: {
      auto a = exact_rational(n.kids[0]);
      if (!a) return std::nullopt;
      return Rational{-a->num, a->den};
    }
    case Kind::kAdd:
    case Kind::kMul: {
      Rational acc = n.kind == Kind::kAdd ? Rational{0, 1} : Rational{1, 1};
      for (const Node& k : n.kids) {
        auto v = exact_rational(k);
        if (!v) return std::nullopt;
        std::optional<Rational> next =
            n.kind == Kind::kAdd
                ? reduce(static_cast<__int128>(acc.num) * v->den + static_cast<__int128>(v->num) * acc.den,
                         static_cast<__int128>(acc.den) * v->den)
                : reduce(static_cast<__int128>(acc.num) * v->num, static_cast<__int128>(acc.den) * v->den);
        if (!next) return std::nullopt;
        acc = *next;
      }
      return acc;
    }
    case Kind::kDiv: {
      auto a = exact_rational(n.kids[0]);
      auto b = exact_rational(n.kids[1]);
      if (!a || !b || b->num == 0) return std::nullopt;
      return reduce(static_cast<__int128>(a->num) * b->den, static_cast<__int128>(a->den) * b->num);
    }
    case Kind::kPow: {
      auto a = exact_rational(n.kids[0]);
      auto e = exact_rational(n.kids[1]);
      if (!a || !e) return std::nullopt;
      return rpow(*a, *e);
    }
    default:
      return std::nullopt;
  }
}

namespace {

C func(const std::string& name, const std::vector<C>& a) {
  const C& x = a[0];
  if (name == "sqrt") return std::sqrt(x);
  if (name == "sin") return std::sin(x);
  if (name == "cos") return std::cos(x);
  if (name == "tan") return std::tan(x);
  if (name == "sec") return 1.0 / std::cos(x);
  if (name == "csc") return 1.0 / std::sin(x);
  if (name == "cot") return std::cos(x) / std::sin(x);
  if (name == "arcsin") return std::asin(x);
  if (name == "arccos") return std::acos(x);
  if (name == "arctan") return std::atan(x);
  if (name == "arccot") return std::atan(1.0 / x);
  if (name == "arcsec") return std::acos(1.0 / x);
  if (name == "arccsc") return std::asin(1.0 / x);
  if (name == "sinh") return std::sinh(x);
  if (name == "cosh") return std::cosh(x);
  if (name == "tanh") return std::tanh(x);
  if (name == "log") return std::log(x);
  if (name == "exp") return std::exp(x);
  if (name == "abs") return std::abs(x);
  if (name == "factorial") {
    if (x.imag() != 0 || x.real() < 0 || x.real() > 170) return kNaN;
    return std::tgamma(x.real() + 1);
  }
  if (name == "binom" && a.size() == 2) {
    const C& k = a[1];
    if (x.imag() != 0 || k.imag() != 0 || x.real() > 170) return kNaN;
    return std::tgamma(x.real() + 1) / (std::tgamma(k.real() + 1) * std::tgamma(x.real() - k.real() + 1));
  }
  return kNaN;
}

C cpow(const C& b, const C& e) {
  // Real powers of positive reals and integer powers stay on the real line
  // (std::pow on complex would add rounding noise to the imaginary part).
  if (b.imag() == 0 && e.imag() == 0) {
    if (b.real() >= 0 || std::floor(e.real()) == e.real()) return std::pow(b.real(), e.real());
  }
  return std::pow(b, e);
}

}  // namespace

std::complex<double> evaluate(const Node& n, const Point& point) {
  switch (n.kind) {
    case Kind::kNumber: return std::strtod(n.text.c_str(), nullptr);
    case Kind::kSymbol:
      for (const auto& [name, v] : point)
        if (name == n.text) return v;
      return kNaN;
    case Kind::kConstant:
      if (n.text == "pi") return M_PI;
      if (n.text == "e") return M_E;
      if (n.text == "i") return C(0, 1);
      return std::numeric_limits<double>::infinity();
    case Kind::kAdd: {
      C acc = 0;
      for (const Node& k : n.kids) acc += evaluate(k, point);
      return acc;
    }
    case Kind::kMul: {
      C acc = 1;
      for (const Node& k : n.kids) acc *= evaluate(k, point);
      return acc;
    }
    case Kind::kDiv: {
      C d = evaluate(n.kids[1], point);
      if (d == C(0)) return kNaN;
      return evaluate(n.kids[0], point) / d;
    }
    case Kind::kPow: {
      const C b = evaluate(n.kids[0], point);
      const C e = evaluate(n.kids[1], point);
      // An odd root of a negative number is the real one, as answers mean
      // it: \sqrt[3]{-8} = (-8)^{1/3} = -2, (-8)^{2/3} = 4.
      if (b.imag() == 0 && b.real() < 0 && e.imag() == 0 && std::floor(e.real()) != e.real()) {
        if (auto r = exact_rational(n.kids[1]); r && r->den % 2 != 0) {
          const double m = std::pow(-b.real(), e.real());
          return r->num % 2 != 0 ? -m : m;
        }
      }
      return cpow(b, e);
    }
    case Kind::kNeg: return C(0) - evaluate(n.kids[0], point);  // never a -0 imaginary part: sqrt(-4) is 2i, not -2i
    case Kind::kPercent: return evaluate(n.kids[0], point) / 100.0;
    case Kind::kFunc: {
      std::vector<C> args;
      for (const Node& k : n.kids) args.push_back(evaluate(k, point));
      return func(n.text, args);
    }
    case Kind::kBased: {
      double v = 0;
      for (char c : n.text) v = v * n.aux + (c - '0');
      return v;
    }
    default:
      return kNaN;
  }
}

std::vector<Point> sample_points(const std::vector<std::string>& symbols, int count) {
  std::vector<Point> out;
  for (int p = 0; p < count; ++p) {
    Point pt;
    for (const std::string& s : symbols) {
      // FNV-1a of (name, point index) -> a value in [0.35, 2.35), negated on odd
      // points so that sign-sensitive answers (sqrt(x^2) vs x) are told apart.
      uint64_t h = 1469598103934665603ULL;
      for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
      h = (h ^ static_cast<uint64_t>(p + 1)) * 1099511628211ULL;
      h ^= h >> 29;
      h *= 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 32;
      double v = 0.35 + static_cast<double>(h % 1000003) / 1000003.0 * 2.0;
      if (p % 2 == 1) v = -v;
      pt.emplace_back(s, v);
    }
    out.push_back(std::move(pt));
  }
  return out;
}

std::optional<std::string> refusal(const Node& n) {
  for (const Node& k : n.kids)
    if (auto r = refusal(k)) return r;
  if (n.kind == Kind::kPow && is_constant(n.kids[1])) {
    C e = evaluate(n.kids[1], {});
    double mag = std::abs(e);
    if (!std::isfinite(mag)) return "refused: exponent too large to evaluate";
    if (is_constant(n.kids[0])) {
      double b = std::abs(evaluate(n.kids[0], {}));
      double digits = std::isfinite(b) && b > 0 ? mag * std::abs(std::log10(b)) : mag;
      if (!std::isfinite(digits) || digits > kMaxResultDigits)
        return "refused: power with about 10^" + std::to_string(static_cast<long>(std::log10(std::max(digits, 1.0)))) +
               " or more digits";
    } else if (mag > 1e6) {
      return "refused: exponent too large";
    }
  }
  if (n.kind == Kind::kPow && !is_constant(n.kids[1])) {
    // GiNaC folds some symbolic exponents to constants (1^y = 1), which turns
    // 9^{9^{9^{1^y}}} into a tower it would try to compute. So a symbolic
    // power is bounded too: at every sample point its size must stay finite
    // and below the same digit limit.
    std::vector<std::string> syms;
    collect_symbols(n, syms);
    for (const Point& pt : sample_points(syms, 4)) {
      double mag = std::abs(evaluate(n.kids[1], pt));
      double b = std::abs(evaluate(n.kids[0], pt));
      double digits = std::isfinite(b) && b > 0 ? mag * std::abs(std::log10(b)) : mag;
      if (!std::isfinite(mag) || !(digits <= kMaxResultDigits)) return "refused: power too large at a sample point";
    }
  }
  if (n.kind == Kind::kFunc && n.text == "factorial" && is_constant(n.kids[0])) {
    double v = std::abs(evaluate(n.kids[0], {}));
    if (!(v <= kMaxFactorial)) return "refused: factorial argument too large";
  }
  return std::nullopt;
}

double expansion_terms(const Node& n) {
  switch (n.kind) {
    case Kind::kAdd: {
      double s = 0;
      for (const Node& k : n.kids) s += expansion_terms(k);
      return s;
    }
    case Kind::kMul:
    case Kind::kDiv: {
      double p = 1;
      for (const Node& k : n.kids) p *= expansion_terms(k);
      return p;
    }
    case Kind::kPow: {
      double b = expansion_terms(n.kids[0]);
      if (b <= 1 || !is_constant(n.kids[1])) return b * expansion_terms(n.kids[1]);
      double e = std::abs(evaluate(n.kids[1], {}));
      if (!std::isfinite(e) || e > kMaxSymbolicExponent) return std::numeric_limits<double>::infinity();
      // Multinomial count C(e + b - 1, b - 1), in logs to stay finite.
      double lg = std::lgamma(e + b) - std::lgamma(b) - std::lgamma(e + 1);
      return std::exp(std::min(lg, 700.0));
    }
    default: {
      double p = 1;
      for (const Node& k : n.kids) p = std::max(p, expansion_terms(k));
      return p;
    }
  }
}

}  // namespace rigor::math
