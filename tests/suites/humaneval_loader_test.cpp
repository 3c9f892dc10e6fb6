// The code suites load with the test specification as gold, in the exact
// format the code scorers read, and a chat prompt as the statement.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "suites/code_suites.h"
#include "suites/registry.h"

namespace rigor {
namespace {

TEST(HumanEvalSuite, LoadsAll164WithTheSpecAsGold) {
  Suite s = load_suite("humaneval");
  EXPECT_EQ(s.scorer, "humaneval");
  EXPECT_EQ(s.template_id, kHumanEvalTemplate);
  ASSERT_EQ(s.problems.size(), 164u);
  const Problem& p = s.problems[0];
  EXPECT_EQ(p.id, "HumanEval/0");
  auto gold = nlohmann::json::parse(p.gold);
  EXPECT_EQ(gold.size(), 3u);
  EXPECT_EQ(gold["entry_point"], "has_close_elements");
  EXPECT_NE(gold["prompt"].get<std::string>().find("def has_close_elements"), std::string::npos);
  EXPECT_NE(gold["test"].get<std::string>().find("def check(candidate)"), std::string::npos);
  EXPECT_NE(p.statement.find("```python\nfrom typing import List"), std::string::npos) << p.statement;
  for (const auto& q : s.problems) {
    double d = q.meta["difficulty"].get<double>();
    EXPECT_GE(d, 0.0);
    EXPECT_LE(d, 1.0);
  }
}

TEST(HumanEvalSuite, PromptPassesThroughUnchanged) {
  Suite s = load_suite("humaneval");
  PromptedSample ps = make_prompt(s, s.problems[5], 42);
  EXPECT_EQ(ps.user_message, s.problems[5].statement);
  EXPECT_EQ(ps.gold, s.problems[5].gold);
}

TEST(StdioBasicSuite, LoadsWithTestsAsGoldAndAnLcbStylePrompt) {
  Suite s = load_suite("stdio-basic");
  EXPECT_EQ(s.scorer, "stdio");
  ASSERT_GE(s.problems.size(), 5u);
  for (const auto& p : s.problems) {
    auto gold = nlohmann::json::parse(p.gold);
    ASSERT_TRUE(gold["tests"].is_array()) << p.id;
    EXPECT_FALSE(gold["tests"].empty()) << p.id;
    EXPECT_TRUE(gold["time_limit_s"].is_number()) << p.id;
    EXPECT_NE(p.statement.find("### Question:"), std::string::npos);
    EXPECT_NE(p.statement.find("Read the inputs from stdin"), std::string::npos);
    EXPECT_TRUE(p.meta.contains("solution")) << p.id;
  }
}

}  // namespace
}  // namespace rigor
