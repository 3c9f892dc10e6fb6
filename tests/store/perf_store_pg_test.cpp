// The perf store on both backends: a SQLite file and a database on a real
// PostgreSQL server (tests/pg_server.h). The same records read back the same,
// field by field, and the same columns are stored as NULL.
#include "store/perf_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/pg_server.h"

namespace rigor {
namespace {

using testing::PgServer;


PerfRunRecord run_record(const std::string& id, const std::string& started_at) {
  PerfRunRecord r;
  r.id = id;
  r.model = "m-" + id;
  r.model_id = "zero";
  r.engine = "openai";
  r.mode = "concurrency";
  r.version = "0.test";
  r.seed = 0xFFFFFFFFFFFFFFF0ull;  // above INT64_MAX: stored as its two's complement
  r.started_at = started_at;
  r.config = {{"perf", {{"requests", 3}, {"slo", {{"ttft_p99_s", 0.1 + 0.2}}}}}, {"name", "ünïcode"}};
  return r;
}

PerfLevelRecord level_record(const std::string& run_id, int level, double rate) {
  PerfLevelRecord l;
  l.run_id = run_id;
  l.level = level;
  l.concurrency = rate > 0 ? 0 : 4;
  l.rate = rate;
  l.warmup = 1;
  l.summary = {{"measured", 3}, {"output_tps", 1.0 / 3}, {"ttft_s", {{"p99", 1e-7}}}, {"meets_slo", true}};
  return l;
}

// Every shape of request: ok and failed, open and closed loop, with and
// without a first byte.
std::vector<PerfRecord> requests() {
  std::vector<PerfRecord> out;
  for (int i = 0; i < 6; ++i) {
    PerfRecord r;
    r.index = i;
    r.scheduled_s = i % 2 ? 0.25 * i : -1;
    r.sent_s = 0.1 * i;
    r.dispatch_lag_s = i % 2 ? 1e-5 : 0;
    r.first_byte_s = i % 3 ? 0.01 * i : -1;
    r.end_s = 0.1 * i + 0.5;
    r.ok = i != 4;
    if (r.ok) {
      r.completion.ttft_s = 0.02;
      r.completion.ttfat_s = 0.03;
      r.completion.last_token_s = 0.4;
      r.completion.total_s = 0.41;
      r.completion.usage.prompt_tokens = 64;
      r.completion.usage.completion_tokens = 32;
      r.completion.usage.reasoning_tokens = i == 2 ? -1 : 16;
      r.completion.chunks = {{0.02, true}, {0.2, false}, {0.4, false}};
    } else {
      r.error.code = ErrorCode::kServer;
      r.error.message = "HTTP 503: overloaded \xff";  // not UTF-8: becomes U+FFFD in PostgreSQL
      r.error.http_status = 503;
    }
    out.push_back(r);
  }
  return out;
}

void expect_same_runs(const std::vector<PerfRunRecord>& a, const std::vector<PerfRunRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].model, b[i].model);
    EXPECT_EQ(a[i].model_id, b[i].model_id);
    EXPECT_EQ(a[i].engine, b[i].engine);
    EXPECT_EQ(a[i].mode, b[i].mode);
    EXPECT_EQ(a[i].version, b[i].version);
    EXPECT_EQ(a[i].seed, b[i].seed);
    EXPECT_EQ(a[i].started_at, b[i].started_at);
    EXPECT_EQ(a[i].config, b[i].config);
    EXPECT_EQ(a[i].config.dump(), b[i].config.dump());
  }
}

void expect_same_levels(const std::vector<PerfLevelRecord>& a, const std::vector<PerfLevelRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].run_id, b[i].run_id);
    EXPECT_EQ(a[i].level, b[i].level);
    EXPECT_EQ(a[i].concurrency, b[i].concurrency);
    EXPECT_EQ(a[i].rate, b[i].rate);  // exactly
    EXPECT_EQ(a[i].warmup, b[i].warmup);
    EXPECT_EQ(a[i].summary.dump(), b[i].summary.dump());
  }
}

// A SQLite file, or a fresh database on the test's PostgreSQL server.
class PerfStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rigor_perf_store_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Three runs, the last two started in the same second (ordered by id,
  // bytewise: "B" before "a"), with levels written out of order.
  static void fill(PerfStore& store) {
    store.put_run(run_record("perf-late", "2025-01-02T00:00:00Z"));
    store.put_run(run_record("perf-a", "2025-01-01T00:00:00Z"));
    store.put_run(run_record("perf-B", "2025-01-01T00:00:00Z"));
    store.put_level(level_record("perf-a", 1, 1.0 / 3), requests());
    store.put_level(level_record("perf-a", 0, 0), requests());
    store.put_level(level_record("perf-B", 0, 0.1 + 0.2), requests());
  }

  std::filesystem::path dir_;
};

