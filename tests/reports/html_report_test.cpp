// The HTML report's content: every chart per suite, legible with 12 models,
// and model output that tries to become markup rendered as text.
#include <gtest/gtest.h>

#include <regex>

#include "reports/html_report.h"
#include "reports/svg.h"

namespace rigor {
namespace {

const char* const kEvil[] = {
    "<script>document.title='pwned'</script>",
    "</textarea><script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "</pre></details><svg onload=alert(1)>",
};

std::string fmt_pricing(int m) {
  return "{\"input\": " + std::to_string(0.1 * (m + 1)) + ", \"cached_input\": 0, \"output\": " +
         std::to_string(0.5 * (m + 1)) + "}";
}

ReportData twelve_models(bool evil_names = false) {
  ReportData d;
  RunRecord run;
  run.id = "run1";
  run.version = "0.1.0";
  run.seed = 42;
  run.config_json = R"({"run":{"n":4,"k":[1,4]},"suites":{"math500":{"scorer":"math","data_hash":"feedbeef","template":"r1"}}})";
  d.runs.push_back(run);
  for (int m = 0; m < 12; ++m) {
    RunModelRecord rm;
    rm.run_id = "run1";
    rm.model = (evil_names && m == 0) ? "<b>model</b>\"><script>x</script>" : "model-" + std::to_string(m);
    rm.engine = "sim";
    rm.server_label = "rigor-sim";
    rm.simulated = true;
    rm.pricing_json = fmt_pricing(m);
    d.models.push_back(rm);
    for (int p = 0; p < 6; ++p) {
      for (int k = 0; k < 4; ++k) {
        SampleRecord s;
        s.run_id = "run1";
        s.model = rm.model;
        s.suite = "math500";
        s.problem_id = "p" + std::to_string(p);
        s.sample_idx = k;
        s.correct = (p + k + m) % 3 != 0;
        s.extracted_ok = true;
        s.extracted = "42";
        s.prompt_tokens = 100;
        s.cached_tokens = 0;
        s.completion_tokens = 200 + 50 * p + 10 * m;
        s.reasoning_tokens = 100;
        s.decode_tps = 20.0 + m;
        s.ttft_s = 0.1;
        s.truncated = !s.correct && k == 0;
        s.finish_reason = s.truncated ? "length" : "stop";
        s.response = "The answer is \\boxed{42}.";
        s.reasoning = "thinking";
        if (m == 0 && p == 0) {
          s.response = kEvil[k];
          s.reasoning = kEvil[4];
        }
        d.samples.push_back(s);
      }
    }
  }
  SummaryOptions opt;
  opt.k_values = {1, 4};
  opt.n = 4;
  opt.resamples = kMinBootstrapResamples;
  d.summaries = summarize(run, d.models, d.samples, opt);
  return d;
}

std::string render(const ReportData& d) { return render_html_report(d, make_meta(d.runs)); }

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlReport, EveryChartOfEverySuiteIsPresent) {
  const std::string html = render(twelve_models());
  for (const char* kind : {"accuracy-cost", "accuracy-speed", "pass-at-k", "output-length", "problem-grid",
                           "comparison-table"}) {
    EXPECT_EQ(count(html, std::string("data-chart=\"") + kind + "\""), 1u) << kind;
  }
  EXPECT_NE(html.find("Pareto frontier"), std::string::npos);
  EXPECT_NE(html.find("SIMULATED"), std::string::npos);
  EXPECT_NE(html.find("feedbeef"), std::string::npos) << "dataset hash in the metadata";
  // Twelve models: every one in each chart's legend and a column of the grid.
  EXPECT_GE(count(html, "model-11"), 5u);
}

TEST(HtmlReport, ModelOutputRendersAsTextNeverAsMarkup) {
  const std::string html = render(twelve_models(true));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("</textarea>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("onerror=\""), std::string::npos);
  EXPECT_EQ(html.find("href=\"javascript:"), std::string::npos);
  EXPECT_EQ(html.find("<svg onload"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;/textarea&gt;"), std::string::npos);
  // Every element the page opens, it closes (no markup swallowed by output).
  EXPECT_EQ(count(html, "<details"), count(html, "</details>"));
  EXPECT_EQ(count(html, "<pre"), count(html, "</pre>"));
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
}

TEST(HtmlReport, GridCellsLinkToThatModelsSamples) {
  const std::string html = render(twelve_models());
  std::smatch m;
  const std::regex link(R"re(<a href="#(s0-p3-m5)">(\d)/4</a>)re");
  ASSERT_TRUE(std::regex_search(html, m, link));
  EXPECT_NE(html.find("id=\"" + m[1].str() + "\""), std::string::npos);
}

TEST(HtmlReport, LongOutputIsCutSayingHowMuch) {
  ReportData d = twelve_models();
  d.samples[0].response = std::string(5000, 'x');
  const std::string html = render(d);
  EXPECT_NE(html.find("[… 3000 characters left out"), std::string::npos);
}

TEST(Svg, LogAxisAndEscapedNames) {
  svg::Chart c;
  c.id = "c";
  c.kind = "k";
  c.title = "t <b>";
  c.x = {.label = "cost", .log = true};
  c.series.push_back({.name = "<i>x</i>", .points = {{.x = 0.001, .y = 0.5}, {.x = 0.1, .y = 0.7}}});
  c.series.push_back({.name = "empty"});
  const std::string out = svg::render_chart(c);
  EXPECT_EQ(out.find("<i>"), std::string::npos);
  EXPECT_EQ(out.find("<b>"), std::string::npos);
  EXPECT_NE(out.find("(log scale)"), std::string::npos);
  EXPECT_NE(out.find(">0.01<"), std::string::npos) << "a decade tick";
  EXPECT_NE(out.find("empty (no data)"), std::string::npos);
}

}  // namespace
}  // namespace rigor
