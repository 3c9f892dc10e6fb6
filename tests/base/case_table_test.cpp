// The reader behind every tests/data/*.tsv case table: a wrong escape here
// silently changes the cases of every table that uses it.
#include "tests/case_table_parse.h"

#include <sstream>

#include <gtest/gtest.h>

namespace rigor::testing {
namespace {

using Cells = std::vector<std::string>;

CaseTable parse(const std::string& text, size_t columns, const TableFormat& format = {}) {
  std::istringstream in(text);
  return parse_case_table(in, "t.tsv", columns, format);
}

// The cells joined by tabs: one line of a table.
std::string line_of(const Cells& cells) {
  std::string line = cells.front();
  for (size_t i = 1; i < cells.size(); ++i) line += "\t" + cells[i];
  return line;
}

TEST(CaseTable, DefaultEscapesReadNewlinesAndLeaveOtherBackslashes) {
  const Cells written = {R"(a\nb)", R"(\\n)", R"(\text{x})", R"(\neq)", R"(\\neq)", R"(\t)", R"(\\)", R"(\)"};
  EXPECT_EQ(split_cells(line_of(written), Escapes::kNewline),
            (Cells{"a\nb", R"(\n)", R"(\text{x})", "\neq", R"(\neq)", R"(\t)", R"(\\)", R"(\)"}));
}

TEST(CaseTable, TabEscapesAddTabsToNewlines) {
  const Cells written = {R"(1\t2\n)", R"(\\t)", R"(\\n)", R"(\x)"};
  EXPECT_EQ(split_cells(line_of(written), Escapes::kNewlineAndTab), (Cells{"1\t2\n", R"(\t)", R"(\n)", R"(\x)"}));
}

TEST(CaseTable, NoEscapesKeepsJsonAndLatexAsWritten) {
  const Cells written = {R"({"content":"a\"b\\c\ne\tf\u00e9"})", R"(x \neq 3)", R"(\\n)"};
  EXPECT_EQ(split_cells(line_of(written), Escapes::kNone), written);
}

TEST(CaseTable, EmptyCellsAreCells) {
  EXPECT_EQ(split_cells("\t\t", Escapes::kNewline), (Cells{"", "", ""}));
  EXPECT_EQ(split_cells("", Escapes::kNewline), (Cells{""}));
}

TEST(CaseTable, SkipsCommentsAndEmptyLinesAndKeepsLineNumbers) {
  const CaseTable t = parse("# a comment\n\na\tb\n#\tnot a case\nc\td\n", 2);
  ASSERT_TRUE(t.errors.empty());
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].cells, (Cells{"a", "b"}));
  EXPECT_EQ(t.rows[0].line, 3);
  EXPECT_EQ(t.rows[1].cells, (Cells{"c", "d"}));
  EXPECT_EQ(t.rows[1].line, 5);
}

TEST(CaseTable, WrongCellCountIsAnErrorNamingTheLine) {
  const CaseTable t = parse("a\tb\na\nx\ty\tz\n", 2);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.errors, (Cells{"t.tsv:2: 1 cells, expected 2", "t.tsv:3: 3 cells, expected 2"}));
}

TEST(CaseTable, OptionalTrailingCellsReadAsEmpty) {
  const CaseTable t = parse("a\tb\tc\na\tb\na\n", 3, {.min_columns = 2});
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].cells, (Cells{"a", "b", "c"}));
  EXPECT_EQ(t.rows[1].cells, (Cells{"a", "b", ""}));
  EXPECT_EQ(t.errors, (Cells{"t.tsv:3: 1 cells, expected 2 to 3"}));
}

TEST(CaseTable, HeaderLineIsNotACase) {
  const CaseTable t = parse("input\tdisplay\na\tb\n", 2, {.header = true});
  ASSERT_TRUE(t.errors.empty());
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0].cells, (Cells{"a", "b"}));
  EXPECT_EQ(t.rows[0].line, 2);
}

TEST(CaseTable, MissingFileIsAnError) {
  const CaseTable t = read_case_table("no_such_table.tsv", 2);
  EXPECT_TRUE(t.rows.empty());
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_NE(t.errors[0].find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace rigor::testing
