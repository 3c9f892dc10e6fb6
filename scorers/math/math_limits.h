// Bounds that every math verification stays within. GiNaC has no timeout, so
// anything that could make it (or the parser) run long is refused up front;
// a refusal is a `false` verdict whose reason starts with "refused:".
#pragma once

#include <cstddef>

namespace rigor::math {

inline constexpr size_t kMaxAnswerBytes = 4096;     // one extracted answer
inline constexpr int kMaxDepth = 64;                // bracket/operator nesting
inline constexpr size_t kMaxNodes = 2000;           // expression-tree nodes per answer
inline constexpr size_t kMaxNumberDigits = 400;     // digits in one numeric literal
inline constexpr double kMaxResultDigits = 10000;   // decimal digits of a constant power b^e
inline constexpr double kMaxFactorial = 1000;       // largest n in n!
inline constexpr size_t kMaxCollection = 64;       // elements of a set/tuple/list/matrix
inline constexpr int kMaxPlusMinus = 4;             // \pm signs expanded per answer (2^4 variants)
// Above this estimated number of expanded terms, GiNaC is not asked to expand
// and the verdict rests on numeric evaluation alone (the reason says so).
inline constexpr double kMaxExpandTerms = 20000;
inline constexpr double kMaxSymbolicExponent = 64;  // integer exponent on a symbolic base

// Tolerances (see POLICY.md).
inline constexpr double kExactNumericTol = 1e-9;    // relative: two exact forms at a point
inline constexpr double kDecimalTol = 1e-6;         // relative: a decimal against an exact value
inline constexpr int kHighPrecisionDigits = 40;     // constant identities GiNaC cannot normalise
inline constexpr double kHighPrecisionTol = 1e-30;  // relative, at kHighPrecisionDigits
inline constexpr int kNumericPoints = 6;            // random points for identities in symbols

}  // namespace rigor::math
