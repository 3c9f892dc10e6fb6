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
