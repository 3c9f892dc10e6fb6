#include "scorers/code/extract_code.h"

#include <vector>

namespace rigor {
namespace {

struct Line {
  std::string_view text;
  size_t begin;  // offset of the line in the answer
  size_t end;    // offset just past its newline
};

std::vector<Line> split_lines(std::string_view s) {
  std::vector<Line> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    size_t end = nl == std::string_view::npos ? s.size() : nl + 1;
    std::string_view t = s.substr(pos, (nl == std::string_view::npos ? s.size() : nl) - pos);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    out.push_back({t, pos, end});
    pos = end;
  }
  return out;
}

// A fence line: optional indentation up to 3 spaces, then ``` or ~~~ (or
// longer). Returns the fence marker and the info string.
bool fence(std::string_view line, std::string& marker, std::string& info) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return false;
  char c = line[i];
  size_t j = i;
  while (j < line.size() && line[j] == c) ++j;
  if (j - i < 3) return false;
  marker.assign(j - i, c);
  std::string_view rest = line.substr(j);
  size_t a = rest.find_first_not_of(" \t");
  size_t b = rest.find_first_of(" \t{", a == std::string_view::npos ? 0 : a);
  info = a == std::string_view::npos ? "" : std::string(rest.substr(a, b == std::string_view::npos ? b : b - a));
  return true;
}

std::string tidy(std::string_view code) {
  // Drop leading blank lines and trailing whitespace; keep the first line's indentation,
  // which a bare function-body completion needs.
  size_t start = 0;
  for (;;) {
    size_t nl = code.find('\n', start);
    if (nl == std::string_view::npos) break;
    if (code.substr(start, nl - start).find_first_not_of(" \t\r") != std::string_view::npos) break;
    start = nl + 1;
  }
  std::string_view s = code.substr(start);
  size_t end = s.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos) return "";
  std::string out(s.substr(0, end + 1));
  out += '\n';
  return out;
}

}  // namespace

ExtractedCode extract_code(std::string_view answer) {
  ExtractedCode out;
  auto lines = split_lines(answer);
  std::string marker, info, m2, i2;
  bool found_block = false, unclosed = false;
  std::string last_info;
  size_t last_begin = 0, last_end = 0, open_info_begin = 0;
  std::string open_info;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!fence(lines[i].text, marker, info)) continue;
    // Find the closing fence: the same character, at least as long, no info string.
    size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      if (fence(lines[j].text, m2, i2) && m2[0] == marker[0] && m2.size() >= marker.size() && i2.empty()) break;
    }
    if (j == lines.size()) {
      unclosed = true;
      open_info = info;
      open_info_begin = lines[i].end;
      break;
    }
    found_block = true;
    last_info = info;
    last_begin = lines[i].end;
    last_end = lines[j].begin;
    i = j;
  }
  if (found_block) {
    out.code = tidy(answer.substr(last_begin, last_end - last_begin));
    out.rule = last_info.empty() ? "last fenced block (no tag)" : "last fenced block (" + last_info + ")";
  } else if (unclosed) {
    out.code = tidy(answer.substr(open_info_begin));
    out.rule = open_info.empty() ? "unclosed fence" : "unclosed fence (" + open_info + ")";
  } else {
    out.code = tidy(answer);
    out.rule = "bare code";
  }
  out.ok = !out.code.empty();
  if (!out.ok) out.rule = "no code: " + out.rule + " is empty";
  return out;
}

bool defines_function(std::string_view code, std::string_view name) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\f'; };
  size_t pos = 0;
  while (pos < code.size()) {
    size_t eol = code.find('\n', pos);
    std::string_view line = code.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? code.size() : eol + 1;
    size_t i = 0;
    auto word = [&](std::string_view w) {
      if (line.substr(i, w.size()) != w) return false;
      i += w.size();
      return true;
    };
    auto spaces = [&] {
      size_t from = i;
      while (i < line.size() && blank(line[i])) ++i;
      return i > from;
    };
    if (word("async") && !spaces()) continue;
    if (!word("def") || !spaces() || !word(name)) continue;
    spaces();
    if (i < line.size() && line[i] == '(') return true;
  }
  return false;
}

}  // namespace rigor
