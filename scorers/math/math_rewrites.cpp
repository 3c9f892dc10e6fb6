#include "scorers/math/math_rewrites.h"

#include <algorithm>
#include <cctype>

#include "scorers/math/math_numeric.h"
#include "scorers/math/math_parser.h"

namespace rigor::math {
namespace {

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

// Splits on commas outside any bracket.
std::vector<std::string> top_level_items(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
      depth += s[i + 1] == '{' ? 1 : -1;
      ++i;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::string join_reversed(std::vector<std::string> items) {
  std::reverse(items.begin(), items.end());
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

std::optional<std::string> terminating_decimal(const Rational& r) {
  if (r.den == 1) return std::nullopt;
  int64_t d = r.den;
  int twos = 0, fives = 0;
  while (d % 2 == 0) d /= 2, ++twos;
  while (d % 5 == 0) d /= 5, ++fives;
  if (d != 1) return std::nullopt;
  int places = std::max(twos, fives);
  __int128 scale = 1;
  for (int k = 0; k < places; ++k) scale *= 10;
  __int128 scaled = static_cast<__int128>(r.num) * scale / r.den;
  bool neg = scaled < 0;
  if (neg) scaled = -scaled;
  std::string digits;
  for (__int128 v = scaled; v > 0; v /= 10) digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
  while (static_cast<int>(digits.size()) <= places) digits.insert(digits.begin(), '0');
  digits.insert(digits.size() - places, ".");
  return (neg ? "-" : "") + digits;
}

}  // namespace

std::vector<Rewrite> meaning_preserving_rewrites(std::string_view gold_view) {
  std::vector<Rewrite> out;
  std::string gold(gold_view);
  auto node = parse_answer(gold);
  if (!node) return out;
  auto add = [&](const char* kind, std::string text) {
    if (text != gold) out.push_back({kind, std::move(text)});
  };
  if (gold.find("\\dfrac") != std::string::npos) add("dfrac", replace_all(gold, "\\dfrac", "\\frac"));
  else if (gold.find("\\frac") != std::string::npos) add("dfrac", replace_all(gold, "\\frac", "\\dfrac"));
  {
    std::string spaced = replace_all(gold, " ", "  ");
    spaced = replace_all(spaced, "=", " = ");
    add("spacing", " " + spaced + " ");
  }
  if (gold.find('(') != std::string::npos && gold.find("\\left") == std::string::npos && node->kind != Kind::kText) {
    add("left-right", replace_all(replace_all(gold, "(", "\\left("), ")", "\\right)"));
  }
  if (node->kind == Kind::kSet && gold.rfind("\\{", 0) == 0 && gold.size() > 4 &&
      gold.compare(gold.size() - 2, 2, "\\}") == 0) {
    auto items = top_level_items(std::string_view(gold).substr(2, gold.size() - 4));
    if (items.size() > 1) add("reordered", "\\{" + join_reversed(items) + "\\}");
  } else if (node->kind == Kind::kList) {
    auto items = top_level_items(gold);
    if (items.size() > 1) add("reordered", join_reversed(items));
  }
  if (auto r = exact_rational(*node)) {
    if (auto d = terminating_decimal(*r)) add("decimal", *d);
  }
  bool scalar = node->kind != Kind::kRelation && node->kind != Kind::kText && node->kind != Kind::kList &&
                node->kind != Kind::kSet && node->kind != Kind::kTuple && node->kind != Kind::kInterval &&
                node->kind != Kind::kUnion && node->kind != Kind::kMatrix;
  if (scalar) add("x-prefix", "x = " + gold);
  return out;
}

std::string perturbed(std::string_view gold_view) {
  std::string s(gold_view);
  for (char& c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      c = c == '9' ? '0' : static_cast<char>(c + 1);
      return s;
    }
  }
  auto node = parse_answer(s);
  if (node && node->kind == Kind::kText) {
    size_t close = s.rfind('}');
    if (close != std::string::npos) return s.insert(close, "zz");
    return s + "zz";
  }
  return s + "+1";
}

}  // namespace rigor::math
