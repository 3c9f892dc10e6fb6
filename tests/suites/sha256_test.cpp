#include "suites/sha256.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace rigor {
namespace {

// Known-answer vectors, including every padding boundary (55/56/64 bytes).
TEST(Sha256Test, KnownVectorsFromDataFile) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/suites_sha256.tsv");
  ASSERT_TRUE(in.good());
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream cells(line);
    std::string count, unit, hex;
    std::getline(cells, count, '\t');
    std::getline(cells, unit, '\t');
    std::getline(cells, hex, '\t');
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
