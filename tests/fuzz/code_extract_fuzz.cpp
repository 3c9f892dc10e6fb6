// libFuzzer target for code extraction from model output: any bytes, as an
// answer (and, up to the first newline, a function name), must give an
// extraction and a def-detection without a crash, a sanitizer report or a
// hang; both are linear scans, so a long input is no slower per byte. Built
// and run by run_fuzz.sh code_extract.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scorers/code/extract_code.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  rigor::ExtractedCode c = rigor::extract_code(in);
  // What extraction promises: some code ending in one newline, or nothing.
  if (c.ok && (c.code.empty() || c.code.back() != '\n')) std::abort();
  if (!c.ok && !c.code.empty()) std::abort();
  size_t nl = in.find('\n');
  std::string_view name = in.substr(0, std::min<size_t>(nl, 32));
  if (!name.empty()) (void)rigor::defines_function(in, name);
  (void)rigor::defines_function(c.code, "f");
  return 0;
}
