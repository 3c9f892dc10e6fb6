#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/extract.h"
#include "tests/case_table.h"

namespace rigor {
namespace {

using testing::read_cases;

TEST(ExtractTest, FinalAnswerCasesFromDataFile) {
  for (const auto& c : read_cases("scorers_extract.tsv", 3)) {
    SCOPED_TRACE(c[0]);
    auto e = extract_final_answer(c[0]);
    if (c[1] == "-") {
      EXPECT_FALSE(e.has_value()) << e->text;
    } else {
      ASSERT_TRUE(e.has_value());
      EXPECT_EQ(e->text, c[1]);
      EXPECT_EQ(e->rule, c[2]);
    }
  }
}

std::vector<std::string> span_texts(std::string_view r) {
  std::vector<std::string> out;
  for (const MathSpan& s : math_spans(r)) out.emplace_back(s.text);
  return out;
}

TEST(ExtractTest, MathSpansAreReadAsTeXReadsThem) {
  using V = std::vector<std::string>;
  EXPECT_EQ(span_texts("a $x$ b $$y$$ c \\(z\\) d \\[w\\]"), (V{"x", "y", "z", "w"}));
  EXPECT_EQ(span_texts("cost \\$5 and $x = 1 \\$ 2$"), (V{"x = 1 \\$ 2"})) << "an escaped dollar is text";
  EXPECT_EQ(span_texts("$\n9\n$"), (V{"\n9\n"})) << "inline math may span a line break";
  EXPECT_EQ(span_texts("It costs $5.\n\nThen $3"), V{}) << "but not a paragraph";
  EXPECT_EQ(span_texts("$$\n9\n\n$$"), (V{"\n9\n\n"})) << "display math may";
  EXPECT_EQ(span_texts("open $ never closed"), V{});
  EXPECT_EQ(span_texts("\\(never closed"), V{});
  auto spans = math_spans("ab $x$");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].pos, 3u);
  EXPECT_EQ(spans[0].end, 6u);
  EXPECT_FALSE(spans[0].display);
}

TEST(ExtractTest, AnswerPhraseEnds) {
  std::string r = "The answer is 5. Answer: 6. **Final Answer**\n7. answered 8";
  std::vector<size_t> ends = answer_phrase_ends(r);
  ASSERT_EQ(ends.size(), 3u);
  EXPECT_EQ(r.substr(ends[0], 1), "5");
  EXPECT_EQ(r.substr(ends[1], 1), "6");
  EXPECT_EQ(r.substr(ends[2], 2), "\n7");
}

TEST(ExtractTest, AllBoxedKeepsOrderAndPositions) {
  std::string r = "a \\boxed{1} b \\fbox{2} c \\boxed{3}";
  auto all = all_boxed(r);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].text, "1");
  EXPECT_EQ(all[1].text, "2");
  EXPECT_EQ(all[1].rule, "fbox");
  EXPECT_EQ(all[2].text, "3");
  EXPECT_EQ(r.substr(all[2].pos, 6), "\\boxed");
  EXPECT_EQ(last_boxed(r)->text, "3");
}

TEST(ExtractTest, EscapedBracesDoNotCloseTheBox) {
  EXPECT_EQ(last_boxed("\\boxed{\\{1\\}}")->text, "\\{1\\}");
}

}  // namespace
}  // namespace rigor
