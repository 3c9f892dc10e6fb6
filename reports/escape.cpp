#include "reports/escape.h"

#include <algorithm>

#include <fmt/format.h>

namespace rigor {

std::string escape_markdown(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\\': case '|': case '*': case '_': case '`': case '[': case ']': case '#': case '~':
        out += '\\';
        out += c;
        break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      default:
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
  }
  return out;
}

std::string csv_field(std::string_view s) {
  const bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        out += ((u < 0x20 && c != '\t') || u == 0x7f) ? ' ' : c;
    }
  }
  return out;
}

std::string escape_terminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out;
}

namespace {

// Columns a terminal gives one code point: 0 for combining marks, joiners and
// variation selectors, 2 for East Asian wide and fullwidth characters and
// emoji, 1 otherwise (Unicode's East_Asian_Width W/F and the emoji blocks,
// as wcwidth() implementations draw them).
int columns(char32_t c) {
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F) ||
      (c >= 0x20D0 && c <= 0x20FF)) {
    return 0;
  }
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
      (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
      (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x1F680 && c <= 0x1F6FF) || (c >= 0x1FA70 && c <= 0x1FAFF) ||
      (c >= 0x20000 && c <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

}  // namespace

size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    if (len == 1 || i + len > s.size()) {
      ++w;  // ASCII, or a stray byte: one column (a replacement character)
      ++i;
      continue;
    }
    char32_t c = b & (0x7F >> len);
    for (int k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    w += static_cast<size_t>(columns(c));
    i += static_cast<size_t>(len);
  }
  return w;
}

std::string wrap_row(const std::string& label, const std::string& value, size_t label_width, size_t width) {
  const size_t lw = std::max(label_width, display_width(label) + 2);
  const size_t room = width > lw + 20 ? width - lw : 20;
  std::string out = label + std::string(lw - display_width(label), ' ');
  size_t used = 0;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(' ', start);
    if (end == std::string::npos) end = value.size();
    const std::string word = value.substr(start, end - start);
    const size_t w = display_width(word);
    if (used > 0 && used + 1 + w > room) {
      out += "\n" + std::string(lw, ' ');
      used = 0;
    } else if (used > 0) {
      out += ' ';
      ++used;
    }
    out += word;
    used += w;
    start = end + 1;
  }
  return out + "\n";
}

}  // namespace rigor
