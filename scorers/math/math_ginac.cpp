#include "scorers/math/math_ginac.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include <ginac/ginac.h>

#include "scorers/math/math_limits.h"

namespace rigor::math {
namespace {

std::mutex& ginac_mutex() {
  static std::mutex m;
  return m;
}

struct Unsupported {};
// GiNaC folds some trees that are symbolic to rigor into numbers (0*y = 0,
// 1^y = 1), so refusal() cannot see every large power or factorial it would
// compute. The converter checks again on what GiNaC actually holds.
struct TooLarge {};

// Upper bound on log10|v| for a non-zero exact number: for p/q it is
// max(log10 p, log10 q), taken from bit lengths so that it never overflows.
double log10_bound(const GiNaC::numeric& v) {
  double bits = 0;
  for (const GiNaC::numeric& part : {v.real(), v.imag()}) {
    if (part.is_zero()) continue;
    bits = std::max<double>(bits, std::max(part.numer().int_length(), part.denom().int_length()));
  }
  return bits * 0.30103;
}

bool has_symbol(const GiNaC::ex& e) {
  for (auto it = e.preorder_begin(); it != e.preorder_end(); ++it)
    if (GiNaC::is_a<GiNaC::symbol>(*it)) return true;
  return false;
}

// Refuses b^e when GiNaC would compute more than kMaxResultDigits digits.
void check_power(const GiNaC::ex& b, const GiNaC::ex& e) {
  if (!GiNaC::is_a<GiNaC::numeric>(e)) return;
  const GiNaC::numeric& en = GiNaC::ex_to<GiNaC::numeric>(e);
  if (en.is_zero()) return;
  double log_e = log10_bound(en);
  if (GiNaC::is_a<GiNaC::numeric>(b)) {
    const GiNaC::numeric& bn = GiNaC::ex_to<GiNaC::numeric>(b);
    if (bn.is_zero() || bn == 1 || bn == -1) return;
    if (log_e + std::log10(std::max(log10_bound(bn), 1e-3)) > std::log10(kMaxResultDigits)) throw TooLarge{};
    return;
  }
  if (log_e > 6) throw TooLarge{};  // as refusal() does for a symbolic base
  if (has_symbol(b)) return;
  // A constant GiNaC keeps symbolic (sqrt(2), pi): its size in floating point.
  GiNaC::ex approx = GiNaC::evalf(GiNaC::abs(b));
  if (!GiNaC::is_a<GiNaC::numeric>(approx)) throw TooLarge{};
  double mag = GiNaC::ex_to<GiNaC::numeric>(approx).to_double();
  double digits = std::abs(en.to_double()) * std::abs(std::log10(mag));
  if (!std::isfinite(digits) || digits > kMaxResultDigits) throw TooLarge{};
}

// Refuses n! beyond kMaxFactorial, and binom(n, k) with more than
// kMaxResultDigits digits.
void check_factorial(const GiNaC::ex& n) {
  if (GiNaC::is_a<GiNaC::numeric>(n) &&
      GiNaC::abs(GiNaC::ex_to<GiNaC::numeric>(n)) > GiNaC::numeric(static_cast<long>(kMaxFactorial)))
    throw TooLarge{};
}

void check_binomial(const GiNaC::ex& n, const GiNaC::ex& k) {
  if (!GiNaC::is_a<GiNaC::numeric>(n) || !GiNaC::is_a<GiNaC::numeric>(k)) return;
  const GiNaC::numeric& nn = GiNaC::ex_to<GiNaC::numeric>(n);
  const GiNaC::numeric& kn = GiNaC::ex_to<GiNaC::numeric>(k);
  if (nn.is_zero()) return;
  // binom(n, k) has at most min(k, n - k) * log10 n digits; both counts
  // come from bit lengths, so a huge n or k cannot overflow the estimate.
  double log_factors = std::min(log10_bound(kn), log10_bound(nn - kn));
  if (log_factors + std::log10(std::max(log10_bound(nn), 1e-3)) > std::log10(kMaxResultDigits)) throw TooLarge{};
}

class Converter {
 public:
  GiNaC::ex operator()(const Node& n) {
    using GiNaC::ex;
    switch (n.kind) {
      case Kind::kNumber: {
        // Exact: "12.34" becomes 1234/100, never a float.
        std::string digits;
        long scale = 0;
        bool frac = false;
        for (char c : n.text) {
          if (c == '.') {
            frac = true;
            continue;
          }
          digits += c;
          if (frac) ++scale;
        }
        GiNaC::numeric v(digits.c_str());
        return v / GiNaC::pow(GiNaC::numeric(10), scale);
      }
      case Kind::kSymbol: {
        auto it = symbols_.find(n.text);
        if (it == symbols_.end()) it = symbols_.emplace(n.text, GiNaC::symbol(n.text)).first;
        return it->second;
      }
      case Kind::kConstant:
        if (n.text == "pi") return GiNaC::Pi;
        if (n.text == "e") return GiNaC::exp(ex(1));
        if (n.text == "i") return GiNaC::I;
        throw Unsupported{};
      case Kind::kAdd: {
        ex acc = 0;
        for (const Node& k : n.kids) acc += (*this)(k);
        return acc;
      }
      case Kind::kMul: {
        ex acc = 1;
        for (const Node& k : n.kids) acc *= (*this)(k);
        return acc;
      }
      case Kind::kDiv: return (*this)(n.kids[0]) / (*this)(n.kids[1]);
      case Kind::kPow: {
        ex b = (*this)(n.kids[0]), e = (*this)(n.kids[1]);
        check_power(b, e);
        // The real odd root of a negative number, as the numeric path reads it.
        if (GiNaC::is_a<GiNaC::numeric>(b) && GiNaC::is_a<GiNaC::numeric>(e)) {
          const GiNaC::numeric& bn = GiNaC::ex_to<GiNaC::numeric>(b);
          const GiNaC::numeric& en = GiNaC::ex_to<GiNaC::numeric>(e);
          if (bn.is_real() && bn.is_negative() && en.is_rational() && !en.is_integer() && en.denom().is_odd()) {
            ex m = GiNaC::pow(ex(-bn), ex(en));  // as ex: pow on two numerics would be a float
            return en.numer().is_odd() ? -m : m;
          }
        }
        return GiNaC::pow(b, e);
      }
      case Kind::kNeg: return -(*this)(n.kids[0]);
      case Kind::kPercent: return (*this)(n.kids[0]) / 100;
      case Kind::kBased: {
        GiNaC::numeric v = 0;
        for (char c : n.text) v = v * n.aux + (c - '0');
        return v;
      }
      case Kind::kFunc: return func(n);
      default: throw Unsupported{};
    }
  }

