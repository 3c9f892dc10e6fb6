#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/extract.h"

namespace rigor {
namespace {

// Reads a TSV case file: '#' lines are comments; "\n" is a newline and
// "\\n" a literal backslash-n; every other backslash is literal.
std::vector<std::vector<std::string>> read_cases(const std::string& name, size_t columns) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells(1);
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\t') {
        cells.emplace_back();
      } else if (line.compare(i, 3, "\\\\n") == 0) {
        cells.back() += "\\n";
        i += 2;
      } else if (line.compare(i, 2, "\\n") == 0) {
        cells.back() += '\n';
        ++i;
      } else {
        cells.back() += line[i];
      }
    }
    EXPECT_EQ(cells.size(), columns) << name << ":" << line_no;
    if (cells.size() == columns) rows.push_back(cells);
  }
  EXPECT_FALSE(rows.empty()) << name;
  return rows;
}

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
