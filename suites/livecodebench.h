// LiveCodeBench's released format (code_generation_lite JSONL): one problem
// per line with question_content, starter_code, public_test_cases and
// private_test_cases (JSON text of [{"input", "output", "testtype"}], the
// private ones possibly base64 -> zlib -> pickled string), metadata (JSON
// text with func_name for functional problems), difficulty, platform, ...
// Decoded here without running Python.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "suites/suite.h"

namespace rigor {

// Standard base64 (RFC 4648, padding optional, whitespace ignored).
tl::expected<std::string, std::string> base64_decode(std::string_view text);
// A zlib stream (RFC 1950), fully inflated.
tl::expected<std::string, std::string> zlib_inflate(std::string_view data);
// A pickle (protocols 0-5) of None, bools, ints, floats, str, bytes, lists,
// tuples and dicts: what LiveCodeBench stores. Anything else (objects,
// globals, reduce) is refused, so nothing is ever executed.
tl::expected<nlohmann::json, std::string> read_pickle(std::string_view data);
// A test-cases field: JSON text, or base64 of zlib of a pickled JSON string.
tl::expected<nlohmann::json, std::string> decode_lcb_tests(std::string_view field);

namespace detail {

// Loads the user's LiveCodeBench JSONL. Each problem's gold is the stdio
// scorer's spec (all public then private tests; fn_name for functional
// problems; time_limit_s 6); the statement is the LiveCodeBench-style chat
// prompt. Throws SuiteError naming file, line and field.
Suite load_livecodebench(const std::string& path);

}  // namespace detail
}  // namespace rigor
