// libFuzzer target for the math answer parser and verifier: any bytes, as a
// gold/answer pair split at the first tab, must give a verdict without a
// crash, a sanitizer report or a hang. Built and run by run_fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scorers/math/math_equiv.h"
#include "scorers/math/math_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)rigor::math::parse_answer(in);
  size_t tab = in.find('\t');
  if (tab != std::string_view::npos) {
    (void)rigor::math::equivalent_answers(in.substr(0, tab), in.substr(tab + 1));
  } else {
    (void)rigor::math::equivalent_answers(in, in);
  }
  return 0;
}