 private:
  GiNaC::ex func(const Node& n) {
    const std::string& f = n.text;
    GiNaC::ex x = (*this)(n.kids[0]);
    if (f == "sqrt") return GiNaC::sqrt(x);
    if (f == "sin") return GiNaC::sin(x);
    if (f == "cos") return GiNaC::cos(x);
    if (f == "tan") return GiNaC::tan(x);
    if (f == "sec") return 1 / GiNaC::cos(x);
    if (f == "csc") return 1 / GiNaC::sin(x);
    if (f == "cot") return GiNaC::cos(x) / GiNaC::sin(x);
    if (f == "arcsin") return GiNaC::asin(x);
    if (f == "arccos") return GiNaC::acos(x);
    if (f == "arctan") return GiNaC::atan(x);
    if (f == "sinh") return GiNaC::sinh(x);
    if (f == "cosh") return GiNaC::cosh(x);
    if (f == "tanh") return GiNaC::tanh(x);
    if (f == "log") return GiNaC::log(x);
    if (f == "exp") return GiNaC::exp(x);
    if (f == "abs") return GiNaC::abs(x);
    if (f == "factorial") {
      check_factorial(x);
      return GiNaC::factorial(x);
    }
    if (f == "binom" && n.kids.size() == 2) {
      GiNaC::ex k = (*this)(n.kids[1]);
      check_binomial(x, k);
      return GiNaC::binomial(x, k);
    }
    throw Unsupported{};
  }

  std::map<std::string, GiNaC::symbol> symbols_;
};

template <class F>
Proof guarded(F&& f) {
  std::lock_guard<std::mutex> lock(ginac_mutex());
  try {
    return f();
  } catch (const Unsupported&) {
    return Proof::kUnsupported;
  } catch (const TooLarge&) {
    return Proof::kRefused;
  } catch (const std::exception&) {
    // Division by zero, poles, and the like: no proof either way.
    return Proof::kUnproved;
  }
}

}  // namespace

Proof ginac_equal(const Node& a, const Node& b) {
  return guarded([&] {
    Converter conv;
    GiNaC::ex d = GiNaC::normal(conv(a) - conv(b));
    if (d.is_zero()) return Proof::kProved;
    // Conversions are exact, so a numeric difference here is an exact one.
    if (GiNaC::is_a<GiNaC::numeric>(d)) return Proof::kDisproved;
    return Proof::kUnproved;
  });
}

Proof ginac_constant_ratio(const Node& d1, const Node& d2, bool positive) {
  return guarded([&] {
    Converter conv;
    GiNaC::ex r = GiNaC::normal(conv(d1) / conv(d2));
    if (!GiNaC::is_a<GiNaC::numeric>(r)) return Proof::kUnproved;
    const GiNaC::numeric& v = GiNaC::ex_to<GiNaC::numeric>(r);
    if (v.is_zero()) return Proof::kDisproved;
    return !positive || (v.is_real() && v.is_positive()) ? Proof::kProved : Proof::kDisproved;
  });
}

Proof ginac_equal_high_precision(const Node& a, const Node& b) {
  return guarded([&] {
    Converter conv;
    GiNaC::ex ea = conv(a), eb = conv(b);
    long saved = GiNaC::Digits;
    GiNaC::Digits = kHighPrecisionDigits;
    struct Restore {
      long v;
      ~Restore() { GiNaC::Digits = v; }
    } restore{saved};
    GiNaC::ex va = GiNaC::evalf(ea), vb = GiNaC::evalf(eb);
    if (!GiNaC::is_a<GiNaC::numeric>(va) || !GiNaC::is_a<GiNaC::numeric>(vb)) return Proof::kUnproved;
    GiNaC::numeric na = GiNaC::ex_to<GiNaC::numeric>(va), nb = GiNaC::ex_to<GiNaC::numeric>(vb);
    GiNaC::numeric scale = GiNaC::abs(na);
    if (scale < 1) scale = 1;
    return GiNaC::abs(na - nb) <= GiNaC::numeric(kHighPrecisionTol) * scale ? Proof::kProved : Proof::kDisproved;
  });
}

}  // namespace rigor::math
