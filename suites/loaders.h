// Internal: one loader per data format, used by the registry. Each throws
// SuiteError naming the file, line and field of the first problem it finds.
#pragma once

#include <string>

#include "suites/suite.h"

namespace rigor::detail {

// Reads a whole file as bytes; SuiteError naming the path if it cannot.
std::string read_file_bytes(const std::string& path, const std::string& what);

Suite load_aime24(const std::string& path);
Suite load_aime25(const std::string& path);
Suite load_math500(const std::string& path);

// Parses the official GPQA CSV text; `path` is used in messages and provenance.
Suite parse_gpqa_csv(const std::string& text, const std::string& path);
Suite load_gpqa_csv(const std::string& path);

}  // namespace rigor::detail
