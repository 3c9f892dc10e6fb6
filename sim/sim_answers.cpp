#include "sim/sim_answers.h"

#include <cctype>
#include <optional>

namespace rigor::sim {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Parses "\frac{a}{b}" or "\dfrac{a}{b}" (a, b plain integers) with an optional "-".
struct Fraction {
  bool negative = false;
  std::string num, den;
};
std::optional<Fraction> parse_fraction(std::string_view s) {
  Fraction f;
  if (!s.empty() && s[0] == '-') {
    f.negative = true;
    s.remove_prefix(1);
  }
  for (std::string_view head : {"\\frac{", "\\dfrac{"}) {
    if (s.substr(0, head.size()) != head) continue;
    std::string_view rest = s.substr(head.size());
    size_t close = rest.find("}{");
    if (close == std::string_view::npos || rest.empty() || rest.back() != '}') return std::nullopt;
    std::string_view num = rest.substr(0, close);
    std::string_view den = rest.substr(close + 2, rest.size() - close - 3);
    if (!all_digits(num) || !all_digits(den) || den == "0") return std::nullopt;
    f.num = num;
    f.den = den;
    return f;
  }
  return std::nullopt;
}

std::string squash(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

}  // namespace

std::string equivalent_form(const std::string& gold, bool integer_answer, Rng& rng) {
  if (integer_answer) {
    // AIME answers are 000..999; models often zero-pad.
    if (all_digits(gold) && gold.size() < 3) return std::string(3 - gold.size(), '0') + gold;
    return gold;
  }
  if (auto f = parse_fraction(gold)) {
    std::string sign = f->negative ? "-" : "";
    if (rng.below(2) == 0) return sign + f->num + "/" + f->den;
    bool was_dfrac = gold.find("\\dfrac") != std::string::npos;
    return sign + (was_dfrac ? "\\frac{" : "\\dfrac{") + f->num + "}{" + f->den + "}";
  }
  return gold;
}

std::string wrong_answer(const std::string& gold, bool integer_answer, const std::vector<std::string>& others,
                         Rng& rng) {
  if (integer_answer && all_digits(gold) && gold.size() <= 4) {
    int g = std::stoi(gold) % 1000;
    return std::to_string((g + 1 + static_cast<int>(rng.below(999))) % 1000);
  }
  std::string_view body = gold;
  bool negative = !body.empty() && body[0] == '-';
  if (negative) body.remove_prefix(1);
  if (all_digits(body) && body.size() <= 9) {
    long long v = std::stoll(std::string(body)) * (negative ? -1 : 1);
    long long offset = 1 + static_cast<long long>(rng.below(9));
    return std::to_string(rng.below(2) == 0 ? v + offset : v - offset);
  }
  // Change the last digit: keeps the answer's shape ("\frac{3}{7}" -> "\frac{3}{4}").
  for (size_t i = gold.size(); i-- > 0;) {
    if (std::isdigit(static_cast<unsigned char>(gold[i]))) {
      std::string out = gold;
      int d = gold[i] - '0';
      int nd = (d + 1 + static_cast<int>(rng.below(9))) % 10;
      out[i] = static_cast<char>('0' + nd);
      return out;
    }
  }
  if (!others.empty()) {
    std::string mine = squash(gold);
    size_t start = rng.below(others.size());
    for (size_t k = 0; k < others.size(); ++k) {
      const std::string& o = others[(start + k) % others.size()];
      if (squash(o) != mine) return o;
    }
  }
  return gold + "+1";
}

}  // namespace rigor::sim
