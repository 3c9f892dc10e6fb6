// Tokenizer for LaTeX and plain-text math answers. Layout-only LaTeX
// (\left, \right, \!, \,, $, \displaystyle, ...) is dropped here, synonyms are
// unified (\dfrac -> frac, \leq -> <=, \cdot -> *), and \text{...} becomes one
// token. Internal to the math parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace rigor::math {

enum class Tok : unsigned char {
  kEnd,
  kNum,    // text: exact literal "I" or "I.F"; decimal: written with a point or exponent
  kIdent,  // text: one letter, or a Greek letter name
  kConst,  // text: "pi", "e", "i", "inf"
  kCmd,    // text: frac, sqrt, binom, begin, end, or a function name (sin, log, ...)
  kText,   // text: normalised words from \text{...} or a plain word of 3+ letters
  kOp,     // text: + - * / ^ _ ( ) [ ] { } {s }s , ; = < > <= >= != ! % | & row +- -+ cup in circ
};

struct Token {
  Tok type = Tok::kEnd;
  std::string text;
  bool decimal = false;
  size_t pos = 0;  // byte offset in the input, for error messages
};

// Tokens ending with one kEnd, or an error naming the offending position.
tl::expected<std::vector<Token>, std::string> tokenize(std::string_view input);

// Whether `name` is a function the parser applies (sin, cos, log, ...).
bool is_function_name(std::string_view name);

}  // namespace rigor::math
