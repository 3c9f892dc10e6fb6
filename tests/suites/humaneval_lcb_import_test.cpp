// LiveCodeBench import: base64 -> zlib -> pickle decoding without Python, and
// the loader's gold in the stdio scorer's format. Fixtures are our own
// (tests/data/lcb_*).
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "suites/code_suites.h"
#include "suites/livecodebench.h"
#include "suites/registry.h"
#include "tests/case_table.h"

namespace rigor {
namespace {

std::string from_hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(LcbImport, PickleTable) {
  int n = 0;
  // The expected values are JSON: their backslash escapes are JSON's.
  for (const auto& c : testing::read_cases("lcb_pickles.tsv", 3, {.escapes = testing::Escapes::kNone})) {
    const std::string &hex = c[0], &want = c[1], &kind = c[2];
    SCOPED_TRACE("lcb_pickles.tsv:" + std::to_string(c.line));
    auto v = read_pickle(from_hex(hex));
    if (kind == "ok") {
      ASSERT_TRUE(v.has_value()) << v.error();
      EXPECT_EQ(*v, nlohmann::json::parse(want));
    } else {
      EXPECT_FALSE(v.has_value());
    }
    ++n;
  }
  EXPECT_GE(n, 20);
}

TEST(LcbImport, Base64AndZlibReportDamage) {
  EXPECT_EQ(base64_decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(base64_decode("aGVs\nbG8").value(), "hello");
  EXPECT_FALSE(base64_decode("aGV*bG8=").has_value());
  EXPECT_FALSE(zlib_inflate("not zlib").has_value());
  auto tests = decode_lcb_tests("not json and not base64!");
  ASSERT_FALSE(tests.has_value());
  EXPECT_NE(tests.error().find("base64"), std::string::npos) << tests.error();
}

TEST(LcbImport, LoadsStdinAndFunctionalProblemsWithAllTests) {
  Suite s = detail::load_livecodebench(std::string(RIGOR_TEST_DATA) + "/lcb_sample.jsonl");
  EXPECT_EQ(s.scorer, "stdio");
  EXPECT_EQ(s.template_id, kLcbTemplate);
  ASSERT_EQ(s.problems.size(), 3u);

  const Problem& stdin_p = s.problems[0];
  EXPECT_EQ(stdin_p.id, "lcb/rigor-001");
  auto g = nlohmann::json::parse(stdin_p.gold);
  ASSERT_EQ(g["tests"].size(), 4u);  // 1 public + 3 compressed private
  EXPECT_EQ(g["tests"][3]["input"], "1000000000000\n");
  EXPECT_EQ(g["tests"][3]["output"], "2000000000000\n");
  EXPECT_FALSE(g.contains("fn_name"));
  EXPECT_EQ(g["time_limit_s"], 6.0);
  EXPECT_NE(stdin_p.statement.find("Read the inputs from stdin"), std::string::npos);
  EXPECT_EQ(stdin_p.meta["difficulty"], 0.0);

  const Problem& fn_p = s.problems[1];
  auto f = nlohmann::json::parse(fn_p.gold);
  EXPECT_EQ(f["fn_name"], "countPairs");
  EXPECT_EQ(f["tests"].size(), 3u);
  EXPECT_NE(fn_p.statement.find("def countPairs(self, nums: List[int], target: int)"), std::string::npos);
  EXPECT_EQ(fn_p.meta["testtype"], "functional");

  auto h = nlohmann::json::parse(s.problems[2].gold);  // protocol-2 pickle, 300-char input
  ASSERT_EQ(h["tests"].size(), 1u);
  EXPECT_EQ(h["tests"][0]["input"].get<std::string>().size(), 301u);
}

TEST(LcbImport, MalformedLinesNameFileLineAndField) {
  std::string path = ::testing::TempDir() + "/lcb_bad.jsonl";
  std::ofstream(path) << R"({"question_id": "x", "question_content": "q", "starter_code": "", "difficulty": "easy", )"
                      << R"("public_test_cases": "[]", "private_test_cases": "@@@", "metadata": "{}"})" << "\n";
  try {
    detail::load_livecodebench(path);
    FAIL() << "expected SuiteError";
  } catch (const SuiteError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path + ":1: field \"private_test_cases\""), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace rigor
