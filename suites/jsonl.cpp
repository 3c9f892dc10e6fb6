#include "suites/jsonl.h"

#include <fmt/format.h>

#include "suites/registry.h"

namespace rigor::detail {

std::vector<JsonlLine> parse_jsonl(const std::string& text, const std::string& path) {
  std::vector<JsonlLine> out;
  size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    ++line;
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view raw(text.data() + pos, end - pos);
    pos = end + 1;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (raw.find_first_not_of(" \t") == std::string_view::npos) {
      throw SuiteError(fmt::format("{}:{}: blank line", path, line));
    }
    JsonlLine l{line, nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false)};
    if (l.value.is_discarded()) {
      throw SuiteError(fmt::format("{}:{}: not valid JSON", path, line));
    }
    if (!l.value.is_object()) {
      throw SuiteError(fmt::format("{}:{}: expected a JSON object", path, line));
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::string require_string(const JsonlLine& l, const char* key, const std::string& path) {
  auto it = l.value.find(key);
  if (it == l.value.end()) {
    throw SuiteError(fmt::format("{}:{}: missing field \"{}\"", path, l.line, key));
  }
  if (!it->is_string()) {
    throw SuiteError(
        fmt::format("{}:{}: field \"{}\" must be a string, got {}", path, l.line, key, it->dump()));
  }
  return it->get<std::string>();
}

int64_t require_int(const JsonlLine& l, const char* key, const std::string& path) {
  auto it = l.value.find(key);
  if (it == l.value.end()) {
    throw SuiteError(fmt::format("{}:{}: missing field \"{}\"", path, l.line, key));
  }
  if (!it->is_number_integer()) {
    throw SuiteError(fmt::format("{}:{}: field \"{}\" must be an integer, got {}", path, l.line,
                                 key, it->dump()));
  }
  return it->get<int64_t>();
}

}  // namespace rigor::detail
