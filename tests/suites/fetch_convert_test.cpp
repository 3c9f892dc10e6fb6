// Dataset fetch, the pure half: recorded Hub responses (tests/data/fetch,
// in the datasets-server rows API's documented page shape) and user files
// converted into suite files, their hashes recorded, and load_suite reading
// the fetched copy (and refusing a tampered one).
#include "suites/fetch.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "suites/registry.h"
#include "suites/sha256.h"

namespace rigor {
namespace {

namespace fs = std::filesystem;

std::string read(const std::string& rel) {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in) << rel;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string rows(const std::string& rel) {
  int64_t total = 0;
  return rows_page_to_jsonl(read(rel), rel, &total);
}

// A private RIGOR_DATA_DIR for the test, removed afterwards.
class FetchedDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rigor_fetch_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    ::setenv("RIGOR_DATA_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("RIGOR_DATA_DIR");
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST(FetchRows, PagesBecomeJsonlAndTotalsAreRead) {
  int64_t total = 0;
  std::string a = rows_page_to_jsonl(read("fetch/math500_rows_page1.json"), "p1", &total);
  EXPECT_EQ(total, 3);
  std::string b = rows_page_to_jsonl(read("fetch/math500_rows_page2.json"), "p2", &total);
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n') + std::count(b.begin(), b.end(), '\n'), 3);
  EXPECT_THROW(rows_page_to_jsonl(R"({"rows":[{"row_idx":0}],"num_rows_total":1})", "bad", &total), SuiteError);
  EXPECT_THROW(rows_page_to_jsonl(R"({"error":"The dataset does not exist."})", "missing", &total), SuiteError);
}

TEST(FetchPlan, KnowsTheOfficialSourcesAndRefusesBadOptions) {
  auto gpqa = fetch_plan("gpqa-diamond", {});
  ASSERT_EQ(gpqa.parts.size(), 1u);
  EXPECT_TRUE(gpqa.parts[0].gated);
  EXPECT_EQ(gpqa.parts[0].describe(), "Idavidrein/gpqa file gpqa_diamond.csv");
  EXPECT_EQ(fetch_plan("livecodebench", {"release_v3", "", ""}).parts.size(), 3u);
  EXPECT_EQ(fetch_plan("math500", {}).parts[0].describe(), "HuggingFaceH4/MATH-500 rows default/test");
  EXPECT_THROW(fetch_plan("livecodebench", {"release_v9", "", ""}), SuiteError);
  EXPECT_THROW(fetch_plan("livecodebench", {"", "2024/08/01", ""}), SuiteError);
  EXPECT_THROW(fetch_plan("math500", {"release_v2", "", ""}), SuiteError);
  EXPECT_THROW(fetch_plan("aime24", {}), SuiteError);
}

TEST_F(FetchedDir, Aime25FromTwoExamPagesLoadsWithTheRecordedHash) {
  auto plan = fetch_plan("aime25", {});
  auto c = convert_fetched(plan, {}, {rows("fetch/aime25_I_rows.json"), rows("fetch/aime25_II_rows.json")},
                           {"recorded I", "recorded II"}, "2026-01-01T00:00:00Z");
  EXPECT_EQ(c.problems, 30);
  EXPECT_EQ(c.provenance["data_sha256"], sha256_hex(c.data));
  EXPECT_EQ(c.provenance["parts"][1]["sha256"], sha256_hex(rows("fetch/aime25_II_rows.json")));
  write_fetched_suite(dir_ / "suites", "aime25", c);

  Suite s = load_suite("aime25");
  EXPECT_EQ(s.problems.size(), 30u);
  EXPECT_EQ(s.data_hash, c.provenance["data_sha256"]);  // the hash a run records
  EXPECT_NE(s.source.find("fetched 2026-01-01T00:00:00Z from opencompass/AIME2025"), std::string::npos) << s.source;
  EXPECT_EQ(s.problems[1].gold, "588");
}

TEST_F(FetchedDir, TamperedFetchedFileIsRefused) {
  auto plan = fetch_plan("aime25", {});
  auto c = convert_fetched(plan, {}, {rows("fetch/aime25_I_rows.json"), rows("fetch/aime25_II_rows.json")}, {"a", "b"},
                           "2026-01-01T00:00:00Z");
  const std::string folder = write_fetched_suite(dir_ / "suites", "aime25", c);
  {
    std::ofstream f(fs::path(folder) / "test.jsonl", std::ios::binary | std::ios::trunc);
    std::string changed = c.data;
    changed.replace(changed.find("\"70\""), 4, "\"71\"");
    f << changed;
  }
  try {
    load_suite("aime25");
    FAIL() << "tampered data loaded";
  } catch (const SuiteError& e) {
    EXPECT_NE(std::string(e.what()).find("fetch it again"), std::string::npos) << e.what();
  }
}

TEST_F(FetchedDir, GpqaOfficialCsvIsKeptAsIsAndExplicitCsvStillWins) {
  const std::string csv = read("suites_gpqa.csv");
  auto c = convert_fetched(fetch_plan("gpqa-diamond", {}), {}, {csv}, {"file gpqa_diamond.csv"}, "2026-01-01T00:00:00Z");
  EXPECT_EQ(c.data, csv);
  EXPECT_GT(c.problems, 0);
  write_fetched_suite(dir_ / "suites", "gpqa-diamond", c);
  Suite fetched = load_suite("gpqa-diamond");
  EXPECT_EQ(fetched.data_hash, sha256_hex(csv));
  EXPECT_NE(fetched.source.find("Idavidrein/gpqa"), std::string::npos);
  SuiteOptions o;
  o.gpqa_csv = std::string(RIGOR_TEST_DATA) + "/suites_gpqa.csv";
  EXPECT_EQ(load_suite("gpqa-diamond", o).source.find("fetched"), std::string::npos);
}

TEST_F(FetchedDir, LiveCodeBenchKeepsOnlyTheContestDateWindow) {
  const std::string lcb = read("lcb_sample.jsonl");
  FetchOptions window{"release_v2", "2024-08-02", "2024-08-02"};
  auto plan = fetch_plan("livecodebench", window);
  // One combined file from the user stands in for the release's parts.
  auto c = convert_fetched(plan, window, {lcb}, {"file lcb.jsonl"}, "2026-01-01T00:00:00Z");
  EXPECT_EQ(c.problems, 1);
  EXPECT_EQ(c.provenance["problems_before_window"], 3);
  EXPECT_EQ(c.provenance["release"], "release_v2");
  write_fetched_suite(dir_ / "suites", "livecodebench", c);
  Suite s = load_suite("livecodebench");
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_NE(s.source.find("release_v2 contest dates 2024-08-02..2024-08-02"), std::string::npos) << s.source;

  FetchOptions empty{"", "2030-01-01", ""};
  EXPECT_THROW(convert_fetched(fetch_plan("livecodebench", empty), empty, {lcb}, {"f"}, "t"), SuiteError);
}

TEST_F(FetchedDir, LiveCodeBenchWithoutAFetchSaysHowToGetIt) {
  try {
    load_suite("livecodebench");
    FAIL();
  } catch (const SuiteError& e) {
    EXPECT_NE(std::string(e.what()).find("rigor suites fetch livecodebench"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rigor
