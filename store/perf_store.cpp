#include "store/perf_store.h"

#include "store/sqlite_stmt.h"

#include <stdexcept>

#include <fmt/format.h>

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

// A statement whose errors name the perf store.
class Stmt : public SqliteStmt {
 public:
  Stmt(sqlite3* db, const char* sql) : SqliteStmt(db, sql, "perf store") {}
};

}  // namespace

PerfStore::PerfStore(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("cannot open database {}: {}", path, why));
  }
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  exec(kSchema);
}

PerfStore::~PerfStore() { sqlite3_close(db_); }

void PerfStore::exec(const char* sql) { sqlite_exec(db_, sql, fmt::format("database {}", path_).c_str()); }

void PerfStore::put_run(const PerfRunRecord& r) {
  // A plain INSERT: an id clash is an error, never an overwritten run.
  Stmt s(db_, "INSERT INTO perf_runs VALUES(?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.id).bind(2, r.model).bind(3, r.model_id).bind(4, r.engine).bind(5, r.mode).bind(6, r.version);
  s.bind(7, static_cast<int64_t>(r.seed)).bind(8, r.started_at).bind(9, r.config.dump());
  s.step();
}

void PerfStore::put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) {
  exec("BEGIN IMMEDIATE");
  try {
    Stmt l(db_, "INSERT OR REPLACE INTO perf_levels VALUES(?,?,?,?,?,?)");
    l.bind(1, level.run_id).bind(2, static_cast<int64_t>(level.level)).bind(3, static_cast<int64_t>(level.concurrency));
    l.bind(4, level.rate).bind(5, static_cast<int64_t>(level.warmup)).bind(6, level.summary.dump());
    l.step();
    Stmt q(db_, "INSERT OR REPLACE INTO perf_requests VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const PerfRecord& r : requests) {
      q.reset();
      q.bind(1, level.run_id).bind(2, static_cast<int64_t>(level.level)).bind(3, r.index);
      if (r.scheduled_s >= 0) q.bind(4, r.scheduled_s); else q.null(4);
      q.bind(5, r.sent_s).bind(6, r.dispatch_lag_s).bind(7, r.end_s);
      if (r.first_byte_s >= 0) q.bind(8, r.first_byte_s); else q.null(8);
      q.bind(9, static_cast<int64_t>(r.ok));
      if (r.ok) {
        q.null(10).null(11).null(12);
        const Completion& c = r.completion;
        q.bind(13, c.ttft_s).bind(14, c.ttfat_s).bind(15, c.last_token_s).bind(16, c.total_s);
        q.bind(17, c.usage.prompt_tokens).bind(18, c.usage.completion_tokens).bind(19, c.usage.reasoning_tokens);
        nlohmann::json times = nlohmann::json::array();
        for (const ChunkTime& t : c.chunks) times.push_back(t.t_s);
        q.bind(20, times.dump());
      } else {
        q.bind(10, std::string(to_string(r.error.code))).bind(11, r.error.message);
        q.bind(12, static_cast<int64_t>(r.error.http_status));
      }
      q.step();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<PerfRunRecord> PerfStore::runs() {
  std::vector<PerfRunRecord> out;
  Stmt s(db_, "SELECT id, model, model_id, engine, mode, version, seed, started_at, config_json FROM perf_runs "
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

std::vector<PerfLevelRecord> PerfStore::levels(const std::string& run_id) {
  std::vector<PerfLevelRecord> out;
  Stmt s(db_, "SELECT level, concurrency, rate, warmup, summary_json FROM perf_levels WHERE run_id=? ORDER BY level");
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

int PerfStore::request_count(const std::string& run_id) {
  Stmt s(db_, "SELECT COUNT(*) FROM perf_requests WHERE run_id=?");
  s.bind(1, run_id);
  s.step();
  return static_cast<int>(s.i64(0));
}

}  // namespace rigor
