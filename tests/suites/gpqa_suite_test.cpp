#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "suites/registry.h"

namespace rigor {
namespace {

namespace fs = std::filesystem;

const std::string kCsv = std::string(RIGOR_TEST_DATA) + "/suites_gpqa.csv";

// suites_gpqa.csv: GPQA-format rows written for these tests (CRLF records,
// quoted fields with commas, doubled quotes and an embedded newline).
TEST(GpqaSuiteTest, LoadsTheOfficialCsvFormat) {
  Suite s = load_suite("gpqa-diamond", {.gpqa_csv = kCsv});
  EXPECT_EQ(s.name, "gpqa-diamond");
  EXPECT_EQ(s.scorer, "gpqa");
  EXPECT_EQ(s.template_id, "gpqa-letter-v1");
  EXPECT_NE(s.source.find(kCsv), std::string::npos);
  ASSERT_EQ(s.problems.size(), 3u);

  const Problem& a = s.problems[0];
  EXPECT_EQ(a.id, "gpqa-diamond/recTEST0001");
  EXPECT_EQ(a.gold, "Nitrogen");
  EXPECT_EQ(a.choices, (std::vector<std::string>{"Nitrogen", "Oxygen", "Argon", "Carbon dioxide"}));
  EXPECT_EQ(a.meta["High-level domain"], "Chemistry");
  EXPECT_EQ(a.meta["difficulty"], 1.0);

  const Problem& b = s.problems[1];
  EXPECT_EQ(b.statement,
            "A \"quoted\" question, with commas, spanning\ntwo lines: what is 2 + 2?");
  EXPECT_EQ(b.choices[1], "3, or maybe 5");
  EXPECT_EQ(b.choices[2], "\"22\"");
  EXPECT_NEAR(b.meta["difficulty"].get<double>(), 2.0 / 3.0, 1e-12);

  // Surrounding whitespace in the official file is not part of the question.
  EXPECT_EQ(s.problems[2].statement, "Which particle carries the electromagnetic force?");
}

class GpqaBadCsv : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove(path_); }
  std::string error_for(const std::string& text) {
    std::ofstream(path_, std::ios::binary) << text;
    try {
      load_suite("gpqa-diamond", {.gpqa_csv = path_});
    } catch (const SuiteError& e) {
      return e.what();
    }
    return "";
  }
  std::string path_ =
      (fs::temp_directory_path() / ("rigor_gpqa_" + std::to_string(::getpid()) + ".csv")).string();
};

constexpr char kHeader[] =
    "Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2,Incorrect Answer 3,Record ID\n";

TEST_F(GpqaBadCsv, MissingColumnNamesFileAndColumn) {
  std::string msg = error_for("Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2\nq,a,b,c\n");
  EXPECT_NE(msg.find(path_), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing column \"Incorrect Answer 3\""), std::string::npos) << msg;
}

TEST_F(GpqaBadCsv, MalformedRowNamesFileAndLine) {
  std::string msg = error_for(std::string(kHeader) + "q,a,b,c,d,r1\n\"q2\nstill q2\",a,b,c\n");
  EXPECT_NE(msg.find(path_ + ":3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4 fields but the header has 6"), std::string::npos) << msg;

  msg = error_for(std::string(kHeader) + "q,a,b,c,d,r1\n\"never closed,a,b,c,d,r2\n");
  EXPECT_NE(msg.find(path_ + ":3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unterminated"), std::string::npos) << msg;
}

TEST_F(GpqaBadCsv, EmptyRequiredCellNamesLineAndColumn) {
  std::string msg = error_for(std::string(kHeader) + "q,a,b,c,d,r1\nq,a,,c,d,r2\n");
  EXPECT_NE(msg.find(path_ + ":3: column \"Incorrect Answer 1\" is empty"), std::string::npos)
      << msg;
}

TEST_F(GpqaBadCsv, DuplicateRecordIdIsAnError) {
  std::string msg = error_for(std::string(kHeader) + "q,a,b,c,d,r1\nq2,a,b,c,d,r1\n");
  EXPECT_NE(msg.find(":3: duplicate problem id"), std::string::npos) << msg;
}

TEST_F(GpqaBadCsv, WithoutRecordIdRowsAreNumbered) {
  std::ofstream(path_, std::ios::binary)
      << "Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2,Incorrect Answer 3\n"
         "q1,a,b,c,d\nq2,a,b,c,d\n";
  Suite s = load_suite("gpqa-diamond", {.gpqa_csv = path_});
  ASSERT_EQ(s.problems.size(), 2u);
  EXPECT_EQ(s.problems[1].id, "gpqa-diamond/2");
  EXPECT_EQ(s.problems[1].meta["difficulty_source"], "none in CSV (fixed 0.5)");
}

TEST_F(GpqaBadCsv, UnreadableFileNamesThePath) {
  std::string msg;
  try {
    load_suite("gpqa-diamond", {.gpqa_csv = "/nonexistent/gpqa_diamond.csv"});
  } catch (const SuiteError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("/nonexistent/gpqa_diamond.csv"), std::string::npos) << msg;
}

}  // namespace
}  // namespace rigor
