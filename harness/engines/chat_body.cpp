// chat_request_text(): the chat request body written directly. Keys come in
// the order nlohmann's std::map gives them, and strings are escaped as its
// dump() escapes them (json::append_escaped), so for the values it accepts
// the text is the one chat_request_body().dump() would give.
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "harness/engines/openai_engine.h"
#include "harness/json_escape.h"

namespace rigor {
namespace {

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF):
// what nlohmann's dump() accepts without throwing.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  json::append_escaped(out, s);
  out.push_back('"');
}

// A sampling value as nlohmann writes it, for the range where its format
// and fmt's shortest form agree (plain decimals, ".0" on whole numbers).
bool append_double(std::string& out, double v) {
  if (!std::isfinite(v) || (v != 0 && (std::fabs(v) < 1e-4 || std::fabs(v) >= 1e15))) return false;
  const size_t at = out.size();
  fmt::format_to(std::back_inserter(out), "{}", v);
  if (out.find_first_of(".e", at) == std::string::npos) out += ".0";
  return true;
}

}  // namespace

std::optional<std::string> chat_request_text(const CompletionRequest& request, bool include_usage) {
  if (!request.extra.is_null() && !(request.extra.is_object() && request.extra.empty())) return std::nullopt;
  if (!valid_utf8(request.model)) return std::nullopt;
  size_t size = 160 + request.model.size();
  for (const Message& m : request.messages) {
    if (!valid_utf8(m.role) || !valid_utf8(m.content)) return std::nullopt;
    size += 40 + m.role.size() + m.content.size() + m.content.size() / 8;
  }
  std::string out;
  out.reserve(size);
  fmt::format_to(std::back_inserter(out), R"({{"max_tokens":{},"messages":[)", request.max_tokens);
  for (size_t i = 0; i < request.messages.size(); ++i) {
    out += i == 0 ? R"({"content":)" : R"(,{"content":)";
    append_quoted(out, request.messages[i].content);
    out += R"(,"role":)";
    append_quoted(out, request.messages[i].role);
    out += '}';
  }
  out += R"(],"model":)";
  append_quoted(out, request.model);
  if (request.seed) fmt::format_to(std::back_inserter(out), R"(,"seed":{})", *request.seed);
  out += R"(,"stream":true)";
  if (include_usage) out += R"(,"stream_options":{"include_usage":true})";
  out += R"(,"temperature":)";
  if (!append_double(out, request.temperature)) return std::nullopt;
  out += R"(,"top_p":)";
  if (!append_double(out, request.top_p)) return std::nullopt;
  out += '}';
  return out;
}

}  // namespace rigor
