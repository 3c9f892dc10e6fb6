// Judge-style comparison of a program's output with the expected output.
#pragma once

#include <string>
#include <string_view>

namespace rigor {

inline constexpr double kFloatTolerance = 1e-6;

struct OutputMatch {
  bool ok = false;
  std::string detail;  // on a mismatch: the first differing token and its position
};

// Whitespace-tolerant token comparison: both outputs are split on any
// whitespace and compared token by token. Where the expected token is a
// number written with a decimal point or exponent, the actual token must be a
// number within 1e-6 absolute or relative; otherwise tokens compare exactly.
OutputMatch compare_output(std::string_view expected, std::string_view actual);

}  // namespace rigor