class PerfStoreBackendTest : public PerfStoreTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    PerfStoreTest::SetUp();
    if (GetParam() == "sqlite") {
      location_ = (dir_ / "perf.db").string();
      return;
    }
    RIGOR_PG_DATABASE(location_, "perf");
  }
  std::string location_;
};

INSTANTIATE_TEST_SUITE_P(Backends, PerfStoreBackendTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(PerfStoreBackendTest, RunsAndLevelsReadBackAsWrittenInOrder) {
  {
    PerfStore store(location_);
    fill(store);
  }
  PerfStore store(location_);  // a second open finds the tables and keeps them
  const auto runs = store.runs();
  expect_same_runs(runs, {run_record("perf-B", "2025-01-01T00:00:00Z"), run_record("perf-a", "2025-01-01T00:00:00Z"),
                          run_record("perf-late", "2025-01-02T00:00:00Z")});
  EXPECT_EQ(runs[0].seed, 0xFFFFFFFFFFFFFFF0ull);
  expect_same_levels(store.levels("perf-a"), {level_record("perf-a", 0, 0), level_record("perf-a", 1, 1.0 / 3)});
  expect_same_levels(store.levels("perf-B"), {level_record("perf-B", 0, 0.1 + 0.2)});
  EXPECT_TRUE(store.levels("perf-late").empty());
  EXPECT_EQ(store.request_count("perf-a"), 12);
  EXPECT_EQ(store.request_count("perf-B"), 6);
  EXPECT_EQ(store.request_count("perf-late"), 0);
}

TEST_P(PerfStoreBackendTest, ALevelWrittenAgainIsReplacedNotDoubled) {
  PerfStore store(location_);
  store.put_run(run_record("perf-x", "2025-01-01T00:00:00Z"));
  store.put_level(level_record("perf-x", 0, 2), requests());
  PerfLevelRecord again = level_record("perf-x", 0, 5);
  again.summary["measured"] = 4;
  store.put_level(again, requests());
  expect_same_levels(store.levels("perf-x"), {again});
  EXPECT_EQ(store.request_count("perf-x"), 6);
}

TEST_P(PerfStoreBackendTest, AnExistingRunIdIsRefusedNamingTheDatabase) {
  PerfStore store(location_);
  store.put_run(run_record("perf-x", "2025-01-01T00:00:00Z"));
  PerfRunRecord other = run_record("perf-x", "2025-01-03T00:00:00Z");
  other.model = "someone else";
  try {
    store.put_run(other);
    FAIL() << "a second run with the same id was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(location_), std::string::npos) << e.what();
  }
  expect_same_runs(store.runs(), {run_record("perf-x", "2025-01-01T00:00:00Z")});
}

TEST_P(PerfStoreBackendTest, AFailedLevelLeavesNothingBehind) {
  PerfStore store(location_);
  store.put_run(run_record("perf-x", "2025-01-01T00:00:00Z"));
  // Input each backend refuses after the level row is in: SQLite stores a
  // NaN as NULL (sent_s is NOT NULL); one PostgreSQL upsert cannot hold an
  // index twice.
  std::vector<PerfRecord> bad = requests();
  bad.push_back(bad[0]);
  bad.back().sent_s = std::nan("");
  EXPECT_ANY_THROW(store.put_level(level_record("perf-x", 0, 2), bad));
  EXPECT_TRUE(store.levels("perf-x").empty());
  EXPECT_EQ(store.request_count("perf-x"), 0);
}

// What rigor db copy reads: every field as written (chunk times without
// their reasoning flag, which is not stored; PostgreSQL's text holds no
// invalid UTF-8).
TEST_P(PerfStoreBackendTest, RequestsReadBackAsWritten) {
  PerfStore store(location_);
  store.put_run(run_record("perf-x", "2025-01-01T00:00:00Z"));
  const std::vector<PerfRecord> written = requests();
  store.put_level(level_record("perf-x", 1, 2), written);
  const std::vector<PerfRecord> read = store.requests("perf-x", 1);
  ASSERT_EQ(read.size(), written.size());
  for (size_t i = 0; i < read.size(); ++i) {
    const PerfRecord &a = written[i], &b = read[i];
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_EQ(b.index, a.index);
    EXPECT_EQ(b.scheduled_s, a.scheduled_s);  // exactly, -1 (closed loop) included
    EXPECT_EQ(b.sent_s, a.sent_s);
    EXPECT_EQ(b.dispatch_lag_s, a.dispatch_lag_s);
    EXPECT_EQ(b.end_s, a.end_s);
    EXPECT_EQ(b.first_byte_s, a.first_byte_s);
    ASSERT_EQ(b.ok, a.ok);
    if (!a.ok) {
      EXPECT_EQ(b.error.code, a.error.code);
      EXPECT_EQ(b.error.message, GetParam() == "sqlite" ? a.error.message : "HTTP 503: overloaded \uFFFD");
      EXPECT_EQ(b.error.http_status, a.error.http_status);
      continue;
    }
    EXPECT_EQ(b.completion.ttft_s, a.completion.ttft_s);
    EXPECT_EQ(b.completion.ttfat_s, a.completion.ttfat_s);
    EXPECT_EQ(b.completion.last_token_s, a.completion.last_token_s);
    EXPECT_EQ(b.completion.total_s, a.completion.total_s);
    EXPECT_EQ(b.completion.usage.prompt_tokens, a.completion.usage.prompt_tokens);
    EXPECT_EQ(b.completion.usage.completion_tokens, a.completion.usage.completion_tokens);
    EXPECT_EQ(b.completion.usage.reasoning_tokens, a.completion.usage.reasoning_tokens);
    ASSERT_EQ(b.completion.chunks.size(), a.completion.chunks.size());
    for (size_t c = 0; c < a.completion.chunks.size(); ++c)
      EXPECT_EQ(b.completion.chunks[c].t_s, a.completion.chunks[c].t_s);
  }
  EXPECT_TRUE(store.requests("perf-x", 0).empty());
  EXPECT_TRUE(store.requests("perf-y", 1).empty());
}

// Reports and the source of a copy open the store read-only: a store that
// never held a perf run reads as empty and is left without perf tables.
TEST_P(PerfStoreBackendTest, ReadOnlyNeverCreatesTheTablesOrWrites) {
  if (GetParam() == "sqlite") {
    EXPECT_THROW(PerfStore(location_, StoreMode::kReadOnly), StoreOpenError);  // no file: not created
    EXPECT_FALSE(std::filesystem::exists(location_));
    Store results(location_);  // a results store, without perf tables
  }
  {
    PerfStore reader(location_, StoreMode::kReadOnly);
    EXPECT_TRUE(reader.runs().empty());
    EXPECT_TRUE(reader.levels("perf-x").empty());
    EXPECT_EQ(reader.request_count("perf-x"), 0);
    EXPECT_TRUE(reader.requests("perf-x", 0).empty());
  }
  const std::string probe = "SELECT count(*) FROM perf_runs";
  if (GetParam() == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(location_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(db, probe.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << "perf_runs was created";
    sqlite3_close(db);
  } else {
    EXPECT_EQ(PgServer::shared().query(location_, "SELECT to_regclass('perf_runs') IS NULL"), "t");
  }
  {
    PerfStore writer(location_);
    writer.put_run(run_record("perf-x", "2025-01-01T00:00:00Z"));
  }
  PerfStore reader(location_, StoreMode::kReadOnly);
  EXPECT_EQ(reader.runs().size(), 1u);
  EXPECT_ANY_THROW(reader.put_run(run_record("perf-y", "2025-01-01T00:00:00Z")));
  EXPECT_EQ(PerfStore(location_).runs().size(), 1u);
}

TEST_F(PerfStoreTest, BothBackendsReadTheSameRecordsAndStoreTheSameNulls) {
  std::string url;
  RIGOR_PG_DATABASE(url, "perf");
  const std::string path = (dir_ / "perf.db").string();
  {
    PerfStore sqlite(path), pg(url);
    fill(sqlite);
    fill(pg);
    expect_same_runs(sqlite.runs(), pg.runs());
    for (const auto& r : sqlite.runs()) {
      expect_same_levels(sqlite.levels(r.id), pg.levels(r.id));
      EXPECT_EQ(sqlite.request_count(r.id), pg.request_count(r.id));
    }
  }

  // The raw rows: which columns are NULL, and the integer and text columns.
  const std::string sql =
      "SELECT run_id || ' ' || level || ' ' || idx || ' ' || ok || ' ' || "
      "(CASE WHEN scheduled_s IS NULL THEN 'N' ELSE 'v' END) || (CASE WHEN first_byte_s IS NULL THEN 'N' ELSE 'v' END) "
      "|| ' ' || COALESCE(error_kind, 'N') || ' ' || COALESCE(CAST(http_status AS TEXT), 'N') || ' ' || "
      "(CASE WHEN ttft_s IS NULL THEN 'N' ELSE 'v' END) || (CASE WHEN ttfat_s IS NULL THEN 'N' ELSE 'v' END) || "
      "(CASE WHEN last_token_s IS NULL THEN 'N' ELSE 'v' END) || (CASE WHEN total_s IS NULL THEN 'N' ELSE 'v' END) "
      "|| ' ' || COALESCE(CAST(prompt_tokens AS TEXT), 'N') || ' ' || COALESCE(CAST(completion_tokens AS TEXT), 'N') "
      "|| ' ' || COALESCE(CAST(reasoning_tokens AS TEXT), 'N') || ' ' || COALESCE(chunk_times_json, 'N') || ' ' || "
      "(CASE WHEN error_message IS NULL THEN 'N' ELSE 'v' END) FROM perf_requests ORDER BY run_id, level, idx";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string from_sqlite;
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (sqlite3_step(s) == SQLITE_ROW) {
    from_sqlite += (from_sqlite.empty() ? "" : "\n") + std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  const std::string from_pg = PgServer::shared().query(url, sql);
  EXPECT_EQ(from_sqlite, from_pg);
  // Closed loop and no first byte are NULL; a failed request has no timings
  // or usage, an ok one no error.
  EXPECT_NE(from_sqlite.find("perf-B 0 0 1 NN N N vvvv 64 32 16 [0.02,0.2,0.4] N"), std::string::npos) << from_sqlite;
  EXPECT_NE(from_sqlite.find("perf-B 0 4 0 Nv server 503 NNNN N N N N v"), std::string::npos) << from_sqlite;
}

TEST_F(PerfStoreTest, RunsAreInBytewiseOrderAlsoInADatabaseWithALocale) {
  std::string plain;
  RIGOR_PG_DATABASE(plain, "perf");  // the test server's databases sort bytewise anyway
  PgServer& pg = PgServer::shared();
  // Under en-US "perf-a" sorts before "perf-B"; SQLite (and the report) has them the other way.
  const std::string name = PgServer::unique_name("perf_icu");
  try {
    pg.query(pg.url("postgres"), "CREATE DATABASE " + name +
                                     " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no ICU collation on this server: " << e.what();
  }
  PerfStore sqlite((dir_ / "perf.db").string()), c(plain), icu(pg.url(name));
  for (PerfStore* s : {&sqlite, &c, &icu}) fill(*s);
  expect_same_runs(sqlite.runs(), c.runs());
  expect_same_runs(sqlite.runs(), icu.runs());
  EXPECT_EQ(icu.runs()[0].id, "perf-B");
}

TEST_F(PerfStoreTest, ConcurrentFirstOpensAllCreateTheSameTables) {
  std::string url;
  RIGOR_PG_DATABASE(url, "perf");
  std::vector<std::thread> threads;
  std::vector<std::string> errors(8);
  for (size_t i = 0; i < errors.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        PerfStore store(url);
        store.put_run(run_record("perf-" + std::to_string(i), "2025-01-01T00:00:00Z"));
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(PerfStore(url).runs().size(), 8u);
}

TEST_F(PerfStoreTest, AUrlWithAPasswordIsRefusedAsByTheResultsStore) {
  const std::string url = "postgresql://rigor:secret@127.0.0.1:1/perf";
  std::string perf_error, store_error;
  try {
    PerfStore store(url);
  } catch (const StoreOpenError& e) {
    perf_error = e.what();
  }
  try {
    Store store(url);
  } catch (const StoreOpenError& e) {
    store_error = e.what();
  }
  EXPECT_NE(perf_error.find("password is refused"), std::string::npos) << perf_error;
  EXPECT_EQ(perf_error, store_error);
}

TEST_F(PerfStoreTest, AnUnreachableServerIsAnErrorNamingTheUrl) {
  const std::string url = "postgresql://rigor@127.0.0.1:1/perf";
  try {
    PerfStore store(url);
    FAIL() << "opened " << url;
  } catch (const StoreOpenError& e) {
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rigor
