// Answer extraction shared by the scorers: find where a response states its
// final answer. Extraction only: no normalisation, no verification.
// Pure functions; thread-safe; never throw.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rigor {

struct Extraction {
  std::string text;  // the answer text exactly as written (inside the box, after the phrase)
  std::string rule;  // which rule found it: "boxed", "fbox", "boxed-unbraced", "final-answer-phrase"
  size_t pos = 0;    // byte offset in the response where the match starts
};

// Every \boxed{...} / \fbox{...} in order. Braces nest; an escaped brace
// (\{ or \}) does not count. "\boxed 5" (no braces) takes the run of
// characters up to the next space, '$' or line end. A box whose closing
// brace never comes (a truncated response) is skipped.
std::vector<Extraction> all_boxed(std::string_view response);

// The last of all_boxed(), if any.
std::optional<Extraction> last_boxed(std::string_view response);

// The last "final answer is X" / "the answer is X" (case-insensitive; an
// optional ":" after "is"), X running to the end of its line with
// surrounding '$', '*' and a trailing '.' removed. A phrase with nothing
// after it on its line is skipped.
std::optional<Extraction> final_answer_phrase(std::string_view response);

// A stretch of math set off by delimiters: $...$, $$...$$, \(...\), \[...\].
struct MathSpan {
  std::string_view text;  // between the delimiters (a view into the response)
  size_t pos = 0;         // byte offset of the opening delimiter
  size_t end = 0;         // byte offset just after the closing delimiter
  bool display = false;   // $$ or \[
};

// Every delimited math span, in order, read as TeX reads them: an escaped
// dollar (\$) is text, not a delimiter; display math ($$, \[) may span lines;
// inline math ($, \() may span a line break but not a blank line (a
// paragraph). An opener that is never closed is text.
std::vector<MathSpan> math_spans(std::string_view response);

// Byte offsets just after each final-answer phrase, in order: "answer is",
// "answer:" and a "final answer" heading ("**Final Answer**", "Final
// Answer"), case-insensitive; a ':' and '*' bold marks after the phrase are
// skipped.
std::vector<size_t> answer_phrase_ends(std::string_view response);

// The rule order the math scorers use: last box, else the last
// final-answer phrase.
std::optional<Extraction> extract_final_answer(std::string_view response);

}  // namespace rigor
