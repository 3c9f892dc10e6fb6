// rigor db copy between SQLite and a real PostgreSQL: the same reports from
// either store, byte for byte.
#include <gtest/gtest.h>

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
