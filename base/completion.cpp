#include "base/completion.h"

namespace rigor {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kServer: return "server";
    case ErrorCode::kInvalidRequest: return "invalid_request";
    case ErrorCode::kAuth: return "auth";
    case ErrorCode::kParse: return "parse";
    case ErrorCode::kTransport: return "transport";
    case ErrorCode::kIncomplete: return "incomplete";
    case ErrorCode::kCancelled: return "cancelled";
  }
  // Reached only through a cast from an out-of-range integer.
  return "unknown";
}

std::optional<ErrorCode> error_code_named(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kCancelled); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (name == to_string(code)) return code;
  }
  return std::nullopt;
}

}  // namespace rigor
