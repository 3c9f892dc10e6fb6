#include "scorers/extract.h"

#include <cctype>

namespace rigor {
namespace {

bool is_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// Given s[open] == '{', returns the index of its matching '}', or npos.
size_t matching_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;  // an escaped character (\{, \}, \\) never opens or closes a group
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

std::string_view trim_view(std::string_view s, std::string_view chars = " \t\r\n") {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(chars);
  return s.substr(b, e - b + 1);
}

}  // namespace

std::vector<Extraction> all_boxed(std::string_view s) {
  std::vector<Extraction> out;
  size_t i = 0;
  while ((i = s.find('\\', i)) != std::string_view::npos) {
    std::string_view rest = s.substr(i + 1);
    size_t cmd_len = 0;
    const char* rule = nullptr;
    if (rest.substr(0, 5) == "boxed") {
      cmd_len = 5;
      rule = "boxed";
    } else if (rest.substr(0, 4) == "fbox") {
      cmd_len = 4;
      rule = "fbox";
    }
    size_t after = i + 1 + cmd_len;
    if (rule == nullptr || (after < s.size() && is_letter(s[after]))) {
      ++i;  // another command (\boxedanswer) or not a box at all
      continue;
    }
    size_t j = after;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    if (j < s.size() && s[j] == '{') {
      size_t close = matching_brace(s, j);
      if (close == std::string_view::npos) break;  // truncated: nothing later can close either
      out.push_back({std::string(trim_view(s.substr(j + 1, close - j - 1))), rule, i});
      i = close + 1;
    } else if (j < s.size() && s[j] != '\n' && s[j] != '\r' && s[j] != '$' && s[j] != '}') {
      size_t end = s.find_first_of(" \t\r\n$", j);
      if (end == std::string_view::npos) end = s.size();
      out.push_back({std::string(s.substr(j, end - j)), "boxed-unbraced", i});
      i = end;
    } else {
      i = after;
    }
  }
  return out;
}

std::optional<Extraction> last_boxed(std::string_view s) {
  auto all = all_boxed(s);
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::optional<Extraction> final_answer_phrase(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::optional<Extraction> found;
  constexpr std::string_view kPhrase = "answer is";
  for (size_t i = lower.find(kPhrase); i != std::string::npos; i = lower.find(kPhrase, i + 1)) {
    size_t start = i + kPhrase.size();
    if (start < lower.size() && lower[start] == ':') ++start;
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view v = trim_view(s.substr(start, end - start));
    v = trim_view(v, " *$");
    if (!v.empty() && v.back() == '.') v = trim_view(v.substr(0, v.size() - 1), " *$");
    if (v.empty()) continue;
    found = Extraction{std::string(v), "final-answer-phrase", i};
  }
  return found;
}

namespace {

// A blank line (a paragraph break) starts at s[i] == '\n'.
bool blank_line_at(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r')) ++j;
  return j < s.size() && s[j] == '\n';
}

// Where `close` ("\\)", "\\]", "$" or "$$") ends a span opened before
// `from`, or npos; `stop` receives where the search ended. Escaped characters
// never close; inline math stops at a paragraph break.
size_t find_closer(std::string_view s, size_t from, std::string_view close, bool inline_math, size_t& stop) {
  for (size_t k = from; k < s.size(); ++k) {
    if (s[k] == '\\') {
      if (s.substr(k, close.size()) == close) return k;
      ++k;
      continue;
    }
    if (s[k] == '$' && close[0] == '$') {
      if (close.size() == 1 || (k + 1 < s.size() && s[k + 1] == '$')) return k;
      continue;  // a lone $ inside display math
    }
    if (inline_math && s[k] == '\n' && blank_line_at(s, k)) {
      stop = k;
      return std::string_view::npos;
    }
  }
  stop = s.size();
  return std::string_view::npos;
}

}  // namespace

std::vector<MathSpan> math_spans(std::string_view s) {
  std::vector<MathSpan> out;
  // For each closer ($, $$, \), \]): where a search for it last failed. An
  // opener before that point cannot be closed either, so unclosed openers
  // cost one scan, not one each.
  size_t no_closer_before[4] = {0, 0, 0, 0};
  size_t i = 0;
  while (i < s.size()) {
    int kind = -1;  // index into no_closer_before
    if (s[i] == '\\' && i + 1 < s.size()) {
      if (s[i + 1] == '(' || s[i + 1] == '[') {
        kind = s[i + 1] == '(' ? 2 : 3;
      } else {
        i += 2;  // an escaped character (\$ is text) or a command's first letter
        continue;
      }
    } else if (s[i] == '$') {
      kind = i + 1 < s.size() && s[i + 1] == '$' ? 1 : 0;
    } else {
      ++i;
      continue;
    }
    static constexpr std::string_view kClose[4] = {"$", "$$", "\\)", "\\]"};
    const std::string_view close = kClose[kind];
    const size_t open_len = kind == 0 ? 1 : 2;
    const bool display = kind == 1 || kind == 3;
    size_t j = std::string_view::npos;
    if (i + open_len >= no_closer_before[kind]) {
      size_t stop = 0;
      j = find_closer(s, i + open_len, close, !display, stop);
      if (j == std::string_view::npos) no_closer_before[kind] = stop;
    }
    if (j == std::string_view::npos) {
      i += open_len;  // never closed: the opener is text
      continue;
    }
    out.push_back({s.substr(i + open_len, j - i - open_len), i, j + close.size(), display});
    i = j + close.size();
  }
  return out;
}

std::vector<size_t> answer_phrase_ends(std::string_view s) {
  std::vector<size_t> out;
  auto lower_at = [&](size_t k) { return static_cast<char>(std::tolower(static_cast<unsigned char>(s[k]))); };
  auto word_at = [&](size_t k, std::string_view w) {
    if (k + w.size() > s.size()) return false;
    for (size_t n = 0; n < w.size(); ++n)
      if (lower_at(k + n) != w[n]) return false;
    return k + w.size() == s.size() || !is_letter(s[k + w.size()]);
  };
  auto skip = [&](size_t k, std::string_view chars) {
    while (k < s.size() && chars.find(s[k]) != std::string_view::npos) ++k;
    return k;
  };
  for (size_t i = 0; i + 6 <= s.size(); ++i) {
    if (!word_at(i, "answer") || (i > 0 && is_letter(s[i - 1]))) continue;
    size_t k = skip(i + 6, " *");
    bool heading = i >= 6 && word_at(i - 6, "final") && (k >= s.size() || s[k] == '\n' || s[k] == '\r');
    if (word_at(k, "is")) {
      out.push_back(skip(k + 2, " :*"));
    } else if (k < s.size() && s[k] == ':') {
      out.push_back(skip(k + 1, " *"));
    } else if (heading) {
      out.push_back(k);
    }
  }
  return out;
}

std::optional<Extraction> extract_final_answer(std::string_view s) {
  if (auto b = last_boxed(s)) return b;
  return final_answer_phrase(s);
}

}  // namespace rigor
