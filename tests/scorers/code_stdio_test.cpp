// The stdio scorer: verdicts per line of tests/data/code_stdio_verdicts.jsonl,
// and every reference solution of the bundled stdio-basic suite is accepted.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scorers/code/stdio_scorer.h"
#include "scorers/scorer.h"

namespace rigor {
namespace {

TEST(CodeStdio, VerdictTable) {
  auto scorer = make_scorer("stdio");
  ASSERT_NE(scorer, nullptr);
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/code_stdio_verdicts.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    SCOPED_TRACE(j["name"].get<std::string>());
    Verdict v = scorer->score(j["response"].get<std::string>(), j["gold"].get<std::string>());
    std::string want = j["reason_starts"];
    EXPECT_EQ(v.reason.rfind(want, 0), 0u) << v.reason;
    EXPECT_EQ(v.correct, want == "accepted") << v.reason;
    if (v.extracted_ok) {
      EXPECT_NE(v.reason.find("isolation: namespaces+seccomp+rlimits"), std::string::npos);
    }
    ++n;
  }
  EXPECT_GE(n, 15);
}

TEST(CodeStdio, BundledReferenceSolutionsAreAccepted) {
  auto scorer = make_scorer("stdio");
  std::ifstream in(std::string(RIGOR_SOURCE_DIR) + "/suites/data/stdio_basic/problems.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    StdioSpec spec;
    for (const auto& t : j["tests"]) spec.tests.push_back({t["input"], t["output"]});
    spec.time_limit_s = j["time_limit_s"];
    std::string answer = "```python\n" + j["solution"].get<std::string>() + "```\n";
    Verdict v = scorer->score(answer, stdio_gold(spec));
    EXPECT_TRUE(v.correct) << j["id"] << ": " << v.reason;
    ++n;
  }
  EXPECT_GE(n, 5);
}

}  // namespace
}  // namespace rigor
