// rigor db copy between SQLite and a real PostgreSQL: the same reports from
// either store, byte for byte.
#include <gtest/gtest.h>

#include "store/perf_store.h"
#include "store/store.h"
#include "tests/integration/rigor_process.h"
#include "tests/pg_server.h"

namespace rigor {
namespace {

using testing::run_rigor;
using testing::TempDir;

const std::string kSource = RIGOR_SOURCE_DIR;

TEST(DbCopy, ReportsFromPostgresAreByteIdenticalToSqliteAndBack) {
  std::string url;
  RIGOR_PG_DATABASE(url, "copy");
  TempDir tmp;
  // A real run and a verify into SQLite, as a laptop would have them.
  auto run = run_rigor({"run", "-c", kSource + "/configs/demo.toml", "--db", tmp / "laptop.db", "-n", "4", "-q",
                        "--suites", "aime24"},
                       tmp.path());
  ASSERT_EQ(run.code, 0) << run.err;
  auto verify = run_rigor({"verify", "-c", kSource + "/configs/verify_demo.toml", "--db", tmp / "laptop.db",
                           "--model", "sold-as-r1-distill", "--claims", "DeepSeek-R1"},
                          tmp.path());
  ASSERT_LE(verify.code, 1) << verify.err;  // consistent or not: both are results to copy

  auto up = run_rigor({"db", "copy", "--from", tmp / "laptop.db", "--to", url}, tmp.path());
  ASSERT_EQ(up.code, 0) << up.err;
  auto again = run_rigor({"db", "copy", "--from", tmp / "laptop.db", "--to", url}, tmp.path());
  ASSERT_EQ(again.code, 0) << "copying twice is safe: " << again.err;
  auto down = run_rigor({"db", "copy", "--from", url, "--to", tmp / "back.db"}, tmp.path());
  ASSERT_EQ(down.code, 0) << down.err;

  for (const std::string format : {"md", "html", "json", "csv"}) {
    auto a = run_rigor({"report", "--db", tmp / "laptop.db", "--format", format}, tmp.path());
    auto b = run_rigor({"report", "--db", url, "--format", format}, tmp.path());
    auto c = run_rigor({"report", "--db", tmp / "back.db", "--format", format}, tmp.path());
    ASSERT_EQ(a.code, 0) << format << ": " << a.err;
    ASSERT_EQ(b.code, 0) << format << ": " << b.err;
    EXPECT_FALSE(a.out.empty());
    EXPECT_TRUE(a.out == b.out) << format << " differs between SQLite and PostgreSQL";
    EXPECT_TRUE(a.out == c.out) << format << " differs after the round trip";
  }
  auto va = run_rigor({"report", "--db", tmp / "laptop.db", "--verify"}, tmp.path());
  auto vb = run_rigor({"report", "--db", url, "--verify"}, tmp.path());
  ASSERT_EQ(va.code, 0) << va.err;
  EXPECT_NE(va.out.find("sold-as-r1-distill"), std::string::npos) << va.out;
  EXPECT_EQ(va.out, vb.out);

  Store st(url, StoreMode::kReadOnly);
  EXPECT_EQ(st.list_runs().size(), 1u);
  EXPECT_EQ(st.samples(st.list_runs()[0].id).size(), 2u * 30 * 4);
}

// Perf runs go along, every request of every level: `rigor report --perf`
// renders the same from the copy, and the raw requests are the same.
TEST(DbCopy, PerfRunsAreCopiedWithEveryRequest) {
  std::string url;
  RIGOR_PG_DATABASE(url, "copyperf");
  TempDir tmp;
  const std::string laptop = tmp / "laptop.db";
  for (const std::string levels : {"1,2", "3"}) {
    auto perf = run_rigor({"perf", "-c", kSource + "/configs/demo.toml", "--model", "r1-full", "--concurrency", levels,
                           "--requests", "5", "--db", laptop},
                          tmp.path());
    ASSERT_EQ(perf.code, 0) << perf.err;
  }
  PerfStore source(laptop, StoreMode::kReadOnly);
  const auto runs = source.runs();
  ASSERT_EQ(runs.size(), 2u);

  auto up = run_rigor({"db", "copy", "--from", laptop, "--to", url}, tmp.path());
  ASSERT_EQ(up.code, 0) << up.err;
  EXPECT_NE(up.err.find("2 perf runs (21 requests)"), std::string::npos) << up.err;  // (1+5) + (2+5) + (3+5), warm-up = concurrency
  auto again = run_rigor({"db", "copy", "--from", laptop, "--to", url}, tmp.path());
  ASSERT_EQ(again.code, 0) << "copying twice is safe: " << again.err;
  auto down = run_rigor({"db", "copy", "--from", url, "--to", tmp / "back.db"}, tmp.path());
  ASSERT_EQ(down.code, 0) << down.err;

  for (const std::string format : {"table", "md"}) {
    auto a = run_rigor({"report", "--db", laptop, "--perf", "--format", format}, tmp.path());
    auto b = run_rigor({"report", "--db", url, "--perf", "--format", format}, tmp.path());
    auto c = run_rigor({"report", "--db", tmp / "back.db", "--perf", "--format", format}, tmp.path());
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_NE(a.out.find(runs[1].id), std::string::npos) << a.out;
    EXPECT_TRUE(a.out == b.out) << format << ":\nSQLite:\n" << a.out << "\nPostgreSQL:\n" << b.out;
    EXPECT_TRUE(a.out == c.out) << format << " differs after the round trip";
  }
  PerfStore back(tmp / "back.db", StoreMode::kReadOnly);
  for (const auto& run : runs) {
    EXPECT_EQ(back.request_count(run.id), source.request_count(run.id));
    for (const auto& level : source.levels(run.id)) {
      const auto a = source.requests(run.id, level.level), b = back.requests(run.id, level.level);
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].sent_s, b[i].sent_s);
        EXPECT_EQ(a[i].completion.ttft_s, b[i].completion.ttft_s);
        EXPECT_EQ(a[i].completion.chunks.size(), b[i].completion.chunks.size());
      }
    }
  }

  // --run picks perf runs by id too; --no-perf leaves them all.
  auto one = run_rigor({"db", "copy", "--from", laptop, "--to", tmp / "one.db", "--run", runs[0].id}, tmp.path());
  ASSERT_EQ(one.code, 0) << one.err;
  const auto copied = PerfStore(tmp / "one.db", StoreMode::kReadOnly).runs();
  ASSERT_EQ(copied.size(), 1u);
  EXPECT_EQ(copied[0].id, runs[0].id);
  auto none = run_rigor({"db", "copy", "--from", laptop, "--to", tmp / "none.db", "--no-perf"}, tmp.path());
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_TRUE(PerfStore(tmp / "none.db", StoreMode::kReadOnly).runs().empty());
  auto missing = run_rigor({"db", "copy", "--from", laptop, "--to", tmp / "x.db", "--run", "perf-nope"}, tmp.path());
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("perf-nope"), std::string::npos) << missing.err;

  // A perf run of that id with another configuration in the target is refused.
  {
    PerfStore other(tmp / "other.db");
    PerfRunRecord clash = runs[0];
    clash.config["perf"] = "something else";
    other.put_run(clash);
  }
  auto refused = run_rigor({"db", "copy", "--from", laptop, "--to", tmp / "other.db"}, tmp.path());
  EXPECT_EQ(refused.code, 2) << refused.err;
  EXPECT_NE(refused.err.find("different configuration"), std::string::npos) << refused.err;
}

TEST(DbCopy, RunWithAnotherConfigInTheTargetIsRefused) {
  TempDir tmp;
  auto a = run_rigor({"run", "-c", kSource + "/configs/demo.toml", "--db", tmp / "a.db", "-n", "4", "-q", "--suites",
                      "aime24", "--run-id", "same"},
                     tmp.path());
  ASSERT_EQ(a.code, 0) << a.err;
  auto b = run_rigor({"run", "-c", kSource + "/configs/demo.toml", "--db", tmp / "b.db", "-n", "8", "-q", "--suites",
                      "aime24", "--run-id", "same"},
                     tmp.path());
  ASSERT_EQ(b.code, 0) << b.err;
  auto copy = run_rigor({"db", "copy", "--from", tmp / "a.db", "--to", tmp / "b.db"}, tmp.path());
  EXPECT_EQ(copy.code, 2) << copy.err;
  EXPECT_NE(copy.err.find("different configuration"), std::string::npos) << copy.err;
}

}  // namespace
}  // namespace rigor
