#include "suites/sha256.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/case_table.h"

namespace rigor {
namespace {

// Known-answer vectors, including every padding boundary (55/56/64 bytes).
TEST(Sha256Test, KnownVectorsFromDataFile) {
  int checked = 0;
  for (const auto& c : testing::read_cases("suites_sha256.tsv", 3)) {
    const std::string &count = c[0], &unit = c[1], &hex = c[2];
    std::string input;
    for (long i = 0; i < std::stol(count); ++i) input += unit;
    EXPECT_EQ(sha256_hex(input), hex) << count << " x \"" << unit << "\"";
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(Sha256Test, BinaryBytesAreHashedAsIs) {
  std::string with_nul("a\0b", 3);
  EXPECT_NE(sha256_hex(with_nul), sha256_hex("ab"));
  EXPECT_EQ(sha256_hex(with_nul).size(), 64u);
}

}  // namespace
}  // namespace rigor
