// libFuzzer target for the math answer parser, the answer extraction and the
// verifier: any bytes, as a gold/response pair split at the first tab, must
// give a verdict without a crash, a sanitizer report or a hang. The response
// goes through the scorer as a run scores it (extraction: boxes, answer
// phrases, math spans, last line; then verification), and the extracted
// answer must be non-empty whenever extraction succeeds. Built and run by
// run_fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scorers/extract.h"
#include "scorers/math/math_equiv.h"
#include "scorers/math/math_parser.h"
#include "scorers/math/math_scorer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rigor::MathScorer scorer;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)rigor::math::parse_answer(in);
  for (const rigor::MathSpan& s : rigor::math_spans(in))
    if (s.end > in.size() || s.pos >= s.end) std::abort();  // a span lies inside the response
  size_t tab = in.find('\t');
  std::string_view gold = tab == std::string_view::npos ? in : in.substr(0, tab);
  std::string_view response = tab == std::string_view::npos ? in : in.substr(tab + 1);
  (void)rigor::math::equivalent_answers(gold, response);
  if (auto ex = rigor::extract_math_answer(response); ex && ex->text.empty() && ex->rule != "boxed") std::abort();
  rigor::Verdict v = scorer.score(response, gold);
  if (v.reason.empty() || (v.correct && !v.extracted_ok)) std::abort();
  return 0;
}
