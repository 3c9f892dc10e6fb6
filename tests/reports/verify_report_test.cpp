// `rigor report --verify`: every format shows the verdict and each test, and
// text from the store (model names, card notes, responses) cannot break out.
#include "reports/verify_report.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rigor {
namespace {

class VerifyReport : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("rigor_verify_report_" + std::to_string(getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void put_hostile(Store& st) {
    nlohmann::json outcome = {
        {"verdict", "inconsistent"},
        {"tests",
         {{{"test", "tokenizer"},
           {"verdict", "inconsistent"},
           {"summary", "counts like qwen2 <script>alert(1)</script>"},
           {"evidence", {"deepseek-v3: hangul is 3 on its card | measured 5"}},
           {"error_rate", "0"},
           {"requests", 6},
           {"tokens", 300},
           {"cost_usd", 0.0002}}}},
        {"spent", {{"requests", 6}, {"tokens", 300}, {"cost_usd", 0.0002}, {"estimated", 0}}},
        {"next_step", ""}};
    st.put_verify({"verify-x-1", "<img src=x onerror=alert(1)>|model", "DeepSeek-R1", "2026-12-04T10:00:00Z",
                   "2026-12-04T10:00:01Z", "inconsistent", nlohmann::json{{"outcome", outcome}}.dump()});
    VerifyRequestRecord r;
    r.verify_id = "verify-x-1";
    r.test = "tokenizer";
    r.item = "hangul x3";
    r.status = "ok";
    r.response = "</td><script>steal()</script>";
    st.put_verify_request(r);
  }

  std::string path_;
};

TEST_F(VerifyReport, EveryFormatShowsTheVerdictAndEscapesStoredText) {
  Store st(path_);
  put_hostile(st);
  const std::string table = render_verifies(st, {}, Format::kTable);
  EXPECT_NE(table.find("inconsistent"), std::string::npos) << table;
  EXPECT_NE(table.find("measured 5"), std::string::npos) << "evidence is shown\n" << table;
  const std::string md = render_verifies(st, {"verify-x-1"}, Format::kMarkdown);
  EXPECT_EQ(md.find("<script>"), std::string::npos) << md;
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
  EXPECT_EQ(md.find("card | measured"), std::string::npos) << "a | would split the table cell\n" << md;
  const std::string html = render_verifies(st, {"verify-x-1"}, Format::kHtml);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;steal()"), std::string::npos) << "the response is shown, escaped";
  auto json = nlohmann::json::parse(render_verifies(st, {"verify-x-1"}, Format::kJson));
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["verdict"], "inconsistent");
  EXPECT_EQ(json[0]["outcome"]["tests"][0]["test"], "tokenizer");
  const std::string csv = render_verifies(st, {"verify-x-1"}, Format::kCsv);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 2) << "a header and one row per test\n" << csv;
}

TEST_F(VerifyReport, AnUnknownIdOrAnEmptyStoreIsNamed) {
  Store st(path_);
  try {
    render_verifies(st, {}, Format::kTable);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no verifies"), std::string::npos) << e.what();
  }
  put_hostile(st);
  try {
    render_verifies(st, {"verify-nope"}, Format::kTable);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("verify-nope"), std::string::npos) << e.what();
  }
}

TEST_F(VerifyReport, ASpendNotPricedPerTokenIsSaidSoNotShownAsZeroDollars) {
  Store st(path_);
  const nlohmann::json outcome = {
      {"verdict", "consistent"},
      {"tests", nlohmann::json::array()},
      {"spent", {{"requests", 6}, {"tokens", 300}, {"cost_usd", 0.0}, {"priced", false}, {"estimated", 0}}}};
  st.put_verify({"verify-z-1", "local", "DeepSeek-R1", "2026-12-04T10:00:00Z", "2026-12-04T10:00:01Z", "consistent",
                 nlohmann::json{{"outcome", outcome}}.dump()});
  const std::string table = render_verifies(st, {}, Format::kTable);
  EXPECT_NE(table.find("300 tokens, not priced per token"), std::string::npos) << table;
  EXPECT_EQ(table.find("$0.0000"), std::string::npos) << table;
}

TEST_F(VerifyReport, AVerifyThatDiedBeforeItsVerdictShowsAsUnfinished) {
  Store st(path_);
  st.put_verify({"verify-y-1", "m", "DeepSeek-R1", "2026-12-04T10:00:00Z", "", "", "{}"});
  EXPECT_NE(render_verifies(st, {}, Format::kTable).find("unfinished"), std::string::npos);
}

}  // namespace
}  // namespace rigor
