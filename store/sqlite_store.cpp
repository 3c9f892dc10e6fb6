// The SQLite backend: one file in WAL mode, one connection behind a mutex.
#include "store/sqlite_stmt.h"
#include "store/store_backend.h"

#include <sqlite3.h>

#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

namespace rigor {
namespace {

// The tables as schema version 1 created them; later versions are the
// numbered migrations below.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, config_json TEXT NOT NULL, config_hash TEXT NOT NULL,
  version TEXT NOT NULL, seed INTEGER NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '', tag TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS run_models (
  run_id TEXT NOT NULL, model TEXT NOT NULL, engine TEXT NOT NULL, model_id TEXT NOT NULL,
  server_label TEXT NOT NULL, simulated INTEGER NOT NULL, pricing_json TEXT NOT NULL,
  wall_s REAL NOT NULL DEFAULT 0, PRIMARY KEY (run_id, model));
CREATE TABLE IF NOT EXISTS samples (
  run_id TEXT NOT NULL, model TEXT NOT NULL, suite TEXT NOT NULL, problem_id TEXT NOT NULL,
  sample_idx INTEGER NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL,
  prompt TEXT NOT NULL, gold TEXT NOT NULL, permutation TEXT NOT NULL,
  response TEXT NOT NULL, reasoning TEXT NOT NULL, extracted TEXT NOT NULL,
  extracted_ok INTEGER NOT NULL, correct INTEGER NOT NULL, score_reason TEXT NOT NULL,
  finish_reason TEXT NOT NULL, truncated INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
  ttft_s REAL NOT NULL, ttfat_s REAL NOT NULL, decode_tps REAL NOT NULL,
  latency_s REAL NOT NULL, started_s REAL NOT NULL, cost_usd REAL NOT NULL,
  error TEXT NOT NULL, attempts INTEGER NOT NULL, server_model TEXT NOT NULL,
  PRIMARY KEY (run_id, model, suite, problem_id, sample_idx));
)sql";


using Stmt = SqliteStmt;

void exec(sqlite3* db, const char* sql) { sqlite_exec(db, sql); }

bool has_column(sqlite3* db, const char* table, const std::string& column) {
  for (Stmt cols(db, fmt::format("PRAGMA table_info({})", table).c_str()); cols.step();) {
    if (cols.text(1) == column) return true;
  }
  return false;
}

// Migration i takes a database from schema version i - 1 to i. A released
// migration is never edited: a change to the schema is a new one at the end.
struct Migration {
  int version;
  void (*apply)(sqlite3* db);
};

constexpr Migration kMigrations[] = {
    {1, [](sqlite3* db) { exec(db, kSchemaV1); }},
    // Rate limits: time a request was held back. Some version-1 databases
    // already have it (it was once added without a version of its own).
    {2,
     [](sqlite3* db) {
       if (!has_column(db, "samples", "limit_wait_s")) {
         exec(db, "ALTER TABLE samples ADD COLUMN limit_wait_s REAL NOT NULL DEFAULT 0");
       }
     }},
    // Anthropic's cache writes, priced apart from input; -1: not reported.
    {3, [](sqlite3* db) { exec(db, "ALTER TABLE samples ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT -1"); }},
    // Who is running a run now: one rigor process per run at a time.
    {4,
     [](sqlite3* db) {
       exec(db,
            "CREATE TABLE IF NOT EXISTS run_leases (run_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, "
            "host TEXT NOT NULL, heartbeat REAL NOT NULL)");
     }},
    // rigor verify: one row per verify, every request it sent.
    {5,
     [](sqlite3* db) {
       exec(db, R"sql(
CREATE TABLE IF NOT EXISTS verifies (
  id TEXT PRIMARY KEY, model TEXT NOT NULL, claim TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL, verdict TEXT NOT NULL, detail_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS verify_requests (
  verify_id TEXT NOT NULL, seq INTEGER NOT NULL, test TEXT NOT NULL, item TEXT NOT NULL,
  seed INTEGER NOT NULL, prompt TEXT NOT NULL, gold TEXT NOT NULL, status TEXT NOT NULL,
  response TEXT NOT NULL, reasoning TEXT NOT NULL, finish_reason TEXT NOT NULL, error TEXT NOT NULL,
  extracted TEXT NOT NULL, correct INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
  latency_s REAL NOT NULL, cost_usd REAL NOT NULL, PRIMARY KEY (verify_id, seq));
)sql");
     }},
    // The work queue of runs shared by workers. Only the PostgreSQL store
    // serves it; the tables are here too so that both backends have one
    // schema and `rigor db copy` moves them unchanged.
    {6,
     [](sqlite3* db) {
       exec(db, R"sql(
CREATE TABLE IF NOT EXISTS work_items (
  run_id TEXT NOT NULL, model TEXT NOT NULL, suite TEXT NOT NULL, problem_id TEXT NOT NULL,
  sample_idx INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'waiting', worker TEXT NOT NULL DEFAULT '',
  lease_until REAL NOT NULL DEFAULT 0, claims INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, model, suite, problem_id, sample_idx));
CREATE TABLE IF NOT EXISTS run_workers (
  run_id TEXT NOT NULL, worker TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
  started_at TEXT NOT NULL, heartbeat REAL NOT NULL, PRIMARY KEY (run_id, worker));
)sql");
     }},
};

constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// 0 for a new database.
int schema_version(sqlite3* db) {
  if (!Stmt(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").step()) return 0;
  Stmt get(db, "SELECT value FROM meta WHERE key='schema_version'");
  return get.step() ? parse_schema_version(get.text(0)) : 0;
}

// Brings the database to kSchemaVersion, each step in the transaction that
// records it, so a concurrent opener sees a version and its tables together.
void migrate(sqlite3* db) {
  // Without a write lock while nothing is to be done: readers (a report)
  // then need none.
  if (schema_version(db) == kSchemaVersion) return;
  exec(db, "BEGIN IMMEDIATE");
  try {
    const int from = schema_version(db);
    refuse_newer_schema(from, kSchemaVersion);
    for (const Migration& m : kMigrations) {
      if (m.version <= from) continue;
      m.apply(db);
      Stmt put(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)");
      put.bind(1, std::to_string(m.version)).step();
    }
    exec(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

const char* status_text(SampleStatus s) { return s == SampleStatus::kOk ? "ok" : "error"; }

RunRecord read_run(const Stmt& q) {
  RunRecord r;
  r.id = q.text(0);
  r.config_json = q.text(1);
  r.config_hash = q.text(2);
  r.version = q.text(3);
  r.seed = static_cast<uint64_t>(q.i64(4));
  r.started_at = q.text(5);
  r.finished_at = q.text(6);
  r.tag = q.text(7);
  return r;
}

}  // namespace


class SqliteStore final : public StoreBackend {
 public:
  SqliteStore(const std::string& path, StoreMode mode);
  ~SqliteStore() override;

  void put_run(const RunRecord& run) override;
  std::optional<RunRecord> get_run(const std::string& id) override;
  std::vector<RunRecord> list_runs() override;
  void finish_run(const std::string& id, const std::string& finished_at) override;
  void put_run_model(const RunModelRecord& m) override;
  void add_run_model_wall(const std::string& run_id, const std::string& model, double wall_s) override;
  std::vector<RunModelRecord> run_models(const std::string& run_id) override;
  void put_samples(const std::vector<SampleRecord>& batch) override;
  std::vector<SampleRecord> samples(const std::string& run_id) override;
  std::vector<std::string> finished_keys(const std::string& run_id) override;
  RunSpend run_spend(const std::string& run_id) override;
  std::optional<RunLeaseRecord> take_lease(const RunLeaseRecord& mine, double stale_after_s,
                                           const std::optional<RunLeaseRecord>& expected) override;
  bool renew_lease(const RunLeaseRecord& mine, double now) override;
  void release_lease(const RunLeaseRecord& mine) override;
  void put_verify(const VerifyRecord& v) override;
  std::optional<VerifyRecord> get_verify(const std::string& id) override;
  std::vector<VerifyRecord> list_verifies() override;
  void put_verify_request(const VerifyRequestRecord& r) override;
  std::vector<VerifyRequestRecord> verify_requests(const std::string& verify_id) override;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

SqliteStore::SqliteStore(const std::string& path, StoreMode mode) : path_(path) {
  // NOMUTEX: mu_ already serialises every use of the connection; SQLite's
  // own per-call mutex would lock again around each bind and step.
  db_ = open_sqlite(path, mode, SQLITE_OPEN_NOMUTEX);
  try {
    if (mode == StoreMode::kReadOnly) {
      require_readable_schema(schema_version(db_), kSchemaVersion);
    } else {
      // WAL + synchronous=NORMAL: a committed transaction survives a killed
      // process (not a power cut), at a fraction of FULL's fsync cost.
      exec(db_, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
      migrate(db_);
    }
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreOpenError(fmt::format("cannot use database {}: {}", path, e.what()));
  }
}

SqliteStore::~SqliteStore() {
  if (db_) sqlite3_close(db_);
}

void SqliteStore::put_run(const RunRecord& r) {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         "INSERT OR REPLACE INTO runs(id, config_json, config_hash, version, seed, started_at, finished_at, tag) "
         "VALUES(?,?,?,?,?,?,?,?)");
  q.bind(1, r.id).bind(2, r.config_json).bind(3, r.config_hash).bind(4, r.version);
  q.bind(5, static_cast<int64_t>(r.seed)).bind(6, r.started_at).bind(7, r.finished_at).bind(8, r.tag);
  q.step();
}

std::optional<RunRecord> SqliteStore::get_run(const std::string& id) {
  std::lock_guard lock(mu_);
  Stmt q(db_, "SELECT id, config_json, config_hash, version, seed, started_at, finished_at, tag FROM runs WHERE id=?");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return read_run(q);
}

std::vector<RunRecord> SqliteStore::list_runs() {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         "SELECT id, config_json, config_hash, version, seed, started_at, finished_at, tag FROM runs "
         "ORDER BY started_at, id");
  std::vector<RunRecord> out;
  while (q.step()) out.push_back(read_run(q));
  return out;
}

void SqliteStore::finish_run(const std::string& id, const std::string& finished_at) {
  std::lock_guard lock(mu_);
  Stmt q(db_, "UPDATE runs SET finished_at=? WHERE id=?");
  q.bind(1, finished_at).bind(2, id).step();
}

void SqliteStore::put_run_model(const RunModelRecord& m) {
  std::lock_guard lock(mu_);
  // Keep the accumulated wall time when a resumed session re-registers the model.
  Stmt q(db_,
         "INSERT INTO run_models(run_id, model, engine, model_id, server_label, simulated, pricing_json, wall_s) "
         "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(run_id, model) DO UPDATE SET engine=excluded.engine, "
         "model_id=excluded.model_id, server_label=excluded.server_label, simulated=excluded.simulated, "
         "pricing_json=excluded.pricing_json");
  q.bind(1, m.run_id).bind(2, m.model).bind(3, m.engine).bind(4, m.model_id).bind(5, m.server_label);
  q.bind(6, static_cast<int64_t>(m.simulated)).bind(7, m.pricing_json).bind(8, m.wall_s);
  q.step();
}

void SqliteStore::add_run_model_wall(const std::string& run_id, const std::string& model, double wall_s) {
  std::lock_guard lock(mu_);
  Stmt q(db_, "UPDATE run_models SET wall_s = wall_s + ? WHERE run_id=? AND model=?");
  q.bind(1, wall_s).bind(2, run_id).bind(3, model).step();
}

std::vector<RunModelRecord> SqliteStore::run_models(const std::string& run_id) {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         "SELECT run_id, model, engine, model_id, server_label, simulated, pricing_json, wall_s FROM run_models "
         "WHERE run_id=? ORDER BY rowid");
  q.bind(1, run_id);
  std::vector<RunModelRecord> out;
  while (q.step()) {
    RunModelRecord m;
    m.run_id = q.text(0);
    m.model = q.text(1);
    m.engine = q.text(2);
    m.model_id = q.text(3);
    m.server_label = q.text(4);
    m.simulated = q.i64(5) != 0;
    m.pricing_json = q.text(6);
    m.wall_s = q.real(7);
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

const std::string& insert_sql() {
  static const std::string sql =
      fmt::format("INSERT OR REPLACE INTO samples({}) VALUES({})", kSampleColumns,
                  "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?");
  return sql;
}

void insert_sample(Stmt& q, const SampleRecord& s) {
  q.reset();
  using I = int64_t;
  q.add(s.run_id).add(s.model).add(s.suite).add(s.problem_id).add(I{s.sample_idx}).add(static_cast<I>(s.seed));
  // The long texts are bound in place: `s` outlives the step below.
  q.add(std::string(status_text(s.status))).add_static(s.prompt).add(s.gold).add(s.permutation);
  q.add_static(s.response).add_static(s.reasoning).add(s.extracted).add(I{s.extracted_ok}).add(I{s.correct});
  q.add(s.score_reason).add(s.finish_reason).add(I{s.truncated});
  q.add(s.prompt_tokens).add(s.cached_tokens).add(s.completion_tokens).add(s.reasoning_tokens);
  q.add(s.ttft_s).add(s.ttfat_s).add(s.decode_tps).add(s.latency_s).add(s.started_s);
  q.add(s.cost_usd).add(s.error).add(I{s.attempts}).add(s.server_model).add(s.limit_wait_s);
  q.add(s.cache_write_tokens);
  q.step();
}

}  // namespace

void SqliteStore::put_samples(const std::vector<SampleRecord>& batch) {
  std::lock_guard lock(mu_);
  exec(db_, "BEGIN IMMEDIATE");
  try {
    Stmt q(db_, insert_sql().c_str());
    for (const auto& s : batch) insert_sample(q, s);
    exec(db_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<SampleRecord> SqliteStore::samples(const std::string& run_id) {
  std::lock_guard lock(mu_);
  std::string sql = fmt::format("SELECT {} FROM samples WHERE run_id=? ORDER BY model, suite, problem_id, sample_idx",
                                kSampleColumns);
  Stmt q(db_, sql.c_str());
  q.bind(1, run_id);
  std::vector<SampleRecord> out;
  while (q.step()) {
    SampleRecord s;
    int i = 0;
    s.run_id = q.text(i++);
    s.model = q.text(i++);
    s.suite = q.text(i++);
    s.problem_id = q.text(i++);
    s.sample_idx = static_cast<int>(q.i64(i++));
    s.seed = static_cast<uint64_t>(q.i64(i++));
    s.status = q.text(i++) == "ok" ? SampleStatus::kOk : SampleStatus::kError;
    s.prompt = q.text(i++);
    s.gold = q.text(i++);
    s.permutation = q.text(i++);
    s.response = q.text(i++);
    s.reasoning = q.text(i++);
    s.extracted = q.text(i++);
    s.extracted_ok = q.i64(i++) != 0;
    s.correct = q.i64(i++) != 0;
    s.score_reason = q.text(i++);
    s.finish_reason = q.text(i++);
    s.truncated = q.i64(i++) != 0;
    s.prompt_tokens = q.i64(i++);
    s.cached_tokens = q.i64(i++);
    s.completion_tokens = q.i64(i++);
    s.reasoning_tokens = q.i64(i++);
    s.ttft_s = q.real(i++);
    s.ttfat_s = q.real(i++);
    s.decode_tps = q.real(i++);
    s.latency_s = q.real(i++);
    s.started_s = q.real(i++);
    s.cost_usd = q.real(i++);
    s.error = q.text(i++);
    s.attempts = static_cast<int>(q.i64(i++));
    s.server_model = q.text(i++);
    s.limit_wait_s = q.real(i++);
    s.cache_write_tokens = q.i64(i++);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> SqliteStore::finished_keys(const std::string& run_id) {
  std::lock_guard lock(mu_);
  Stmt q(db_, "SELECT model, suite, problem_id, sample_idx FROM samples WHERE run_id=? AND status='ok'");
  q.bind(1, run_id);
  std::vector<std::string> out;
  while (q.step()) out.push_back(sample_key(q.text(0), q.text(1), q.text(2), static_cast<int>(q.i64(3))));
  return out;
}

RunSpend SqliteStore::run_spend(const std::string& run_id) {
  std::lock_guard lock(mu_);
  Stmt q(db_, run_spend_sql("?").c_str());
  q.bind(1, run_id);
  q.step();
  return {q.real(0), q.i64(1)};
}

std::optional<RunLeaseRecord> SqliteStore::take_lease(const RunLeaseRecord& mine, double stale_after_s,
                                                      const std::optional<RunLeaseRecord>& expected) {
  std::lock_guard lock(mu_);
  exec(db_, "BEGIN IMMEDIATE");  // the read and the write below as one step against other processes
  try {
    std::optional<RunLeaseRecord> holder;
    Stmt get(db_, "SELECT run_id, pid, host, heartbeat FROM run_leases WHERE run_id=?");
    get.bind(1, mine.run_id);
    if (get.step()) holder = RunLeaseRecord{get.text(0), get.i64(1), get.text(2), get.real(3)};
    const bool free = !holder || (holder->pid == mine.pid && holder->host == mine.host) ||
                      holder->heartbeat < mine.heartbeat - stale_after_s || (expected && *holder == *expected);
    if (free) {
      Stmt put(db_, "INSERT OR REPLACE INTO run_leases(run_id, pid, host, heartbeat) VALUES(?,?,?,?)");
      put.bind(1, mine.run_id).bind(2, mine.pid).bind(3, mine.host).bind(4, mine.heartbeat);
      put.step();
    }
    exec(db_, "COMMIT");
    if (free) return std::nullopt;
    return holder;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

bool SqliteStore::renew_lease(const RunLeaseRecord& mine, double now) {
  std::lock_guard lock(mu_);
  Stmt q(db_, "UPDATE run_leases SET heartbeat=? WHERE run_id=? AND pid=? AND host=?");
  q.bind(1, now).bind(2, mine.run_id).bind(3, mine.pid).bind(4, mine.host);
  q.step();
  return sqlite3_changes(db_) > 0;
}

void SqliteStore::release_lease(const RunLeaseRecord& mine) {
  std::lock_guard lock(mu_);
  Stmt q(db_, "DELETE FROM run_leases WHERE run_id=? AND pid=? AND host=?");
  q.bind(1, mine.run_id).bind(2, mine.pid).bind(3, mine.host);
  q.step();
}

void SqliteStore::put_verify(const VerifyRecord& v) {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         "INSERT OR REPLACE INTO verifies(id, model, claim, started_at, finished_at, verdict, detail_json) "
         "VALUES(?,?,?,?,?,?,?)");
  q.bind(1, v.id).bind(2, v.model).bind(3, v.claim).bind(4, v.started_at).bind(5, v.finished_at);
  q.bind(6, v.verdict).bind(7, v.detail_json).step();
}

namespace {

constexpr const char* kVerifyColumns = "id, model, claim, started_at, finished_at, verdict, detail_json";

VerifyRecord read_verify(const Stmt& q) {
  return {q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)};
}

}  // namespace

std::optional<VerifyRecord> SqliteStore::get_verify(const std::string& id) {
  std::lock_guard lock(mu_);
  Stmt q(db_, fmt::format("SELECT {} FROM verifies WHERE id=?", kVerifyColumns).c_str());
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return read_verify(q);
}

std::vector<VerifyRecord> SqliteStore::list_verifies() {
  std::lock_guard lock(mu_);
  Stmt q(db_, fmt::format("SELECT {} FROM verifies ORDER BY started_at, rowid", kVerifyColumns).c_str());
  std::vector<VerifyRecord> out;
  while (q.step()) out.push_back(read_verify(q));
  return out;
}

void SqliteStore::put_verify_request(const VerifyRequestRecord& r) {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         fmt::format("INSERT OR REPLACE INTO verify_requests({}) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     kVerifyRequestColumns)
             .c_str());
  q.bind(1, r.verify_id).bind(2, r.seq).bind(3, r.test).bind(4, r.item).bind(5, static_cast<int64_t>(r.seed));
  q.bind(6, r.prompt).bind(7, r.gold).bind(8, r.status).bind(9, r.response).bind(10, r.reasoning);
  q.bind(11, r.finish_reason).bind(12, r.error).bind(13, r.extracted).bind(14, static_cast<int64_t>(r.correct));
  q.bind(15, r.prompt_tokens).bind(16, r.cached_tokens).bind(17, r.completion_tokens).bind(18, r.reasoning_tokens);
  q.bind(19, r.latency_s).bind(20, r.cost_usd).step();
}

std::vector<VerifyRequestRecord> SqliteStore::verify_requests(const std::string& verify_id) {
  std::lock_guard lock(mu_);
  Stmt q(db_,
         fmt::format("SELECT {} FROM verify_requests WHERE verify_id=? ORDER BY seq", kVerifyRequestColumns).c_str());
  q.bind(1, verify_id);
  std::vector<VerifyRequestRecord> out;
  while (q.step()) {
    VerifyRequestRecord r;
    r.verify_id = q.text(0);
    r.seq = q.i64(1);
    r.test = q.text(2);
    r.item = q.text(3);
    r.seed = static_cast<uint64_t>(q.i64(4));
    r.prompt = q.text(5);
    r.gold = q.text(6);
    r.status = q.text(7);
    r.response = q.text(8);
    r.reasoning = q.text(9);
    r.finish_reason = q.text(10);
    r.error = q.text(11);
    r.extracted = q.text(12);
    r.correct = static_cast<int>(q.i64(13));
    r.prompt_tokens = q.i64(14);
    r.cached_tokens = q.i64(15);
    r.completion_tokens = q.i64(16);
    r.reasoning_tokens = q.i64(17);
    r.latency_s = q.real(18);
    r.cost_usd = q.real(19);
    out.push_back(std::move(r));
  }
  return out;
}

std::unique_ptr<StoreBackend> open_sqlite_store(const std::string& location, StoreMode mode) {
  return std::make_unique<SqliteStore>(location, mode);
}

}  // namespace rigor
