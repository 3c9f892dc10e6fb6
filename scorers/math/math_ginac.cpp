#include "scorers/math/math_ginac.h"

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
      case Kind::kPow: return GiNaC::pow((*this)(n.kids[0]), (*this)(n.kids[1]));
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
    if (f == "factorial") return GiNaC::factorial(x);
    if (f == "binom" && n.kids.size() == 2) return GiNaC::binomial(x, (*this)(n.kids[1]));
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
