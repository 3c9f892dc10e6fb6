#include "scorers/normalize.h"

#include <cctype>
#include <regex>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

namespace rigor {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

// Longest string handed to std::regex (whose matcher recurses per character).
constexpr size_t kMaxRegexInput = 256;

bool is_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) {
    s.replace(i, from.size(), to);
  }
}

// Removes a LaTeX command word only where it is not the prefix of a longer
// one (\left but not \leftarrow).
void remove_command(std::string& s, std::string_view cmd) {
  for (size_t i = s.find(cmd); i != std::string::npos; i = s.find(cmd, i)) {
    size_t end = i + cmd.size();
    if (end < s.size() && is_letter(s[end])) {
      i = end;
      continue;
    }
    s.erase(i, cmd.size());
  }
}

// Index of the '}' matching s[open] == '{', or npos.
size_t match_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

bool strip_wrapper(std::string& s, std::string_view open, std::string_view close) {
  if (s.size() >= open.size() + close.size() && s.compare(0, open.size(), open) == 0 &&
      s.compare(s.size() - close.size(), close.size(), close) == 0) {
    s = trim(std::string_view(s).substr(open.size(), s.size() - open.size() - close.size()));
    return true;
  }
  return false;
}

void strip_delimiters(std::string& s) {
  s = trim(s);
  while (strip_wrapper(s, "$$", "$$") || strip_wrapper(s, "$", "$") ||
         strip_wrapper(s, "\\(", "\\)") || strip_wrapper(s, "\\[", "\\]")) {
  }
}

// "5.4 \text{ cents}" -> "5.4 ": a text group that starts with a space, after
// something else and at the very end (a power like ^2 allowed), is a unit
// (the convention MATH's own answers follow). "5\text{ or }7" is not.
void remove_units(std::string& s) {
  static const std::regex kPower(R"(^\^(\d|\{\d\}))");
  for (std::string_view cmd : {"\\text{ ", "\\mbox{ "}) {
    size_t i = s.rfind(cmd);
    if (i == std::string::npos || trim(std::string_view(s).substr(0, i)).empty()) continue;
    size_t close = match_brace(s, i + cmd.size() - 2);
    if (close == std::string::npos) continue;
    std::string tail = trim(std::string_view(s).substr(close + 1));
    if (tail.empty() || (tail.size() <= 4 && std::regex_match(tail, kPower))) s.erase(i);
  }
  for (std::string_view unit : {"\\text{degrees}", "\\text{degree}", "\\degree"}) {
    replace_all(s, unit, "");
  }
}

// \text{X} -> X for the text-like commands.
void unwrap_text(std::string& s) {
  for (std::string_view cmd : {"\\text", "\\textbf", "\\textrm", "\\textit", "\\mathrm",
                               "\\mathbf", "\\mathit", "\\mbox", "\\textnormal"}) {
    for (size_t i = s.find(cmd); i != std::string::npos; i = s.find(cmd, i)) {
      size_t open = i + cmd.size();
      if (open >= s.size() || s[open] != '{') {
        i = open;
        continue;
      }
      size_t close = match_brace(s, open);
      if (close == std::string::npos) break;
      s.erase(close, 1);
      s.erase(i, open + 1 - i);
    }
  }
}

// One argument of \frac or \sqrt: a braced group, or a single character.
std::string take_arg(const std::string& s, size_t& i) {
  if (i >= s.size()) return "";
  if (s[i] == '{') {
    size_t close = match_brace(s, i);
    if (close == std::string::npos) {
      std::string rest = s.substr(i + 1);
      i = s.size();
      return rest;
    }
    std::string arg = s.substr(i + 1, close - i - 1);
    i = close + 1;
    return arg;
  }
  if (s[i] == '\\') {  // a command argument: \frac\pi2
    size_t j = i + 1;
    while (j < s.size() && is_letter(s[j])) ++j;
    std::string arg = s.substr(i, j - i);
    i = j;
    return arg;
  }
  return std::string(1, s[i++]);
}

// \frac12 -> \frac{1}{2}, \sqrt2 -> \sqrt{2}. Input has no whitespace.
std::string brace_arguments(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    bool frac = s.compare(i, 5, "\\frac") == 0 && !(i + 5 < s.size() && is_letter(s[i + 5]));
    bool sqrt = s.compare(i, 5, "\\sqrt") == 0 && !(i + 5 < s.size() && is_letter(s[i + 5])) &&
                !(i + 5 < s.size() && s[i + 5] == '[');
    if (!frac && !sqrt) {
      out.push_back(s[i++]);
      continue;
    }
    i += 5;
    out += frac ? "\\frac" : "\\sqrt";
    int args = frac ? 2 : 1;
    for (int a = 0; a < args; ++a) out += "{" + brace_arguments(take_arg(s, i)) + "}";
  }
  return out;
}

