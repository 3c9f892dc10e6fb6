#include "store/store.h"

#include <unistd.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/pg_server.h"

namespace rigor {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rigor_store_" + std::to_string(getpid()) + "_" +
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SampleRecord sample(const std::string& problem, int idx) {
    SampleRecord s;
    s.run_id = "r1";
    s.model = "m";
    s.suite = "aime24";
    s.problem_id = problem;
    s.sample_idx = idx;
    s.seed = 42;
    s.prompt = "p";
    s.response = "The answer is \\boxed{7} — ünïcode";
    s.completion_tokens = 120;
    s.ttft_s = 0.25;
    s.correct = true;
    s.extracted_ok = true;
    s.extracted = "7";
    return s;
  }

  std::filesystem::path dir_;
  std::string path_;
};

// The same tests on both backends: a SQLite file, and a fresh database on a
// real PostgreSQL server started for the test binary (tests/pg_server.h).
class StoreBackendTest : public StoreTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    location_ = path_;
    if (GetParam() != "postgres") return;
    RIGOR_PG_DATABASE(location_, "store");
  }
  std::string location_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreBackendTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(StoreBackendTest, SampleRoundTripsEveryField) {
  Store st(location_);
  SampleRecord s = sample("aime24/60", 0);
  s.permutation = "[2,0,1,3]";
  s.cached_tokens = 5;
  s.reasoning_tokens = 80;
  s.cost_usd = 0.00123;
  s.attempts = 3;
  s.truncated = true;
  s.finish_reason = "length";
  st.put_sample(s);
  auto got = st.samples("r1");
  ASSERT_EQ(got.size(), 1u);
  const auto& g = got[0];
  EXPECT_EQ(g.response, s.response);
  EXPECT_EQ(g.permutation, s.permutation);
  EXPECT_EQ(g.completion_tokens, 120);
  EXPECT_EQ(g.cached_tokens, 5);
  EXPECT_EQ(g.reasoning_tokens, 80);
  EXPECT_EQ(g.prompt_tokens, -1);  // unknown stays unknown
  EXPECT_DOUBLE_EQ(g.cost_usd, 0.00123);
  EXPECT_EQ(g.attempts, 3);
  EXPECT_TRUE(g.truncated);
  EXPECT_TRUE(g.correct);
  EXPECT_EQ(g.status, SampleStatus::kOk);
}

TEST_P(StoreBackendTest, SameKeyIsNeverDuplicated) {
  Store st(location_);
  SampleRecord s = sample("p1", 0);
  s.status = SampleStatus::kError;
  s.error = "timeout: idle";
  st.put_sample(s);
  s.status = SampleStatus::kOk;
  s.error.clear();
  st.put_sample(s);  // a resumed run retries the errored sample
  auto got = st.samples("r1");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, SampleStatus::kOk);
}

TEST_P(StoreBackendTest, FinishedKeysSkipErrors) {
  Store st(location_);
  st.put_sample(sample("p1", 0));
  SampleRecord e = sample("p1", 1);
  e.status = SampleStatus::kError;
  st.put_sample(e);
  auto keys = st.finished_keys("r1");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], sample_key("m", "aime24", "p1", 0));
}

// What a budget counts: positive costs, reported tokens (-1 is "not said").
TEST_P(StoreBackendTest, RunSpendSumsWhatTheBudgetCounts) {
  Store st(location_);
  EXPECT_EQ(st.run_spend("r1").usd, 0);
  EXPECT_EQ(st.run_spend("r1").tokens, 0);
  SampleRecord a = sample("p1", 0), b = sample("p1", 1), c = sample("p2", 0), other = sample("p3", 0);
  a.cost_usd = 0.25, a.prompt_tokens = 100, a.completion_tokens = 120;
  b.cost_usd = 0.125, b.prompt_tokens = -1, b.completion_tokens = 40;
  c.cost_usd = -1, c.prompt_tokens = 7, c.completion_tokens = -1;
  other.run_id = "r2", other.cost_usd = 9, other.prompt_tokens = 9;
  st.put_samples({a, b, c, other});
  const RunSpend s = st.run_spend("r1");
  EXPECT_EQ(s.usd, 0.375);
  EXPECT_EQ(s.tokens, 100 + 120 + 40 + 7);
  RunSpend counted;  // the same rule in C++, as a worker counts what it stored
  for (const SampleRecord& x : {a, b, c}) counted.add(x);
  EXPECT_EQ(counted.usd, s.usd);
  EXPECT_EQ(counted.tokens, s.tokens);
}

