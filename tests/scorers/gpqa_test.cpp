#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scorers/gpqa.h"
#include "scorers/scorer.h"

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

// Every case in scorers_gpqa.tsv: correctness and the extracted answer a report shows.
TEST(GpqaScorerTest, CasesFromDataFile) {
  auto scorer = make_scorer("gpqa");
  ASSERT_NE(scorer, nullptr);
  int checked = 0;
  for (const auto& c : read_cases("scorers_gpqa.tsv", 4)) {
    Verdict v = scorer->score(c[0], c[1]);
    SCOPED_TRACE("response: " + c[0] + " | gold: " + c[1] + " | reason: " + v.reason);
    EXPECT_EQ(v.correct, c[2] == "1");
    if (c[3] == "-") {
      EXPECT_FALSE(v.extracted_ok);
    } else {
      EXPECT_TRUE(v.extracted_ok);
      EXPECT_EQ(v.extracted, c[3]);
    }
    EXPECT_FALSE(v.reason.empty()) << "every verdict says which rule fired or why it failed";
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(GpqaScorerTest, NameAndVersionAreStable) {
  auto scorer = make_scorer("gpqa");
  ASSERT_NE(scorer, nullptr);
  EXPECT_EQ(scorer->name(), "gpqa");
  EXPECT_FALSE(scorer->version().empty());
}

TEST(GpqaScorerTest, EquivalentComparesLettersIgnoringCase) {
  auto s = make_scorer("gpqa");
  EXPECT_TRUE(s->equivalent("C", "c"));
  EXPECT_FALSE(s->equivalent("C", "D"));
  EXPECT_FALSE(s->equivalent("", ""));
}

TEST(GpqaScorerTest, BoxedIsOnlyAFallback) {
  auto s = make_scorer("gpqa");
  Verdict v = s->score("\\boxed{A}\nAnswer: B", "B");
  EXPECT_TRUE(v.correct);
  EXPECT_EQ(v.reason, "answer-line");
  EXPECT_EQ(s->score("so \\boxed{A}", "A").reason, "boxed");
}

}  // namespace
}  // namespace rigor
