#include "harness/error_summary.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/retry.h"

namespace rigor {

std::string ErrorGroup::cause() const {
  std::string c = to_string(code);
  if (http_status == 404 && code == ErrorCode::kInvalidRequest) return "not found (HTTP 404)";
  if (http_status > 0) c += fmt::format(" (HTTP {})", http_status);
  return c;
}

bool ErrorGroup::heals_on_rerun() const {
  Error e;
  e.code = code;
  e.http_status = http_status;
  return should_retry(e);
}

void ErrorTally::add(const std::string& model, const Error& e, const std::string& secret) {
  ErrorGroup& g = groups_[{model, static_cast<int>(e.code), e.http_status}];
  if (g.count++ == 0) {
    g.model = model;
    g.code = e.code;
    g.http_status = e.http_status;
    g.example = redact_secrets(e.message, secret);
  }
}

std::vector<ErrorGroup> ErrorTally::groups() const {
  std::vector<ErrorGroup> out;
  for (const auto& [key, g] : groups_) out.push_back(g);
  std::stable_sort(out.begin(), out.end(), [](const ErrorGroup& a, const ErrorGroup& b) { return a.count > b.count; });
  return out;
}

std::string redact_secrets(std::string text, const std::string& secret) {
  if (secret.size() >= 8) {
    for (size_t at; (at = text.find(secret)) != std::string::npos;) text.replace(at, secret.size(), "[redacted]");
  }
  for (std::string_view marker : {"Bearer ", "bearer ", "x-api-key:"}) {
    for (size_t from = 0, at; (at = text.find(marker, from)) != std::string::npos;) {
      size_t start = at + marker.size();
      while (start < text.size() && text[start] == ' ') ++start;
      size_t end = start;
      while (end < text.size() && text[end] != ' ' && text[end] != '"' && text[end] != '\n' && text[end] != ',') ++end;
      text.replace(start, end - start, "[redacted]");
      from = start + 10;
    }
  }
  return text;
}

std::string format_error_summary(const std::vector<ErrorGroup>& groups) {
  if (groups.empty()) return "";
  int total = 0, healing = 0;
  for (const auto& g : groups) {
    total += g.count;
    if (g.heals_on_rerun()) healing += g.count;
  }
  std::string out = fmt::format("rigor: {} sample{} failed (stored as errors, not wrong answers), by cause:\n", total,
                                total == 1 ? "" : "s");
  for (const auto& g : groups) {
    std::string example = g.example.size() > 200 ? g.example.substr(0, 200) + "..." : g.example;
    out += fmt::format("  {:>5} x {}: {}{}\n        e.g. {}\n", g.count, g.model, g.cause(),
                       g.heals_on_rerun() ? "" : " [will not heal on a re-run]", example);
  }
  if (healing < total) {
    out += "rigor: fix what the failures that will not heal say (key, model id, base_url, request settings) "
           "before re-running; re-running as is fails the same way.\n";
  }
  if (healing > 0) {
    out += fmt::format("rigor: {} sample{} failed for causes that may pass (timeouts, 5xx, 429, cut streams): "
                       "re-run the same command to retry them.\n",
                       healing, healing == 1 ? "" : "s");
  }
  return out;
}

}  // namespace rigor
