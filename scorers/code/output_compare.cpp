#include "scorers/code/output_compare.h"

#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace rigor {
namespace {

std::vector<std::string_view> tokens(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !space(s[j])) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool parse_number(std::string_view t, double& v) {
  const char* b = t.data();
  const char* e = b + t.size();
  if (b != e && *b == '+') ++b;
  auto r = std::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(v);
}

// Integers compare exactly (a judge would); tolerance is for real numbers.
bool is_real(std::string_view t) { return t.find_first_of(".eE") != std::string_view::npos; }

bool token_equal(std::string_view want, std::string_view got) {
  if (want == got) return true;
  double a, b;
  if (!is_real(want) || !parse_number(want, a) || !parse_number(got, b)) return false;
  double diff = std::fabs(a - b);
  return diff <= kFloatTolerance || diff <= kFloatTolerance * std::fabs(a);
}

std::string shorten(std::string_view t) {
  return t.size() <= 40 ? std::string(t) : std::string(t.substr(0, 37)) + "...";
}

}  // namespace

OutputMatch compare_output(std::string_view expected, std::string_view actual) {
  auto want = tokens(expected), got = tokens(actual);
  OutputMatch m;
  size_t n = std::min(want.size(), got.size());
  for (size_t i = 0; i < n; ++i) {
    if (!token_equal(want[i], got[i])) {
      m.detail = fmt::format("token {}: expected \"{}\", got \"{}\"", i + 1, shorten(want[i]), shorten(got[i]));
      return m;
    }
  }
  if (want.size() != got.size()) {
    m.detail = fmt::format("expected {} tokens, got {}", want.size(), got.size());
    return m;
  }
  m.ok = true;
  return m;
}

}  // namespace rigor
