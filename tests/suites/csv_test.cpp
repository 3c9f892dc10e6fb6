#include "suites/csv.h"

#include <gtest/gtest.h>

namespace rigor {
namespace {

TEST(CsvTest, QuotedFieldsHoldCommasQuotesAndNewlines) {
  auto t = parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nplain,,last\r\n");
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fields, (std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[1].fields, (std::vector<std::string>{"plain", "", "last"}));
  EXPECT_EQ(t->rows[1].line, 4);  // the embedded newline moved it down one line
}

TEST(CsvTest, LfLineEndsBomAndMissingFinalNewline) {
  auto t = parse_csv("\xEF\xBB\xBFq,a\n1,2\n3,4");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->header[0], "q");
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[1].fields[1], "4");
}

TEST(CsvTest, QuotedCrlfInsideAFieldIsKept) {
  auto t = parse_csv("a\r\n\"x\r\ny\"\r\n");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->rows[0].fields[0], "x\r\ny");
}

struct BadCsv {
  const char* text;
  int line;
  const char* message_part;
};

TEST(CsvTest, MalformedInputNamesTheLine) {
  const BadCsv cases[] = {
      {"a,b\n1,2\n\"open,3\n", 3, "unterminated"},
      {"a,b\n1,2\n3\n", 3, "1 fields but the header has 2"},
      {"a,b\n\"x\"y,2\n", 2, "after closing quote"},
      {"a,b\n1,x\"y\n", 2, "quote inside an unquoted field"},
      {"a,b\n1,2\n\n3,4\n", 3, "1 fields"},
      {"", 1, "empty"},
      {"a,b\r1,2\n", 1, "carriage return"},
  };
  for (const auto& c : cases) {
    auto t = parse_csv(c.text);
    ASSERT_FALSE(t) << c.text;
    EXPECT_EQ(t.error().line, c.line) << c.text;
    EXPECT_NE(t.error().message.find(c.message_part), std::string::npos) << t.error().message;
  }
}

}  // namespace
}  // namespace rigor
