// Code extraction, one case per line of tests/data/code_extract.jsonl.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scorers/code/extract_code.h"

namespace rigor {
namespace {

TEST(CodeExtract, TableOfResponses) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/code_extract.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    SCOPED_TRACE(j["answer"].get<std::string>());
    ExtractedCode c = extract_code(j["answer"].get<std::string>());
    EXPECT_EQ(c.code, j["code"].get<std::string>());
    EXPECT_EQ(c.rule, j["rule"].get<std::string>());
    EXPECT_EQ(c.ok, !c.code.empty());
    ++n;
  }
  EXPECT_GE(n, 10);
}

}  // namespace
}  // namespace rigor