// _{5} -> _5, ^{2} -> ^2.
// A linear scan: s is as long as the model made it.
void simplify_scripts(std::string& s) {
  auto alnum = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if ((s[i] == '_' || s[i] == '^') && i + 3 < s.size() && s[i + 1] == '{' && alnum(s[i + 2]) && s[i + 3] == '}') {
      out += s[i];
      out += s[i + 2];
      i += 4;
    } else {
      out += s[i++];
    }
  }
  s = std::move(out);
}

// "{{x}}" -> "x". One pass (not one per layer: "{{{...}}}" is model output
// and may be deep): pair every brace, then count the layers that wrap it all.
void strip_outer_braces(std::string& s) {
  std::vector<size_t> match(s.size(), std::string::npos), open;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '{') {
      open.push_back(i);
    } else if (s[i] == '}' && !open.empty()) {
      match[open.back()] = i;
      open.pop_back();
    }
  }
  size_t k = 0;
  while (s.size() >= 2 * k + 2 && s[k] == '{' && match[k] == s.size() - 1 - k) ++k;
  if (k > 0) s = s.substr(k, s.size() - 2 * k);
}

bool all_letters(const std::string& s) {
  if (s.size() < 2) return false;
  for (char c : s) {
    if (!is_letter(c)) return false;
  }
  return true;
}

// Parses an unsigned decimal "12", "1.25", ".5", "3." into a rational.
std::optional<cpp_rational> parse_decimal(std::string_view s) {
  static const std::regex kDec(R"((\d+)?(?:\.(\d*))?)");
  std::string str(s);
  std::smatch m;
  if (str.empty() || !std::regex_match(str, m, kDec) || (!m[1].matched && m[2].length() == 0)) {
    return std::nullopt;
  }
  std::string int_part = m[1].matched ? m[1].str() : "0";
  std::string frac_part = m[2].matched ? m[2].str() : "";
  // cpp_int reads a leading 0 as octal ("050" == 40): strip it.
  std::string digits = int_part + frac_part;
  size_t nz = digits.find_first_not_of('0');
  digits = nz == std::string::npos ? "0" : digits.substr(nz);
  cpp_int num(digits);
  cpp_int den = boost::multiprecision::pow(cpp_int(10), static_cast<unsigned>(frac_part.size()));
  return cpp_rational(num, den);
}

std::optional<cpp_rational> parse_signed_decimal(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  auto v = parse_decimal(s);
  if (!v) return v;
  return neg ? -*v : *v;
}

std::optional<cpp_rational> parse_number(const std::string& s) {
  // libstdc++'s regex recurses per character; a number is never this long.
  if (s.size() > kMaxRegexInput) return std::nullopt;
  static const std::regex kFrac(R"(\\frac\{([-+]?[\d.]+)\}\{([-+]?[\d.]+)\})");
  static const std::regex kMixed(R"((\d+)\\frac\{(\d+)\}\{(\d+)\})");
  static const std::regex kSlash(R"(([\d.]+)/([\d.]+))");
  static const std::regex kSci(R"(([\d.]+)(?:\\times|\\cdot)10\^\{?([-+]?\d{1,4})\}?)");
  std::string body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    neg = body[0] == '-';
    body.erase(0, 1);
  }
  std::smatch m;
  std::optional<cpp_rational> v;
  if (std::regex_match(body, m, kFrac) || std::regex_match(body, m, kSlash)) {
    auto a = parse_signed_decimal(m[1].str());
    auto b = parse_signed_decimal(m[2].str());
    if (a && b && *b != 0) v = cpp_rational(*a / *b);
  } else if (std::regex_match(body, m, kMixed)) {
    auto whole = parse_decimal(m[1].str());
    auto num = parse_decimal(m[2].str());
    auto den = parse_decimal(m[3].str());
    if (whole && num && den && *den != 0) v = cpp_rational(*whole + *num / *den);
  } else if (std::regex_match(body, m, kSci)) {
    auto mant = parse_decimal(m[1].str());
    int exp = std::stoi(m[2].str());
    if (mant) {
      cpp_rational scale(boost::multiprecision::pow(cpp_int(10), static_cast<unsigned>(std::abs(exp))));
      v = exp >= 0 ? cpp_rational(*mant * scale) : cpp_rational(*mant / scale);
    }
  } else {
    v = parse_decimal(body);
  }
  if (v && neg) v = -*v;
  return v;
}

// Splits at top-level separators (outside (), [], {}).
std::vector<std::string> split_top(std::string_view s, std::string_view seps) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && s[i + 1] == '\\' && depth == 0 &&
        seps.find('\\') != std::string_view::npos) {
      parts.push_back(cur);
      cur.clear();
      ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth == 0 && c != '\\' && seps.find(c) != std::string_view::npos) {
      parts.push_back(cur);
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  parts.push_back(cur);
  return parts;
}

