#include "reports/render.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/reports/sample_builder.h"

namespace rigor {
namespace {

const std::string kEvilName = "evil|name*_`<script>alert(1)</script>\n| injected | row |,\"quoted\"";
const std::string kEvilLabel = "label\r\n# heading <img src=x onerror=alert(1)>";

std::vector<SuiteSummary> summaries(bool simulated) {
  std::vector<SampleRecord> v;
  for (int i = 0; i < 4; ++i) {
    v.push_back(testing::with_usage(testing::ok_sample(kEvilName, "aime", "p" + std::to_string(i), 0, i % 2 == 0),
                                    100, 20, 1000, 700));
    v.push_back(testing::ok_sample("quiet", "aime", "p" + std::to_string(i), 0, i == 0));
  }
  RunRecord run;
  run.id = "run1";
  RunModelRecord evil;
  evil.run_id = "run1";
  evil.model = kEvilName;
  evil.server_label = kEvilLabel;
  evil.simulated = simulated;
  evil.pricing_json = R"({"input":1,"cached_input":0.1,"output":2})";
  evil.wall_s = 10;
  RunModelRecord quiet = evil;
  quiet.model = "quiet";
  quiet.server_label = "quiet-server";
  quiet.simulated = false;
  return summarize(run, {evil, quiet}, v, SummaryOptions{{1}, 1, {}, {}});
}

ReportMeta meta() {
  RunRecord r;
  r.id = "run1";
  r.version = "0.1.0";
  r.seed = 1234;
  r.config_hash = "abc123";
  r.started_at = "2025-01-01T00:00:00Z";
  return make_meta({r});
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Pipes that are table separators (not backslash-escaped).
int bare_pipes(const std::string& line) {
  int n = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++n;
  }
  return n;
}

TEST(RenderMarkdown, EscapesModelNamesAndLabels) {
  const std::string md = render(summaries(false), Format::kMarkdown, meta());
  EXPECT_EQ(md.find("<script>"), std::string::npos) << md;
  EXPECT_EQ(md.find("<img"), std::string::npos) << md;
  EXPECT_NE(md.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(md.find("evil\\|name\\*\\_\\`"), std::string::npos) << md;
  // Every row of the suite table has the same number of cell separators: the
  // newline and pipes in the name did not open a row or a column.
  bool in_table = false;
  int separators = -1;
  for (const auto& line : lines(md)) {
    if (line == "## aime") in_table = true;
    if (!in_table || line.empty() || line[0] != '|') continue;
    if (separators < 0) separators = bare_pipes(line);
    EXPECT_EQ(bare_pipes(line), separators) << line;
    EXPECT_NE(line.rfind("| injected", 0), 0u) << line;
  }
  EXPECT_EQ(separators, 4);  // metric + two models
}

TEST(RenderMarkdown, StampsHeaderAndBannerOnlyWhenSimulated) {
  const std::string real = render(summaries(false), Format::kMarkdown, meta());
  EXPECT_EQ(real.find("SIMULATED"), std::string::npos);
  EXPECT_NE(real.find("harness version: 0.1.0"), std::string::npos);
  EXPECT_NE(real.find("1234"), std::string::npos);    // seed
  EXPECT_NE(real.find("abc123"), std::string::npos);  // config hash
  EXPECT_NE(real.find("(unfinished)"), std::string::npos);
  const std::string sim = render(summaries(true), Format::kMarkdown, meta());
  EXPECT_NE(sim.find("> **SIMULATED**"), std::string::npos);
  EXPECT_LT(sim.find("SIMULATED"), sim.find("## aime"));  // before any number
}

TEST(RenderText, UnknownUsageIsSaidNotGuessed) {
  for (Format f : {Format::kTable, Format::kMarkdown}) {
    const std::string out = render(summaries(false), f, meta());
    EXPECT_NE(out.find("n/a (server reported no usage)"), std::string::npos) << out;
  }
}

TEST(RenderTable, ControlCharactersCannotReachTheTerminal) {
  auto s = summaries(true);
  s[0].model = "x\x1b[2Jy\nz";
  const std::string out = render(s, Format::kTable, meta());
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("x\\x1b[2Jy\\x0az"), std::string::npos) << out;
  EXPECT_NE(out.find("SIMULATED"), std::string::npos);
  EXPECT_NE(out.find("pass@1 [95% CI]"), std::string::npos);
}

// Minimal RFC 4180 reader for checking the writer round-trips.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(RenderCsv, QuotesSoNamesRoundTrip) {
  const std::string csv = render(summaries(false), Format::kCsv, meta());
  const auto rows = parse_csv(csv);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) EXPECT_EQ(r.size(), rows[0].size());
  EXPECT_EQ(rows[0][1], "model");
  EXPECT_EQ(rows[1][1], kEvilName);
  EXPECT_EQ(rows[1][5], kEvilLabel);
  // Unknown values are empty, never 0.
  const auto col = [&](const std::string& name) {
    return std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin();
  };
  EXPECT_EQ(rows[2][col("mean_reasoning_tokens")], "");
  EXPECT_EQ(rows[2][col("cost_total_usd")], "");
  EXPECT_EQ(rows[1][col("mean_reasoning_tokens")], "700");
}

TEST(RenderJson, StableKeysNullForUnknownAndExactNames) {
  const auto j = nlohmann::json::parse(render(summaries(true), Format::kJson, meta()));
  EXPECT_EQ(j.at("rigor_version"), "0.1.0");
  EXPECT_EQ(j.at("runs").at(0).at("seed"), 1234);
  EXPECT_EQ(j.at("bootstrap").at("resamples"), kBootstrapResamples);
  EXPECT_TRUE(j.at("simulated").get<bool>());
  const auto& evil = j.at("summaries").at(0);
  EXPECT_EQ(evil.at("model"), kEvilName);
  EXPECT_EQ(evil.at("server_label"), kEvilLabel);
  EXPECT_DOUBLE_EQ(evil.at("pass1").get<double>(), 0.5);
  const auto& quiet = j.at("summaries").at(1);
  EXPECT_FALSE(quiet.at("usage_known").get<bool>());
  EXPECT_TRUE(quiet.at("mean_reasoning_tokens").is_null());
  EXPECT_TRUE(quiet.at("cost_total_usd").is_null());
}

TEST(RenderJson, InvalidUtf8FromAModelDoesNotThrow) {
  auto s = summaries(false);
  s[0].model = "bad\xff\xfe";
  EXPECT_NO_THROW(nlohmann::json::parse(render(s, Format::kJson, meta())));
}

TEST(RenderHtml, EscapesEverythingAndBannersSimulation) {
  const std::string html = render(summaries(true), Format::kHtml, meta());
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("evil|name*_`&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("class=\"simulated\""), std::string::npos);
  EXPECT_NE(html.find("n/a (server reported no usage)"), std::string::npos);
  EXPECT_EQ(render(summaries(false), Format::kHtml, meta()).find("SIMULATED:"), std::string::npos);
}

TEST(Format, ParsesKnownNamesOnly) {
  EXPECT_EQ(*parse_format("html"), Format::kHtml);
  EXPECT_EQ(*parse_format("md"), Format::kMarkdown);
  EXPECT_EQ(*parse_format("table"), Format::kTable);
  EXPECT_EQ(*parse_format("csv"), Format::kCsv);
  EXPECT_EQ(*parse_format("json"), Format::kJson);
  auto bad = parse_format("markdown");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("markdown"), std::string::npos);
}

}  // namespace
}  // namespace rigor
