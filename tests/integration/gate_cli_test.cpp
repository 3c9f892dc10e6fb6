// rigor gate, rigor compare's comparability check and rigor report --history,
// run as a user runs them, on a database filled with synthetic runs
// (tests/reports/gate_synth.h); no server involved.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "tests/integration/rigor_process.h"
#include "tests/reports/gate_synth.h"

namespace rigor {
namespace {

using testing::run_rigor;
using testing::TempDir;

std::string config_json(const std::string& id, uint64_t seed, const std::string& data_hash = "h1",
                        double temperature = 0.6) {
  nlohmann::json j = {
      {"run", {{"id", id}, {"tag", "nightly"}, {"seed", seed}, {"n", 4}, {"k", {1}}}},
      {"models", {{{"name", "m"}, {"engine", "sim"}, {"model_id", "full"}, {"temperature", temperature},
                   {"top_p", 0.95}, {"max_tokens", 32768}, {"send_seed", true}, {"extra", nlohmann::json::object()}}}},
      {"suites", nlohmann::json::object()}};
  for (const auto& s : testing::full_profile_suites()) {
    j["suites"][s.name] = {{"scorer", "math"}, {"scorer_version", "1"}, {"template", "t"}, {"data_hash", data_hash},
                           {"problems", s.problems}};
  }
  return j.dump();
}

void add_run(Store& st, const std::string& id, uint64_t seed, const std::string& started, double math500_drop = 0,
             const std::string& data_hash = "h1", double temperature = 0.6, const std::string& tag = "nightly") {
  RunRecord r;
  r.id = id;
  r.config_json = config_json(id, seed, data_hash, temperature);
  r.config_hash = id;
  r.version = "test";
  r.seed = seed;
  r.started_at = started;
  r.finished_at = started;
  r.tag = tag;
  st.put_run(r);
  RunModelRecord m;
  m.run_id = id;
  m.model = "m";
  m.engine = "sim";
  st.put_run_model(m);
  st.put_samples(testing::synth_run(id, testing::full_profile_suites(), 4, seed, "math500", math500_drop));
}

TEST(GateCli, TenPointDropAgainstTheTaggedBaselineFailsWithAMarkdownSummary) {
  TempDir tmp;
  const std::string db = tmp / "g.db";
  {
    Store st(db);
    add_run(st, "old", 1, "2026-01-01T00:00:00Z");
    add_run(st, "base", 2, "2026-01-02T00:00:00Z");
    add_run(st, "same", 3, "2026-01-03T00:00:00Z");
    add_run(st, "worse", 4, "2026-01-04T00:00:00Z", 0.10);
  }
  auto pass = run_rigor({"gate", "--db", db, "--baseline", "base", "--current", "same"}, tmp.path());
  EXPECT_EQ(pass.code, 0) << pass.out << pass.err;
  EXPECT_NE(pass.out.find("## rigor gate: PASS"), std::string::npos) << pass.out;

  // The tag resolves to the latest finished run tagged nightly other than the current one: "same".
  auto fail = run_rigor({"gate", "--db", db, "--baseline", "nightly", "--current", "worse"}, tmp.path());
  EXPECT_EQ(fail.code, 1) << fail.out << fail.err;
  EXPECT_NE(fail.out.find("## rigor gate: FAIL"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("baseline `same`"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("| **REGRESSION** | m | math500 | pass@1 |"), std::string::npos) << fail.out;

  // A large --min-effect spares it.
  auto lenient = run_rigor({"gate", "--db", db, "--baseline", "same", "--current", "worse", "--min-effect", "0.2"},
                           tmp.path());
  EXPECT_EQ(lenient.code, 0) << lenient.out;
}

TEST(GateCli, UsageErrorsExitTwo) {
  TempDir tmp;
  const std::string db = tmp / "g.db";
  {
    Store st(db);
    add_run(st, "a", 1, "2026-01-01T00:00:00Z");
    add_run(st, "b", 2, "2026-01-02T00:00:00Z", 0, "OTHER-HASH");
  }
  auto no_tag = run_rigor({"gate", "--db", db, "--baseline", "weekly", "--current", "a"}, tmp.path());
  EXPECT_EQ(no_tag.code, 2);
  EXPECT_NE(no_tag.err.find("no finished run tagged \"weekly\""), std::string::npos) << no_tag.err;
  auto differ = run_rigor({"gate", "--db", db, "--baseline", "a", "--current", "b"}, tmp.path());
  EXPECT_EQ(differ.code, 2);
  EXPECT_NE(differ.err.find("suite math500: data_hash: \"h1\" vs \"OTHER-HASH\""), std::string::npos) << differ.err;
  auto forced = run_rigor({"gate", "--db", db, "--baseline", "a", "--current", "b", "--force"}, tmp.path());
  EXPECT_EQ(forced.code, 0) << forced.out << forced.err;
  EXPECT_NE(forced.out.find("Forced across configuration differences"), std::string::npos) << forced.out;
}

TEST(CompareCli, DifferentSamplingSettingsNeedForce) {
  TempDir tmp;
  const std::string db = tmp / "c.db";
  {
    Store st(db);
    add_run(st, "a", 1, "2026-01-01T00:00:00Z");
    add_run(st, "b", 2, "2026-01-02T00:00:00Z", 0, "h1", 1.0);
  }
  auto refused = run_rigor({"compare", "--db", db, "a", "b"}, tmp.path());
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("model m: temperature: 0.6 vs 1.0"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  auto forced = run_rigor({"compare", "--db", db, "a", "b", "--force", "--format", "md"}, tmp.path());
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_NE(forced.out.find("math500"), std::string::npos) << forced.out;
  EXPECT_NE(forced.err.find("temperature"), std::string::npos) << "the forced differences stay visible";
}

TEST(ReportCli, HistoryDrawsEachMetricOverTheTaggedRunsOldestFirst) {
  TempDir tmp;
  const std::string db = tmp / "h.db";
  {
    Store st(db);
    add_run(st, "n1", 1, "2026-01-01T00:00:00Z");
    add_run(st, "n2", 2, "2026-01-02T00:00:00Z", 0.10);
    add_run(st, "x", 3, "2026-01-03T00:00:00Z", 0, "h1", 0.6, "adhoc");
    add_run(st, "n3", 4, "2026-01-04T00:00:00Z");
  }
  auto table = run_rigor({"report", "--db", db, "--history", "nightly"}, tmp.path());
  ASSERT_EQ(table.code, 0) << table.err;
  const auto p1 = table.out.find("n1"), p2 = table.out.find("n2"), p3 = table.out.find("n3");
  ASSERT_NE(p3, std::string::npos) << table.out;
  EXPECT_LT(p1, p2);
  EXPECT_LT(p2, p3);
  EXPECT_EQ(table.out.find(" x "), std::string::npos) << "untagged run left out";
  EXPECT_NE(table.out.find("truncated"), std::string::npos);  // the report's name for it
  auto html = run_rigor({"report", "--db", db, "--history", "nightly", "--format", "html"}, tmp.path());
  ASSERT_EQ(html.code, 0) << html.err;
  EXPECT_NE(html.out.find("data-chart=\"history\""), std::string::npos);
  EXPECT_NE(html.out.find("math500: pass@1"), std::string::npos);
  auto none = run_rigor({"report", "--db", db, "--history", "weekly"}, tmp.path());
  EXPECT_EQ(none.code, 2);
}

}  // namespace
}  // namespace rigor