bool normalized_equal(const std::string& a, const std::string& b, int depth);

bool elementwise_equal(const std::string& a, const std::string& b, int depth) {
  for (std::string_view env : {"pmatrix", "bmatrix"}) {
    std::string open = "\\begin{" + std::string(env) + "}";
    std::string close = "\\end{" + std::string(env) + "}";
    std::string ia = a, ib = b;
    if (strip_wrapper(ia, open, close) && strip_wrapper(ib, open, close)) {
      auto pa = split_top(ia, "\\&");
      auto pb = split_top(ib, "\\&");
      if (pa.size() != pb.size()) return false;
      for (size_t i = 0; i < pa.size(); ++i) {
        if (!normalized_equal(pa[i], pb[i], depth + 1)) return false;
      }
      return true;
    }
  }
  if (a.size() < 2 || b.size() < 2) return false;
  // Brackets must match exactly: (1,2) is not [1,2], and (3,4] is not (3,4).
  if (a.front() != b.front() || a.back() != b.back()) return false;
  if (std::string_view("([").find(a.front()) == std::string_view::npos) return false;
  if (std::string_view(")]").find(a.back()) == std::string_view::npos) return false;
  auto pa = split_top(std::string_view(a).substr(1, a.size() - 2), ",");
  auto pb = split_top(std::string_view(b).substr(1, b.size() - 2), ",");
  if (pa.size() != pb.size() || pa.size() < 2) return false;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (!normalized_equal(pa[i], pb[i], depth + 1)) return false;
  }
  return true;
}

bool normalized_equal(const std::string& a, const std::string& b, int depth) {
  if (a == b) return true;
  auto ra = parse_number(a);
  auto rb = parse_number(b);
  if (ra && rb) return *ra == *rb;
  if (depth > 8) return false;  // deeply nested input from a model: stop, not recurse forever
  return elementwise_equal(a, b, depth);
}

}  // namespace

std::string normalize_math_answer(std::string_view latex) {
  std::string s(latex);
  strip_delimiters(s);
  replace_all(s, "\xE2\x88\x92", "-");  // U+2212 minus sign
  replace_all(s, "\xE2\x88\x9E", "\\infty");
  replace_all(s, "\xCF\x80", "\\pi");
  replace_all(s, "\xC2\xB0", "^\\circ");
  // Protect "\\" (a row break) so "\\ " is not read as a "\ " space.
  replace_all(s, "\\\\", "\x01");
  for (std::string_view sp : {"\\!", "\\,", "\\;", "\\:", "\\ ", "~"}) replace_all(s, sp, "");
  replace_all(s, "\x01", "\\\\");
  for (std::string_view cmd : {"\\displaystyle", "\\left", "\\right", "\\qquad", "\\quad"}) {
    remove_command(s, cmd);
  }
  replace_all(s, "\\dfrac", "\\frac");
  replace_all(s, "\\tfrac", "\\frac");
  remove_units(s);
  for (std::string_view deg : {"^{\\circ}", "^\\circ", "{}^\\circ", "\\circ"}) {
    replace_all(s, deg, "");
  }
  replace_all(s, "\\$", "");
  replace_all(s, "$", "");
  replace_all(s, "\\%", "");
  replace_all(s, "%", "");
  unwrap_text(s);
  std::erase_if(s, [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
  s = brace_arguments(s);
  simplify_scripts(s);
  strip_outer_braces(s);
  while (!s.empty() && s.back() == '.') s.pop_back();
  while (s.size() >= 2 && s.compare(s.size() - 2, 2, "\\\\") == 0) s.resize(s.size() - 2);

  if (s.size() > kMaxRegexInput) return s;  // too long to be a short answer; keep as is
  static const std::regex kVarPrefix(R"(^[A-Za-z](=|\\in)(.+)$)");
  std::smatch m;
  if (std::regex_match(s, m, kVarPrefix) && m[2].str().find('=') == std::string::npos) {
    s = m[2].str();
  }
  static const std::regex kThousands(R"(^-?\d{1,3}(,\d{3})+(\.\d+)?$)");
  if (std::regex_match(s, kThousands)) replace_all(s, ",", "");
  static const std::regex kChoice(R"(^\(([A-Z])\)$)");
  if (std::regex_match(s, m, kChoice)) s = m[1].str();
  if (all_letters(s)) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

std::optional<std::string> exact_rational(std::string_view normalized) {
  auto v = parse_number(std::string(normalized));
  if (!v) return std::nullopt;
  cpp_int num = boost::multiprecision::numerator(*v);
  cpp_int den = boost::multiprecision::denominator(*v);
  if (den == 1) return num.str();
  return num.str() + "/" + den.str();
}

bool math_answers_equal(std::string_view a, std::string_view b) {
  return normalized_equal(normalize_math_answer(a), normalize_math_answer(b), 0);
}

}  // namespace rigor
