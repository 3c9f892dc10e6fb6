#include "store/perf_store.h"

#include <sqlite3.h>

#include <stdexcept>

#include <fmt/format.h>

#include "store/perf_store_backend.h"
#include "store/sqlite_stmt.h"
#include "store/store.h"

namespace rigor {

namespace {

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS perf_runs(
  id TEXT PRIMARY KEY, model TEXT NOT NULL, model_id TEXT NOT NULL, engine TEXT NOT NULL,
  mode TEXT NOT NULL, version TEXT NOT NULL, seed INTEGER NOT NULL, started_at TEXT NOT NULL,
  config_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS perf_levels(
  run_id TEXT NOT NULL REFERENCES perf_runs(id), level INTEGER NOT NULL, concurrency INTEGER NOT NULL,
  rate REAL NOT NULL, warmup INTEGER NOT NULL, summary_json TEXT NOT NULL, PRIMARY KEY(run_id, level));
CREATE TABLE IF NOT EXISTS perf_requests(
  run_id TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL,
  scheduled_s REAL, sent_s REAL NOT NULL, dispatch_lag_s REAL NOT NULL, end_s REAL NOT NULL,
  first_byte_s REAL, ok INTEGER NOT NULL, error_kind TEXT, error_message TEXT, http_status INTEGER,
  ttft_s REAL, ttfat_s REAL, last_token_s REAL, total_s REAL,
  prompt_tokens INTEGER, completion_tokens INTEGER, reasoning_tokens INTEGER,
  chunk_times_json TEXT, PRIMARY KEY(run_id, level, idx));
)";

class SqlitePerfStore final : public PerfStoreBackend {
 public:
  SqlitePerfStore(const std::string& path, StoreMode mode);
  ~SqlitePerfStore() override { sqlite3_close(db_); }

  void put_run(const PerfRunRecord& run) override;
  void put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) override;
  std::vector<PerfRunRecord> runs() override;
  std::vector<PerfLevelRecord> levels(const std::string& run_id) override;
  int request_count(const std::string& run_id) override;
  std::vector<PerfRecord> requests(const std::string& run_id, int level) override;

 private:
  void exec(const char* sql) { sqlite_exec(db_, sql, what_.c_str()); }
  // A statement whose errors name the database.
  SqliteStmt stmt(const char* sql) { return SqliteStmt(db_, sql, what_.c_str()); }

  sqlite3* db_ = nullptr;
  std::string what_;  // "database PATH", the prefix of every error
  bool tables_ = true;  // false: read-only, and no perf run was ever stored here
};

SqlitePerfStore::SqlitePerfStore(const std::string& path, StoreMode mode)
    : db_(open_sqlite(path, mode)), what_(fmt::format("database {}", path)) {
  try {
    if (mode == StoreMode::kReadOnly) {
      SqliteStmt s = stmt("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                          "('perf_runs','perf_levels','perf_requests')");
      s.step();
      tables_ = s.i64(0) == 3;
    } else {
      exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
      exec(kSchema);
    }
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

void SqlitePerfStore::put_run(const PerfRunRecord& r) {
  // A plain INSERT: an id clash is an error, never an overwritten run.
  SqliteStmt s = stmt("INSERT INTO perf_runs VALUES(?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.id).bind(2, r.model).bind(3, r.model_id).bind(4, r.engine).bind(5, r.mode).bind(6, r.version);
  s.bind(7, static_cast<int64_t>(r.seed)).bind(8, r.started_at).bind(9, r.config.dump());
  s.step();
}

// perf_request_row's values as the next parameters of a statement.
struct SqliteRow {
  SqliteStmt& q;
  int i = 0;
  template <typename T>
  void add(const T& v) {
    q.bind(++i, v);
  }
  void null() { q.null(++i); }
};

void SqlitePerfStore::put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) {
  exec("BEGIN IMMEDIATE");
  try {
    SqliteStmt l = stmt("INSERT OR REPLACE INTO perf_levels VALUES(?,?,?,?,?,?)");
    l.bind(1, level.run_id).bind(2, static_cast<int64_t>(level.level)).bind(3, static_cast<int64_t>(level.concurrency));
    l.bind(4, level.rate).bind(5, static_cast<int64_t>(level.warmup)).bind(6, level.summary.dump());
    l.step();
    SqliteStmt q = stmt("INSERT OR REPLACE INTO perf_requests VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const PerfRecord& r : requests) {
      q.reset();
      SqliteRow row{q};
      perf_request_row(level, r, row);
      q.step();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<PerfRunRecord> SqlitePerfStore::runs() {
  std::vector<PerfRunRecord> out;
  if (!tables_) return out;
  SqliteStmt s = stmt("SELECT id, model, model_id, engine, mode, version, seed, started_at, config_json FROM perf_runs "
                      "ORDER BY started_at, id");
  while (s.step()) {
    PerfRunRecord r;
    r.id = s.text(0);
    r.model = s.text(1);
    r.model_id = s.text(2);
    r.engine = s.text(3);
    r.mode = s.text(4);
    r.version = s.text(5);
    r.seed = static_cast<uint64_t>(s.i64(6));
    r.started_at = s.text(7);
    r.config = nlohmann::json::parse(s.text(8), nullptr, false);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<PerfLevelRecord> SqlitePerfStore::levels(const std::string& run_id) {
  std::vector<PerfLevelRecord> out;
  if (!tables_) return out;
  SqliteStmt s =
      stmt("SELECT level, concurrency, rate, warmup, summary_json FROM perf_levels WHERE run_id=? ORDER BY level");
  s.bind(1, run_id);
  while (s.step()) {
    PerfLevelRecord l;
    l.run_id = run_id;
    l.level = static_cast<int>(s.i64(0));
    l.concurrency = static_cast<int>(s.i64(1));
    l.rate = s.real(2);
    l.warmup = static_cast<int>(s.i64(3));
    l.summary = nlohmann::json::parse(s.text(4), nullptr, false);
    out.push_back(std::move(l));
  }
  return out;
}

int SqlitePerfStore::request_count(const std::string& run_id) {
  if (!tables_) return 0;
  SqliteStmt s = stmt("SELECT COUNT(*) FROM perf_requests WHERE run_id=?");
  s.bind(1, run_id);
  s.step();
  return static_cast<int>(s.i64(0));
}

std::vector<PerfRecord> SqlitePerfStore::requests(const std::string& run_id, int level) {
  std::vector<PerfRecord> out;
  if (!tables_) return out;
  SqliteStmt s = stmt("SELECT * FROM perf_requests WHERE run_id=? AND level=? ORDER BY idx");
  s.bind(1, run_id).bind(2, static_cast<int64_t>(level));
  while (s.step()) out.push_back(perf_record_of_row(s));
  return out;
}

}  // namespace

PerfStore::PerfStore(const std::string& location, StoreMode mode)
    : impl_(is_postgres_url(location) ? open_postgres_perf_store(location, mode)
                                      : std::make_unique<SqlitePerfStore>(location, mode)) {}

PerfStore::~PerfStore() = default;

void PerfStore::put_run(const PerfRunRecord& run) { impl_->put_run(run); }

void PerfStore::put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) {
  impl_->put_level(level, requests);
}

std::vector<PerfRunRecord> PerfStore::runs() { return impl_->runs(); }

std::vector<PerfLevelRecord> PerfStore::levels(const std::string& run_id) { return impl_->levels(run_id); }

int PerfStore::request_count(const std::string& run_id) { return impl_->request_count(run_id); }

std::vector<PerfRecord> PerfStore::requests(const std::string& run_id, int level) {
  return impl_->requests(run_id, level);
}

}  // namespace rigor
