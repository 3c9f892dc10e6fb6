#include "scorers/math/math_equiv.h"

#include <cctype>
#include <cmath>
#include <complex>
#include <optional>

#include "scorers/math/math_ginac.h"
#include "scorers/math/math_limits.h"
#include "scorers/math/math_numeric.h"
#include "scorers/math/math_parser.h"

namespace rigor::math {
namespace {

using C = std::complex<double>;

Equivalence yes(std::string why) { return {true, std::move(why)}; }
Equivalence no(std::string why) { return {false, std::move(why)}; }

bool is_collection(Kind k) {
  return k == Kind::kTuple || k == Kind::kList || k == Kind::kSet || k == Kind::kInterval ||
         k == Kind::kUnion || k == Kind::kMatrix;
}

bool finite(C z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); }

bool close(C x, C y, double rel) {
  double scale = std::max(std::abs(x), std::abs(y));
  return std::abs(x - y) <= rel * scale + 1e-15;
}

Node neg(Node n) { return Node{Kind::kNeg, "", 0, {std::move(n)}}; }
Node sub(const Node& a, const Node& b) { return Node{Kind::kAdd, "", 0, {a, neg(b)}}; }

std::string text_key(const Node& n) {
  std::string out;
  for (char c : to_display(n))
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- \pm: every choice of signs, as a list of variants --------------------

int count_pm(const Node& n) {
  int c = n.kind == Kind::kPlusMinus ? 1 : 0;
  for (const Node& k : n.kids) c += count_pm(k);
  return c;
}

// Replaces the first \pm with + (sign > 0) or - (sign < 0).
bool resolve_first_pm(Node& n, int sign) {
  if (n.kind == Kind::kPlusMinus) {
    bool plus = (n.text == "+-") == (sign > 0);
    Node b = n.kids.back();
    Node signed_b = plus ? b : neg(b);
    if (n.kids.size() == 1) {
      n = signed_b;
    } else {
      n = Node{Kind::kAdd, "", 0, {n.kids[0], signed_b}};
    }
    return true;
  }
  for (Node& k : n.kids)
    if (resolve_first_pm(k, sign)) return true;
  return false;
}

std::vector<Node> pm_variants(const Node& n) {
  std::vector<Node> out{n};
  int k = count_pm(n);
  for (int i = 0; i < k; ++i) {
    std::vector<Node> next;
    for (const Node& v : out) {
      Node p = v, m = v;
      resolve_first_pm(p, +1);
      resolve_first_pm(m, -1);
      next.push_back(std::move(p));
      next.push_back(std::move(m));
    }
    out = std::move(next);
  }
  return out;
}

// Sets and bare lists are compared as sets; a \pm inside yields all its values.
std::optional<std::vector<Node>> set_elements(const Node& n, std::string& why) {
  std::vector<Node> out;
  if (n.kind == Kind::kSet || n.kind == Kind::kList) {
    for (const Node& k : n.kids) {
      if (count_pm(k) > kMaxPlusMinus) {
        why = "refused: too many \\pm signs";
        return std::nullopt;
      }
      for (Node& v : pm_variants(k)) out.push_back(std::move(v));
    }
    return out;
  }
  if (count_pm(n) > 0 && !is_collection(n.kind) && n.kind != Kind::kRelation) {
    if (count_pm(n) > kMaxPlusMinus) {
      why = "refused: too many \\pm signs";
      return std::nullopt;
    }
    return pm_variants(n);
  }
  return std::nullopt;
}

// ---- matrix arithmetic -------------------------------------------------------

bool has_matrix(const Node& n) {
  if (n.kind == Kind::kMatrix) return true;
  for (const Node& k : n.kids)
    if (has_matrix(k)) return true;
  return false;
}

// A sum, difference, scalar multiple or product of matrices as the one matrix
// it equals (entries left as expressions), or nullopt when `n` is not such an
// expression or the shapes do not fit.
std::optional<Node> fold_matrix(const Node& n) {
  if (n.kind == Kind::kMatrix) return n;
  if (n.kind == Kind::kNeg) {
    auto m = fold_matrix(n.kids[0]);
    if (!m) return std::nullopt;
    for (Node& e : m->kids) e = neg(std::move(e));
    return m;
  }
  if (n.kind == Kind::kAdd) {
    std::optional<Node> sum;
    for (const Node& k : n.kids) {
      auto m = fold_matrix(k);
      if (!m) return std::nullopt;
      if (!sum) {
        sum = Node{Kind::kMatrix, "", m->aux, {}};
        for (Node& e : m->kids) sum->kids.push_back(Node{Kind::kAdd, "", 0, {std::move(e)}});
        continue;
      }
      if (m->aux != sum->aux || m->kids.size() != sum->kids.size()) return std::nullopt;
      for (size_t i = 0; i < m->kids.size(); ++i) sum->kids[i].kids.push_back(std::move(m->kids[i]));
    }
    return sum;
  }
  if (n.kind == Kind::kMul) {
    std::optional<Node> prod;
    std::vector<Node> scalars;
    for (const Node& k : n.kids) {
      if (!has_matrix(k)) {
        scalars.push_back(k);
        continue;
      }
      auto m = fold_matrix(k);
      if (!m || m->aux <= 0) return std::nullopt;
      if (!prod) {
        prod = std::move(m);
        continue;
      }
      size_t rows = prod->kids.size() / static_cast<size_t>(prod->aux), inner = static_cast<size_t>(prod->aux);
      size_t cols = static_cast<size_t>(m->aux);
      if (m->kids.size() != inner * cols || rows * cols > kMaxCollection) return std::nullopt;
      Node out{Kind::kMatrix, "", static_cast<int>(cols), {}};
      for (size_t r = 0; r < rows; ++r) {
        for (size_t c = 0; c < cols; ++c) {
          Node sum{Kind::kAdd, "", 0, {}};
          for (size_t t = 0; t < inner; ++t)
            sum.kids.push_back(Node{Kind::kMul, "", 0, {prod->kids[r * inner + t], m->kids[t * cols + c]}});
          out.kids.push_back(std::move(sum));
        }
      }
      prod = std::move(out);
    }
    if (!prod) return std::nullopt;
    if (!scalars.empty())
      for (Node& e : prod->kids) {
        Node f{Kind::kMul, "", 0, scalars};
        f.kids.push_back(std::move(e));
        e = std::move(f);
      }
    return prod;
  }
  return std::nullopt;
}

// ---- relations and intervals ----------------------------------------------

// A name for what an equation assigns: a variable, a product or ratio of
// names (f(x), AB, NO/BO), |AB|, or a tuple of names ((p, q), A:B).
bool is_name(const Node& n) {
  switch (n.kind) {
    case Kind::kSymbol:
      return true;
    case Kind::kMul:
    case Kind::kDiv:
    case Kind::kTuple:
      for (const Node& k : n.kids)
        if (!is_name(k)) return false;
      return !n.kids.empty();
    case Kind::kFunc:
      return n.text == "abs" && is_name(n.kids[0]);
    default:
      return false;
  }
}


struct Rel {
  std::vector<Node> kids;
  std::string ops;  // only < l = n after normalisation
};

Rel normalize_relation(const Node& n) {
  Rel r{n.kids, n.text};
  bool all_greater = true;
  for (char c : r.ops) all_greater = all_greater && (c == '>' || c == 'g');
  if (all_greater) {
    std::reverse(r.kids.begin(), r.kids.end());
    std::reverse(r.ops.begin(), r.ops.end());
    for (char& c : r.ops) c = c == '>' ? '<' : 'l';
  }
  return r;
}

Node infinity(bool negative) {
  Node inf{Kind::kConstant, "inf", 0, {}};
  return negative ? neg(inf) : inf;
}

// "x > 2" -> (2, oo); "-2 <= x <= 7" -> [-2, 7]. Only a lone variable
// against constants converts.
std::optional<Node> relation_as_interval(const Node& n) {
  if (n.kind != Kind::kRelation) return std::nullopt;
  Rel r = normalize_relation(n);
  auto var = [](const Node& k) { return is_name(k) && k.kind != Kind::kTuple; };
  auto bound = [](char op) { return op == 'l'; };
  if (r.ops.size() == 1 && (r.ops[0] == '<' || r.ops[0] == 'l')) {
    if (var(r.kids[0]) && is_constant(r.kids[1]))
      return Node{Kind::kInterval, "", bound(r.ops[0]) ? 2 : 0, {infinity(true), r.kids[1]}};
    if (var(r.kids[1]) && is_constant(r.kids[0]))
      return Node{Kind::kInterval, "", bound(r.ops[0]) ? 1 : 0, {r.kids[0], infinity(false)}};
    return std::nullopt;
  }
  if (r.ops.size() == 2 && var(r.kids[1]) && is_constant(r.kids[0]) && is_constant(r.kids[2]) &&
      (r.ops[0] == '<' || r.ops[0] == 'l') && (r.ops[1] == '<' || r.ops[1] == 'l'))
    return Node{Kind::kInterval, "", (bound(r.ops[0]) ? 1 : 0) | (bound(r.ops[1]) ? 2 : 0), {r.kids[0], r.kids[2]}};
  return std::nullopt;
}

bool is_assignment(const Node& n) {
  return n.kind == Kind::kRelation && n.text == "=" && n.kids.size() == 2 && is_name(n.kids[0]);
}

// Whether stated() says less than `n` itself: an equality chain, or an
// equality between constants.
bool restates(const Node& n) {
  if (n.kind != Kind::kRelation || n.text.find_first_not_of('=') != std::string::npos) return false;
  return n.kids.size() > 2 || (is_constant(n.kids[0]) && is_constant(n.kids.back()));
}

// What an equality states as the answer: a chain "x = 5+5+1 = 11" states
// x = 11, its first and last sides; an equality between constants ("3+4 = 7",
// working shown) states its last side.
Node stated(const Node& n) {
  if (!restates(n)) return n;
  Node out{Kind::kRelation, "=", 0, {n.kids.front(), n.kids.back()}};
  if (is_constant(out.kids[0]) && is_constant(out.kids[1])) return out.kids[1];
  return out;
}

// "x = \frac{1}{3} \approx 0.33": the exact value (the chain before the first
// ≈; absent when only a name precedes it) and the approximation after the
// last ≈ (as "x = 0.33" when a name precedes it).
struct Approximation {
  std::optional<Node> exact;
  Node approx;
};

std::optional<Approximation> approximation(const Node& n) {
  if (n.kind != Kind::kRelation || n.text.find('a') == std::string::npos ||
      n.text.find_first_not_of("=a") != std::string::npos)
    return std::nullopt;
  size_t first = n.text.find('a');
  const bool named = is_name(n.kids[0]);
  Approximation out{std::nullopt, n.kids.back()};
  if (named) out.approx = Node{Kind::kRelation, "=", 0, {n.kids[0], n.kids.back()}};
  if (first > 0) {
    Node chain{Kind::kRelation, n.text.substr(0, first), 0,
               std::vector<Node>(n.kids.begin(), n.kids.begin() + static_cast<long>(first) + 1)};
    out.exact = stated(chain);
  } else if (!named) {
    out.exact = n.kids[0];
  }
  return out;
}

class Comparer {
 public:
  Equivalence compare(const Node& g, const Node& a) {
    if (++calls_ > 4096) return no("refused: comparison too large");
    if (canonical_key(g) == canonical_key(a)) return yes("identical");

    // Words: compared as letters and digits only, case-insensitively.
    if (g.kind == Kind::kText || a.kind == Kind::kText) {
      return text_key(g) == text_key(a) ? yes("same text") : no("different text");
    }
    if (g.kind == Kind::kRelation || a.kind == Kind::kRelation) {
      // An approximation answers with its exact value; its decimal answers
      // only a gold that is itself a decimal (or when no exact value is given).
      if (auto ap = approximation(a)) {
        if (ap->exact) {
          Equivalence e = compare(g, *ap->exact);
          if (e.equal || !has_decimal(g)) return {e.equal, "exact value before the approximation: " + e.reason};
        }
        Equivalence e = compare(g, ap->approx);
        return {e.equal, "value after the approximation sign: " + e.reason};
      }
      if (auto ap = approximation(g)) return compare(ap->exact ? *ap->exact : ap->approx, a);
      if (restates(g)) return compare(stated(g), a);
      if (restates(a)) return compare(g, stated(a));
      return relations(g, a);
    }

    std::string why;
    auto gs = set_elements(g, why);
    if (!why.empty()) return no(why);
    auto as = set_elements(a, why);
    if (!why.empty()) return no(why);
    if (gs || as) {
      if (gs && as) return unordered(*gs, *as, "set");
      // A set with one element is that element.
      const auto& elems = gs ? *gs : *as;
      const Node& other = gs ? a : g;
      if (is_collection(other.kind) && other.kind != Kind::kTuple && other.kind != Kind::kMatrix)
        return no("set against " + std::string(other.kind == Kind::kInterval ? "interval" : "other collection"));
      if (other.kind == Kind::kTuple && (gs ? g.kind : a.kind) == Kind::kList)
        return ordered(gs ? *gs : g.kids, gs ? a.kids : *as, "tuple");
      if (elems.empty()) return no("the empty set against a value");
      if (elems.size() == 1 || all_same(elems)) return gs ? compare(elems[0], a) : compare(g, elems[0]);
      return no("a set of " + std::to_string(elems.size()) + " values against a single value");
    }
    return structured(g, a);
  }

 private:
  bool all_same(const std::vector<Node>& v) {
    for (size_t i = 1; i < v.size(); ++i)
      if (!compare(v[0], v[i]).equal) return false;
    return true;
  }

  Equivalence unordered(const std::vector<Node>& g, const std::vector<Node>& a, const char* what) {
    auto covered = [&](const std::vector<Node>& from, const std::vector<Node>& to) {
      for (const Node& x : from) {
        bool found = false;
        for (const Node& y : to) {
          if (compare(x, y).equal) {
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    };
    if (covered(g, a) && covered(a, g)) return yes(std::string("same ") + what);
    return no(std::string(what) + " elements differ");
  }

  Equivalence ordered(const std::vector<Node>& g, const std::vector<Node>& a, const char* what) {
    if (g.size() != a.size())
      return no(std::string(what) + " of " + std::to_string(a.size()) + " elements, expected " + std::to_string(g.size()));
    for (size_t i = 0; i < g.size(); ++i) {
      Equivalence e = compare(g[i], a[i]);
      if (!e.equal) return no(std::string(what) + " element " + std::to_string(i + 1) + ": " + e.reason);
    }
    return yes(std::string("same ") + what);
  }

  Equivalence intervals(const Node& g, const Node& a) {
    if (g.aux != a.aux) return no("interval ends differ in open/closed");
    return ordered(g.kids, a.kids, "interval");
  }

  Node as_interval(const Node& n) {
    if (n.kind == Kind::kTuple && n.kids.size() == 2) return Node{Kind::kInterval, "", 0, n.kids};
    return n;
  }

  Equivalence structured(const Node& g, const Node& a) {
    Kind gk = g.kind, ak = a.kind;
    bool g_int = gk == Kind::kInterval || gk == Kind::kUnion, a_int = ak == Kind::kInterval || ak == Kind::kUnion;
    if (g_int || a_int) {
      Node gi = as_interval(g), ai = as_interval(a);
      if (gi.kind == Kind::kInterval && ai.kind == Kind::kInterval) return intervals(gi, ai);
      if (gi.kind == Kind::kUnion || ai.kind == Kind::kUnion) {
        std::vector<Node> gp = gi.kind == Kind::kUnion ? gi.kids : std::vector<Node>{gi};
        std::vector<Node> ap = ai.kind == Kind::kUnion ? ai.kids : std::vector<Node>{ai};
        for (Node& p : gp) p = as_interval(p);
        for (Node& p : ap) p = as_interval(p);
        return unordered(gp, ap, "union");
      }
      return no("interval against a different kind of answer");
    }
    // "A + B", "AB": matrix arithmetic, compared as the matrix it yields.
    if ((gk == Kind::kMatrix) != (ak == Kind::kMatrix) && (gk == Kind::kAdd || gk == Kind::kMul || gk == Kind::kNeg ||
                                                            ak == Kind::kAdd || ak == Kind::kMul || ak == Kind::kNeg)) {
      auto fg = fold_matrix(g), fa = fold_matrix(a);
      if (fg && fa) return compare(*fg, *fa);
    }
    if (gk == Kind::kTuple && ak == Kind::kTuple) return ordered(g.kids, a.kids, "tuple");
    if (gk == Kind::kMatrix && ak == Kind::kMatrix) {
      if (g.aux != a.aux || g.kids.size() != a.kids.size()) return no("matrix shapes differ");
      return ordered(g.kids, a.kids, "matrix");
    }
    // A column or row vector written as a tuple.
    if ((gk == Kind::kMatrix && ak == Kind::kTuple) || (gk == Kind::kTuple && ak == Kind::kMatrix)) {
      const Node& m = gk == Kind::kMatrix ? g : a;
      if (m.aux != 1 && static_cast<size_t>(m.aux) != m.kids.size()) return no("matrix against a tuple");
      return ordered(g.kids, a.kids, "vector");
    }
    if (is_collection(gk) || is_collection(ak)) return no("different kinds of answer");

    if (gk == Kind::kPercent || ak == Kind::kPercent) return percent(g, a);
    if (gk == Kind::kBased || ak == Kind::kBased) return based(g, a);
    return scalar(g, a);
  }

  // 50\% is 50 and also 0.5: either reading of a percent sign is accepted.
  Equivalence percent(const Node& g, const Node& a) {
    if (g.kind == Kind::kPercent && a.kind == Kind::kPercent) return compare(g.kids[0], a.kids[0]);
    const Node& p = g.kind == Kind::kPercent ? g : a;
    const Node& other = g.kind == Kind::kPercent ? a : g;
    Equivalence e = compare(p.kids[0], other);
    if (e.equal) return yes("percent sign dropped: " + e.reason);
    Node frac{Kind::kDiv, "", 0, {p.kids[0], Node{Kind::kNumber, "100", 0, {}}}};
    e = compare(frac, other);
    if (e.equal) return yes("percent as a fraction: " + e.reason);
    return no("different value (percent read either way)");
  }

  // 204_5 equals 204_{5}; a plain numeral against a based one is read in
  // that base (the question asked for base 5), so 204 equals 204_5.
  Equivalence based(const Node& g, const Node& a) {
    auto digits = [](const Node& n) -> std::optional<std::string> {
      if (n.kind == Kind::kBased) return n.text;
      if (n.kind == Kind::kNumber && n.aux == 0 && n.text.find('.') == std::string::npos) return n.text;
      return std::nullopt;
    };
    auto dg = digits(g), da = digits(a);
    if (!dg || !da) return no("a numeral in a base against something else");
    if (g.kind == Kind::kBased && a.kind == Kind::kBased && g.aux != a.aux) {
      C vg = evaluate(g, {}), va = evaluate(a, {});
      return vg == va && dg->size() < 15 && da->size() < 15 ? yes("same value in different bases")
                                                            : no("different value in different bases");
    }
    return *dg == *da ? yes("same digits in the same base") : no("different digits");
  }

  Equivalence relations(const Node& g, const Node& a) {
    if (g.kind == Kind::kRelation && a.kind == Kind::kRelation) return relation_pair(g, a);
    const Node& r = g.kind == Kind::kRelation ? g : a;
    const Node& other = g.kind == Kind::kRelation ? a : g;
    // "x = 5" against "5": the value assigned is the answer.
    if (is_assignment(r) && r.kids.size() == 2) {
      Equivalence e = g.kind == Kind::kRelation ? compare(r.kids[1], other) : compare(other, r.kids[1]);
      return {e.equal, "assignment " + to_display(r.kids[0]) + " = ...: " + e.reason};
    }
    if (auto iv = relation_as_interval(r)) {
      Equivalence e = g.kind == Kind::kRelation ? compare(*iv, other) : compare(other, *iv);
      return {e.equal, "inequality as interval: " + e.reason};
    }
    return no("relation against a value");
  }

  Equivalence relation_pair(const Node& g, const Node& a) {
    // "k = 1/3" against "k = 0.3333333333": the values, under the decimal policy.
    if (is_assignment(g) && is_assignment(a) && canonical_key(g.kids[0]) == canonical_key(a.kids[0])) {
      Equivalence e = compare(g.kids[1], a.kids[1]);
      if (e.equal) return {true, "same assignment: " + e.reason};
    }
    Rel rg = normalize_relation(g), ra = normalize_relation(a);
    if (rg.ops != ra.ops) return no("different relation symbols");
    if (rg.ops.size() > 1) return ordered(rg.kids, ra.kids, "chain");
    bool positive = rg.ops[0] == '<' || rg.ops[0] == 'l';
    Node dg = sub(rg.kids[0], rg.kids[1]), da = sub(ra.kids[0], ra.kids[1]);
    for (const Node* n : {&dg, &da})
      if (auto r = refusal(*n)) return no(*r);
    std::vector<std::string> syms;
    collect_symbols(dg, syms);
    collect_symbols(da, syms);
    if (syms.empty()) return ordered(rg.kids, ra.kids, "relation side");
    int valid = 0;
    C ratio0;
    for (const Point& p : sample_points(syms, kNumericPoints)) {
      C x = evaluate(dg, p), y = evaluate(da, p);
      if (!finite(x) || !finite(y)) continue;
      if (std::abs(y) < 1e-12 || std::abs(x) < 1e-12) {
        if (std::abs(y) < 1e-12 && std::abs(x) < 1e-12) continue;
        return no("not the same relation (one side vanishes where the other does not)");
      }
      C r = x / y;
      if (valid == 0) ratio0 = r;
      else if (!close(r, ratio0, kExactNumericTol)) return no("not the same relation (differs numerically)");
      ++valid;
    }
    if (valid > 0 && positive && (std::abs(ratio0.imag()) > 1e-12 || ratio0.real() <= 0))
      return no("inequality reversed");
    if (expansion_terms(dg) <= kMaxExpandTerms && expansion_terms(da) <= kMaxExpandTerms &&
        ginac_constant_ratio(dg, da, positive) == Proof::kProved)
      return yes("same relation up to a constant factor (GiNaC)");
    if (valid >= 3) return yes("same relation up to a constant factor (numeric fallback)");
    return no("could not establish the same relation");
  }

  Equivalence scalar(const Node& g, const Node& a) {
    for (const Node* n : {&g, &a})
      if (auto r = refusal(*n)) return no(*r);
    bool decimal = has_decimal(g) || has_decimal(a);
    if (has_infinity(g) || has_infinity(a)) {
      if (!is_constant(g) || !is_constant(a)) return no("infinity against a different expression");
      C x = evaluate(g, {}), y = evaluate(a, {});
      bool same = std::isinf(x.real()) && std::isinf(y.real()) && (x.real() > 0) == (y.real() > 0);
      return same ? yes("same infinity") : no("infinity against a different value");
    }
    auto rg = exact_rational(g), ra = exact_rational(a);
    if (rg && ra) {
      if (*rg == *ra) return yes("exact");
      if (!decimal) return no("different value");
      C x = static_cast<double>(rg->num) / static_cast<double>(rg->den);
      C y = static_cast<double>(ra->num) / static_cast<double>(ra->den);
      return close(x, y, kDecimalTol) ? yes("decimal within relative tolerance 1e-6") : no("different value");
    }
    std::vector<std::string> syms;
    collect_symbols(g, syms);
    collect_symbols(a, syms);
    double tol = decimal ? kDecimalTol : kExactNumericTol;
    int valid = 0;
    for (const Point& p : sample_points(syms, syms.empty() ? 1 : kNumericPoints)) {
      C x = evaluate(g, p), y = evaluate(a, p);
      if (!finite(x) || !finite(y)) continue;
      if (!close(x, y, tol)) return no("different value (differs numerically)");
      ++valid;
    }
    if (decimal && valid > 0) return yes("decimal within relative tolerance 1e-6");
    if (expansion_terms(g) > kMaxExpandTerms || expansion_terms(a) > kMaxExpandTerms) {
      if (valid >= 3) return yes("numeric: equal at " + std::to_string(valid) + " points (too large for GiNaC)");
      return no("refused: expression too large to expand");
    }
    Proof p = ginac_equal(g, a);
    if (p == Proof::kProved) return yes("symbolic (GiNaC)");
    if (p == Proof::kUnsupported) return no("not comparable");
    if (p == Proof::kDisproved) return no("different value (exact difference)");
    if (p == Proof::kRefused) {
      if (valid >= 3) return yes("numeric: equal at " + std::to_string(valid) + " points (too large for GiNaC)");
      return no("refused: GiNaC would compute a number too large (a power or factorial it folded)");
    }
    if (syms.empty()) {
      return ginac_equal_high_precision(g, a) == Proof::kProved ? yes("equal to 40 digits")
                                                                : no("different value at 40 digits");
    }
    if (valid >= 3) return yes("numeric fallback: equal at " + std::to_string(valid) + " random points");
    return no("could not establish equality");
  }

  int calls_ = 0;
};

}  // namespace

std::string normalized_text(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == '$') continue;
    if (c == '\\') {
      static constexpr std::string_view kDrop[] = {"\\left", "\\right", "\\!", "\\,", "\\;", "\\:", "\\displaystyle"};
      bool dropped = false;
      for (std::string_view d : kDrop) {
        if (s.substr(i, d.size()) == d) {
          i += d.size() - 1;
          dropped = true;
          break;
        }
      }
      if (dropped) continue;
      if (s.substr(i, 6) == "\\dfrac" || s.substr(i, 6) == "\\tfrac") {
        out += "\\frac";
        i += 5;
        continue;
      }
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

Equivalence equivalent_nodes(const Node& gold, const Node& answer) {
  return Comparer().compare(gold, answer);
}

Equivalence equivalent_parsed(std::string_view gold, const tl::expected<Node, std::string>& g,
                              std::string_view answer, const tl::expected<Node, std::string>& a) {
  if (gold.size() <= kMaxAnswerBytes && answer.size() <= kMaxAnswerBytes && gold == answer)
    return yes("identical text");
  if (!g) {
    if (normalized_text(gold) == normalized_text(answer)) return yes("same text (gold does not parse: " + g.error() + ")");
    return no("gold does not parse (" + g.error() + "); texts differ");
  }
  if (!a) {
    if (normalized_text(gold) == normalized_text(answer)) return yes("same text");
    return no("answer does not parse: " + a.error());
  }
  return equivalent_nodes(*g, *a);
}

Equivalence equivalent_answers(std::string_view gold, std::string_view answer) {
  if (gold.size() <= kMaxAnswerBytes && answer.size() <= kMaxAnswerBytes && gold == answer)
    return yes("identical text");
  return equivalent_parsed(gold, parse_answer(gold), answer, parse_answer(answer));
}

}  // namespace rigor::math