TEST_P(StoreBackendTest, RunsAndModelsPersistAcrossReopen) {
  {
    Store st(location_);
    RunRecord r;
    r.id = "r1";
    r.config_json = "{}";
    r.config_hash = "abc";
    r.version = "0.1.0";
    r.seed = 9;
    r.started_at = "2026-01-01T00:00:00Z";
    st.put_run(r);
    RunModelRecord m;
    m.run_id = "r1";
    m.model = "m";
    m.engine = "sim";
    m.pricing_json = R"({"input":1,"output":2})";
    st.put_run_model(m);
    st.add_run_model_wall("r1", "m", 1.5);
    st.put_run_model(m);  // a resumed session re-registers the model
    st.add_run_model_wall("r1", "m", 2.0);
    st.finish_run("r1", "2026-01-01T01:00:00Z");
  }
  Store st(location_);
  auto r = st.get_run("r1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seed, 9u);
  EXPECT_EQ(r->finished_at, "2026-01-01T01:00:00Z");
  auto models = st.run_models("r1");
  ASSERT_EQ(models.size(), 1u);
  EXPECT_DOUBLE_EQ(models[0].wall_s, 3.5);  // wall time adds up over sessions
  EXPECT_FALSE(st.get_run("nope"));
}

// Runs a script of SQL on a database at path, outside the Store.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_P(StoreBackendTest, CacheWriteTokensRoundTrip) {
  Store st(location_);
  SampleRecord s = sample("aime24/60", 0);
  s.prompt_tokens = 3000;
  s.cached_tokens = 1000;
  s.cache_write_tokens = 1500;
  st.put_sample(s);
  EXPECT_EQ(st.samples("r1").at(0).cache_write_tokens, 1500);
}

// limit_wait_s once arrived by an ALTER at schema version 1, so version-1
// databases come with and without it; both open, keep their samples and
// gain the columns of later versions.
TEST_F(StoreTest, VersionOneDatabasesAreMigratedWithTheirSamples) {
  const std::string v1 = read_file(std::string(RIGOR_TEST_DATA) + "/store_schema_v1.sql");
  ASSERT_FALSE(v1.empty());
  for (bool had_limit_wait : {false, true}) {
    SCOPED_TRACE(had_limit_wait);
    std::filesystem::remove(path_);
    run_sql(path_, v1);
    if (had_limit_wait) {
      run_sql(path_, "ALTER TABLE samples ADD COLUMN limit_wait_s REAL NOT NULL DEFAULT 0;"
                     "UPDATE samples SET limit_wait_s = 2.5;");
    }
    for (int open = 0; open < 2; ++open) {  // the second open finds nothing to do
      Store st(path_);
      const auto got = st.samples("r1");
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0].prompt_tokens, 1000);
      EXPECT_EQ(got[0].cached_tokens, 200);
      EXPECT_EQ(got[0].cache_write_tokens, -1) << "not reported before it was stored";
      EXPECT_DOUBLE_EQ(got[0].limit_wait_s, had_limit_wait ? 2.5 : 0.0);
      EXPECT_EQ(got[0].response, "The answer is 7");
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))), "6");
    sqlite3_finalize(q);
    sqlite3_close(db);
  }
}

