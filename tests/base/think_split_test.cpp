// The inline <think> splitter, table-driven from tests/data/sse_think_split.jsonl.
#include "base/think_split.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "tests/harness/engine_test_util.h"

namespace rigor {
namespace {

std::string kinds(const ThinkSplitter& s) {
  std::string out;
  for (auto p : s.pieces()) {
    out += p == ThinkSplitter::Piece::kAnswer ? 'A' : p == ThinkSplitter::Piece::kReasoning ? 'R' : '?';
  }
  return out;
}

TEST(ThinkSplitter, CasesFromDataFile) {
  std::istringstream lines(test::read_data_file("sse_think_split.jsonl"));
  std::string line;
  int cases = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const auto c = nlohmann::json::parse(line);
    SCOPED_TRACE(c["name"].get<std::string>());
    ThinkSplitter s(c["implicit_open"].get<bool>());
    for (const auto& piece : c["pieces"]) s.feed(piece.get<std::string>());
    s.finish();
    EXPECT_EQ(s.answer(), c["answer"].get<std::string>());
    EXPECT_EQ(s.reasoning(), c["reasoning"].get<std::string>());
    EXPECT_EQ(s.unclosed(), c["unclosed"].get<bool>());
    EXPECT_EQ(kinds(s), c["kinds"].get<std::string>());
    ++cases;
  }
  EXPECT_GT(cases, 15);
}

// However the content is cut into pieces, the split is the same.
TEST(ThinkSplitter, ResultIndependentOfPieceBoundaries) {
  const std::string content = "  <think>Let me see: 2<3, </thin is not a tag.</think>\n\nThe answer is 4.";
  for (size_t a = 0; a <= content.size(); ++a) {
    for (size_t b = a; b <= content.size(); b += 3) {
      ThinkSplitter s;
      s.feed(content.substr(0, a));
      s.feed(content.substr(a, b - a));
      s.feed(content.substr(b));
      s.finish();
      ASSERT_EQ(s.answer(), "The answer is 4.") << a << "," << b;
      ASSERT_EQ(s.reasoning(), "Let me see: 2<3, </thin is not a tag.") << a << "," << b;
      ASSERT_FALSE(s.unclosed());
    }
  }
}

TEST(ThinkSplitter, PendingPiecesBecomeAnswerWhenImplicitOpenIsDisabled) {
  ThinkSplitter s;
  s.feed("no tags yet");
  EXPECT_EQ(s.pieces().front(), ThinkSplitter::Piece::kPending);
  s.disable_implicit_open();
  s.feed(" </think> more");
  s.finish();
  EXPECT_EQ(s.answer(), "no tags yet </think> more");
  EXPECT_EQ(kinds(s), "AA");
}

}  // namespace
}  // namespace rigor
