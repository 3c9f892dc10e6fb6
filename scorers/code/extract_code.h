// Code extraction from the answer part of a response (reasoning removed).
#pragma once

#include <string>
#include <string_view>

namespace rigor {

struct ExtractedCode {
  bool ok = false;    // some code was found
  std::string code;   // the code, leading indentation of its first line kept
  std::string rule;   // the rule that fired: "last fenced block (python)", "last fenced block (no tag)",
                      // "unclosed fence", "bare code", or why nothing was found
};

// Rules, first match wins:
//  1. the last complete fenced block (``` or ~~~, any language tag, or none);
//  2. an opening fence never closed (a truncated answer): everything after it;
//  3. no fence at all: the whole answer as bare code;
// empty or whitespace-only code is "no code".
ExtractedCode extract_code(std::string_view answer);

// Whether `code` has a line "def NAME(" or "async def NAME(" at column 0
// (spaces, tabs or form feeds allowed between the words). A linear scan:
// model output of any length and shape costs time in proportion to it.
bool defines_function(std::string_view code, std::string_view name);

}  // namespace rigor
