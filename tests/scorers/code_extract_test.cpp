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

TEST(CodeExtract, DefinesFunctionAtTopLevel) {
  struct Case {
    const char* code;
    bool defines;
  } cases[] = {
      {"def f(x):\n    return x\n", true},
      {"import math\n\ndef  f (x):\n", true},
      {"async def f(x):\n", true},
      {"async\tdef\tf\t(x):\n", true},
      {"x = 1\r\ndef f(x):\r\n", true},
      {"    def f(x):\n", false},      // nested: the prompt's function is completed, not replaced
      {"def ff(x):\n", false},
      {"def f2(x):\n", false},
      {"asyncdef f(x):\n", false},
      {"deff(x):\n", false},
      {"# def f(x):\n", false},
      {"def f\n(x):\n", false},
      {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(defines_function(c.code, "f"), c.defines) << c.code;
}

// Regression: a response with a long run of whitespace after "def" overflowed
// the stack in the regex that looked for the entry point, killing rigor.
TEST(CodeExtract, LongWhitespaceRunAfterDefIsScannedNotRecursed) {
  for (char ws : {' ', '\t', '\f', '\n', '\r'}) {
    std::string code = "def" + std::string(2'000'000, ws) + "has_close_elements(x):\n";
    bool blank = ws != '\n' && ws != '\r';
    EXPECT_EQ(defines_function(code, "has_close_elements"), blank) << int(ws);
    EXPECT_TRUE(extract_code("```python\n" + code + "```\n").ok);
  }
}

}  // namespace
}  // namespace rigor