TEST_F(StoreTest, DatabaseFromANewerRigorIsRefused) {
  { Store st(path_); }
  run_sql(path_, "UPDATE meta SET value='99' WHERE key='schema_version'");
  try {
    Store st(path_);
    FAIL() << "opened a version-99 database";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST_F(StoreTest, UnopenablePathIsAnErrorNamingIt) {
  std::string bad = (dir_ / "missing-dir" / "x.db").string();
  try {
    Store st(bad);
    FAIL() << "opened " << bad;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos);
  }
}

TEST_P(StoreBackendTest, VerifyAndItsRequestsRoundTripAcrossReopen) {
  VerifyRecord v{"verify-a-1", "a", "DeepSeek-R1", "2026-12-04T10:00:00Z", "", "", R"({"alpha":0.01})"};
  VerifyRequestRecord r;
  r.verify_id = v.id;
  r.seq = 1;
  r.test = "accuracy";
  r.item = "aime24/60";
  r.seed = 1ull << 63;  // above INT64_MAX: stored as its bits
  r.prompt = "Find x.";
  r.gold = "204";
  r.status = "ok";
  r.response = "\\boxed{204}";
  r.reasoning = "think";
  r.finish_reason = "stop";
  r.extracted = "204";
  r.correct = 1;
  r.prompt_tokens = 40;
  r.completion_tokens = 500;
  r.latency_s = 1.5;
  r.cost_usd = 0.002;
  {
    Store st(location_);
    st.put_verify(v);
    st.put_verify_request(r);
    VerifyRequestRecord probe = r;
    probe.seq = 0;
    probe.test = "tokenizer";
    probe.correct = -1;
    st.put_verify_request(probe);
    v.finished_at = "2026-12-04T10:01:00Z";
    v.verdict = "consistent";
    st.put_verify(v);  // the same id again: replaced, not duplicated
  }
  Store st(location_, StoreMode::kReadOnly);
  auto all = st.list_verifies();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].verdict, "consistent");
  EXPECT_EQ(all[0].finished_at, "2026-12-04T10:01:00Z");
  EXPECT_EQ(all[0].detail_json, R"({"alpha":0.01})");
  ASSERT_TRUE(st.get_verify("verify-a-1"));
  EXPECT_FALSE(st.get_verify("verify-b"));
  auto reqs = st.verify_requests(v.id);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].test, "tokenizer");  // seq order
  const auto& got = reqs[1];
  EXPECT_EQ(got.seed, r.seed);
  EXPECT_EQ(got.item, "aime24/60");
  EXPECT_EQ(got.response, r.response);
  EXPECT_EQ(got.reasoning, "think");
  EXPECT_EQ(got.extracted, "204");
  EXPECT_EQ(got.correct, 1);
  EXPECT_EQ(got.prompt_tokens, 40);
  EXPECT_EQ(got.cached_tokens, -1);
  EXPECT_EQ(got.completion_tokens, 500);
  EXPECT_DOUBLE_EQ(got.latency_s, 1.5);
  EXPECT_DOUBLE_EQ(got.cost_usd, 0.002);
}

TEST_P(StoreBackendTest, NumbersComeBackExactlyAndSamplesInBytewiseOrder) {
  Store st(location_);
  // Problem ids whose order differs between bytewise and locale collation.
  const std::vector<std::string> ids = {"b", "B", "a", "_x", "Z"};
  const double values[] = {0.1 + 0.2, 1e-300, 123456.789012345678, -1, 5e-324};
  for (size_t i = 0; i < ids.size(); ++i) {
    SampleRecord s = sample(ids[i], 0);
    s.ttft_s = values[i];
    s.cost_usd = values[(i + 1) % ids.size()];
    s.seed = ~uint64_t{0} - i;  // above INT64_MAX: stored as its bits
    s.prompt_tokens = int64_t{1} << 40;
    st.put_sample(s);
  }
  auto got = st.samples("r1");
  ASSERT_EQ(got.size(), ids.size());
  std::vector<std::string> order;
  for (const auto& g : got) order.push_back(g.problem_id);
  EXPECT_EQ(order, (std::vector<std::string>{"B", "Z", "_x", "a", "b"}));
  for (const auto& g : got) {
    const size_t i = static_cast<size_t>(std::find(ids.begin(), ids.end(), g.problem_id) - ids.begin());
    EXPECT_EQ(g.ttft_s, values[i]) << g.problem_id;  // bit for bit, not nearly
    EXPECT_EQ(g.cost_usd, values[(i + 1) % ids.size()]) << g.problem_id;
    EXPECT_EQ(g.seed, ~uint64_t{0} - i);
    EXPECT_EQ(g.prompt_tokens, int64_t{1} << 40);
  }
}

TEST_P(StoreBackendTest, ModelOutputWithNulAndBrokenUtf8IsStoredNotRefused) {
  Store st(location_);
  SampleRecord s = sample("p", 0);
  s.response = std::string("ok\0after", 8) + "\xff\xfe end \xe2\x82";  // NUL, invalid bytes, a cut sequence
  st.put_sample(s);
  auto got = st.samples("r1");
  ASSERT_EQ(got.size(), 1u);
  if (GetParam() == "sqlite") {
    EXPECT_EQ(got[0].response, s.response);  // SQLite keeps the bytes
  } else {
    // PostgreSQL text holds neither: each bad byte becomes U+FFFD, nothing is lost silently.
    EXPECT_EQ(got[0].response, "ok\xEF\xBF\xBD" "after\xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD");
  }
}

TEST_P(StoreBackendTest, ReadOnlyOpenReadsAndRefusesWrites) {
  { Store st(location_); st.put_sample(sample("p", 0)); }
  Store ro(location_, StoreMode::kReadOnly);
  EXPECT_EQ(ro.samples("r1").size(), 1u);
  EXPECT_ANY_THROW(ro.put_sample(sample("p", 1)));
}

}  // namespace
}  // namespace rigor
