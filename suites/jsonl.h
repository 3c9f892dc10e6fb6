// Internal: JSON Lines reading with errors that name the file, line and field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rigor::detail {

struct JsonlLine {
  int line = 0;          // 1-based line number in the file
  nlohmann::json value;  // the parsed object
};

// Every non-final line must be one JSON object; a trailing line end is
// allowed, a blank line elsewhere is an error. Throws SuiteError naming
// path and line.
std::vector<JsonlLine> parse_jsonl(const std::string& text, const std::string& path);

// Required fields of a line's object; SuiteError naming path, line and key
// when missing or of another type.
std::string require_string(const JsonlLine& l, const char* key, const std::string& path);
int64_t require_int(const JsonlLine& l, const char* key, const std::string& path);

}  // namespace rigor::detail
