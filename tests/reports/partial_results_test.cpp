// Partial results are labelled and never compared as if whole; terminal
// widths count display columns; gate Markdown keeps ids verbatim in code.
#include <gtest/gtest.h>

#include "reports/compare.h"
#include "reports/escape.h"
#include "reports/gate.h"
#include "reports/render.h"
#include "reports/summary.h"
#include "tests/reports/sample_builder.h"

namespace rigor {
namespace {

using testing::error_sample;
using testing::ok_sample;

std::vector<SampleRecord> samples(const std::string& run, const std::string& model, int problems, int n) {
  std::vector<SampleRecord> v;
  for (int p = 0; p < problems; ++p) {
    for (int i = 0; i < n; ++i) {
      auto s = ok_sample(model, "aime", "p" + std::to_string(p), i, (p + i) % 2 == 0);
      s.run_id = run;
      v.push_back(s);
    }
  }
  return v;
}

TEST(PartialResults, BudgetStoppedSuiteSaysHowManyOfItsProblemsAreComplete) {
  RunRecord run;
  run.id = "run1";
  SummaryOptions opt;
  opt.n = 2;
  opt.k_values = {1};
  opt.suite_problems = {{"aime", 500}};
  auto rows = samples("run1", "m", 74, 2);
  rows.push_back(ok_sample("m", "aime", "p74", 0, true));  // one sample of two: not complete
  const auto sums = summarize(run, {}, rows, opt);
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_FALSE(sums[0].complete());
  EXPECT_EQ(sums[0].problems_complete, 74);
  EXPECT_EQ(sums[0].incomplete_label(), "74 of 500 problems — incomplete");
  EXPECT_EQ(sums[0].samples_planned, 1000);
}

TEST(PartialResults, AModelWithNoSampleStillGetsAnIncompleteRow) {
  RunRecord run;
  run.id = "run1";
  RunModelRecord dead;
  dead.run_id = "run1";
  dead.model = "dead";
  dead.pricing_json = "{}";
  SummaryOptions opt;
  opt.n = 2;
  opt.k_values = {1};
  opt.suite_problems = {{"aime", 3}};
  const auto sums = summarize(run, {dead}, {}, opt);
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0].model, "dead");
  EXPECT_EQ(sums[0].incomplete_label(), "0 of 3 problems — incomplete");
  const std::string table = render(sums, Format::kTable, ReportMeta{});
  EXPECT_NE(table.find("INCOMPLETE"), std::string::npos) << table;
  EXPECT_NE(table.find("0 of 3 problems — incomplete"), std::string::npos) << table;
}

TEST(PartialResults, SideBySideColumnsOfDifferentSubsetsGetASharedProblemsRow) {
  RunRecord run;
  run.id = "run1";
  SummaryOptions opt;
  opt.n = 2;
  opt.k_values = {1};
  opt.suite_problems = {{"aime", 10}};
  auto rows = samples("run1", "a", 10, 2);
  auto b = samples("run1", "b", 4, 2);
  rows.insert(rows.end(), b.begin(), b.end());
  const std::string table = render(summarize(run, {}, rows, opt), Format::kTable, ReportMeta{});
  EXPECT_NE(table.find("pass@1, shared problems (4)"), std::string::npos) << table;
  EXPECT_NE(table.find("b on aime: 4 of 10 problems — incomplete"), std::string::npos) << table;
}

TEST(PartialResults, CompareUsesOnlyProblemsFinishedCompletelyOnBothSides) {
  auto a = samples("A", "m", 5, 2);
  auto b = samples("B", "m", 5, 2);
  b[3] = error_sample("m", "aime", "p1", 1);  // B's p1: one of two samples finished
  b[3].run_id = "B";
  CompareOptions opt;
  opt.n_a = 2;
  opt.n_b = 2;
  const auto c = compare_runs("A", a, "B", b, opt).at(0);
  EXPECT_EQ(c.problems, 4);
  EXPECT_EQ(c.partial, 1);
  const std::string text = render_comparison({c}, Format::kTable, ReportMeta{});
  EXPECT_NE(text.find("4 problems finished completely on both sides; 1 left out"), std::string::npos) << text;
  // Without n (the library's old contract) the partial problem still counts.
  EXPECT_EQ(compare_runs("A", a, "B", b).at(0).problems, 5);
}

TEST(PartialResults, GateLeavesPartialProblemsOutAndSaysSo) {
  auto base = samples("base_run", "m", 6, 2);
  auto cur = samples("cur`run", "m", 6, 2);
  cur[0] = error_sample("m", "aime", "p0", 0);
  cur[0].run_id = "cur`run";
  GateOptions opt;
  opt.n_baseline = 2;
  opt.n_current = 2;
  GateResult r = run_gate("base_run", base, "cur`run", cur, opt);
  EXPECT_EQ(r.partial, 1);
  r.simulated = {"m @base_run"};
  const std::string md = render_gate_markdown(r, opt);
  EXPECT_NE(md.find("1 problem left out as partial"), std::string::npos) << md;
  EXPECT_NE(md.find("SIMULATED"), std::string::npos) << md;
  // Verbatim inside code spans: no backslash escapes, a longer fence around a backtick.
  EXPECT_NE(md.find("`base_run`"), std::string::npos) << md;
  EXPECT_NE(md.find("``cur`run``"), std::string::npos) << md;
  // pass@1 in the same unit as every report.
  EXPECT_NE(md.find("| pass@1 | 0.500 |"), std::string::npos) << md;
}

TEST(TerminalWidth, WideAndZeroWidthCharactersCountAsTheTerminalDrawsThem) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("模型"), 4u);          // CJK: two columns each
  EXPECT_EQ(display_width("🚀x"), 3u);           // emoji: two
  EXPECT_EQ(display_width("e\xcc\x81"), 1u);     // e + combining acute
  EXPECT_EQ(display_width("é"), 1u);
  EXPECT_EQ(display_width("\xff"), 1u);          // a stray byte: one replacement column
}

TEST(TerminalWidth, ReportColumnsLineUpWithCjkAndEmojiModelNames) {
  RunRecord run;
  run.id = "run1";
  SummaryOptions opt;
  opt.n = 1;
  opt.k_values = {1};
  auto rows = samples("run1", "a模型🚀", 2, 1);
  auto b = samples("run1", "z", 2, 1);
  rows.insert(rows.end(), b.begin(), b.end());
  const std::string table = render(summarize(run, {}, rows, opt), Format::kTable, ReportMeta{});
  // The column after the wide name starts at the same display column in the
  // header ("z") and in a row (its second value).
  const size_t header = table.find("metric ");
  ASSERT_NE(header, std::string::npos);
  const std::string head = table.substr(header, table.find('\n', header) - header);
  const size_t row_at = table.find("\nerrors ", header) + 1;
  const std::string row = table.substr(row_at, table.find('\n', row_at) - row_at);
  const size_t z_col = display_width(head.substr(0, head.rfind('z')));
  EXPECT_EQ(z_col, row.rfind('0')) << table;
  EXPECT_EQ(display_width(head), row.size()) << table;
}

}  // namespace
}  // namespace rigor
