// rigor perf into a real PostgreSQL store: it stores there, and `rigor report
// --perf` renders byte for byte as from SQLite holding the same records.
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "reports/perf_report.h"
#include "store/perf_store.h"
#include "tests/integration/rigor_process.h"
#include "tests/pg_server.h"

namespace rigor {
namespace {

using testing::run_rigor;
using testing::TempDir;

const std::string kSource = RIGOR_SOURCE_DIR;

TEST(PerfPostgres, PerfStoresThereAndReportsByteIdenticalToSqlite) {
  std::string url;
  RIGOR_PG_DATABASE(url, "perf");
  TempDir tmp;
  const std::string db = tmp / "r.db";
  // An accuracy run in both stores, for the report's join with perf.
  auto run = run_rigor({"run", "-c", kSource + "/configs/demo.toml", "--db", db, "-n", "4", "-q", "--suites",
                        "aime24"},
                       tmp.path());
  ASSERT_EQ(run.code, 0) << run.err;
  auto copy = run_rigor({"db", "copy", "--from", db, "--to", url}, tmp.path());
  ASSERT_EQ(copy.code, 0) << copy.err;

  // A real perf run of the accuracy run's model, against the zero-delay simulator.
  std::ofstream(tmp / "perf.toml") << fmt::format(R"([run]
seed = 11
suites = ["aime24"]

[[models]]
name = "r1-full"
engine = "sim"
model_id = "zero"
sim_profiles = "{}/configs/perf_sim_profiles.toml"

[models.pricing]
gpu_hour = 2.0
gpus = 1
)",
                                                  kSource);
  auto perf = run_rigor({"perf", "-c", "perf.toml", "--model", "r1-full", "--concurrency", "1,4", "--requests", "20",
                         "--db", url},
                        tmp.path());
  ASSERT_EQ(perf.code, 0) << perf.out << perf.err;
  EXPECT_NE(perf.out.find("stored as perf-r1-full-"), std::string::npos) << perf.out;

  PerfStore from(url);
  const auto runs = from.runs();
  ASSERT_EQ(runs.size(), 1u);
  const auto levels = from.levels(runs[0].id);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(from.request_count(runs[0].id), (1 + 20) + (4 + 20));  // warm-up included

  // The same run and levels into SQLite (the raw requests do not reach the
  // report), and an open-loop run with fractional rates into both.
  PerfStore to(db);
  to.put_run(runs[0]);
  for (const auto& l : levels) to.put_level(l, {});
  PerfRunRecord open_loop = runs[0];
  open_loop.id = "perf-r1-full-open";
  open_loop.mode = "rate";
  open_loop.started_at = "2999-01-01T00:00:00Z";  // the latest: the join takes its levels
  for (PerfStore* s : {&from, &to}) {
    s->put_run(open_loop);
    for (double rate : {1.0 / 3, 0.1 + 0.2}) {
      PerfLevelRecord l = levels[0];
      l.run_id = open_loop.id;
      l.level = rate < 0.31 ? 1 : 0;
      l.concurrency = 0;
      l.rate = rate;
      s->put_level(l, {});
    }
  }

  for (const bool md : {false, true}) {
    const std::string a = render_perf_section(db, md), b = render_perf_section(url, md);
    EXPECT_NE(a.find("perf #2: perf-r1-full-open"), std::string::npos) << a;
    EXPECT_NE(a.find("accuracy run"), std::string::npos) << "no join with the accuracy run:\n" << a;
    EXPECT_TRUE(a == b) << "SQLite:\n" << a << "\nPostgreSQL:\n" << b;
  }
  for (const std::string format : {"table", "md"}) {
    auto a = run_rigor({"report", "--db", db, "--perf", "--format", format}, tmp.path());
    auto b = run_rigor({"report", "--db", url, "--perf", "--format", format}, tmp.path());
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.code, 0) << b.err;
    EXPECT_TRUE(a.out == b.out) << format << " differs:\nSQLite:\n" << a.out << "\nPostgreSQL:\n" << b.out;
  }
}

TEST(PerfPostgres, ReportPerfReadsADatabaseOnlyPerfHasWritten) {
  std::string url;
  RIGOR_PG_DATABASE(url, "perfonly");
  TempDir tmp;
  for (const std::string& db : {tmp / "fresh.db", url}) {
    auto perf = run_rigor({"perf", "-c", kSource + "/configs/demo.toml", "--model", "r1-full", "--concurrency", "1",
                           "--requests", "3", "--db", db},
                          tmp.path());
    ASSERT_EQ(perf.code, 0) << db << ": " << perf.err;
    auto report = run_rigor({"report", "--perf", "--db", db}, tmp.path());
    EXPECT_EQ(report.code, 0) << db << ": " << report.err;
    EXPECT_NE(report.out.find("model r1-full"), std::string::npos) << report.out;
  }
}

}  // namespace
}  // namespace rigor
