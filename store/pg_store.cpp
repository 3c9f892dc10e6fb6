// The PostgreSQL backend (libpq): the shared store of a team, and the work
// queue that lets many rigor processes on many machines run one run.
//
// One connection per Store, serialised by a mutex, like the SQLite backend.
// Values travel as text parameters; doubles are printed shortest-exact and
// PostgreSQL (12+) prints them back the same way, so a run read from here
// renders byte for byte as from SQLite. Orderings that SQLite does bytewise
// are asked for with COLLATE "C", whatever the database's locale.
#include <mutex>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "store/pg_conn.h"
#include "store/store_backend.h"

namespace rigor {
namespace {

// The database's clock, as Unix seconds: leases and heartbeats are compared
// on one clock whatever the workers' machines say.
constexpr const char* kNow = "extract(epoch from clock_timestamp())::double precision";

struct Migration {
  int version;
  const char* sql;
};

// The same numbered steps as the SQLite backend's, in PostgreSQL's types.
// A released migration is never edited: a change is a new one at the end.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, config_json TEXT NOT NULL, config_hash TEXT NOT NULL,
  version TEXT NOT NULL, seed BIGINT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL DEFAULT '', tag TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS run_models (
  run_id TEXT NOT NULL, model TEXT NOT NULL, engine TEXT NOT NULL, model_id TEXT NOT NULL,
  server_label TEXT NOT NULL, simulated BIGINT NOT NULL, pricing_json TEXT NOT NULL,
  wall_s DOUBLE PRECISION NOT NULL DEFAULT 0, pos BIGSERIAL, PRIMARY KEY (run_id, model));
CREATE TABLE IF NOT EXISTS samples (
  run_id TEXT NOT NULL, model TEXT NOT NULL, suite TEXT NOT NULL, problem_id TEXT NOT NULL,
  sample_idx BIGINT NOT NULL, seed BIGINT NOT NULL, status TEXT NOT NULL,
  prompt TEXT NOT NULL, gold TEXT NOT NULL, permutation TEXT NOT NULL,
  response TEXT NOT NULL, reasoning TEXT NOT NULL, extracted TEXT NOT NULL,
  extracted_ok BIGINT NOT NULL, correct BIGINT NOT NULL, score_reason TEXT NOT NULL,
  finish_reason TEXT NOT NULL, truncated BIGINT NOT NULL,
  prompt_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,
  ttft_s DOUBLE PRECISION NOT NULL, ttfat_s DOUBLE PRECISION NOT NULL, decode_tps DOUBLE PRECISION NOT NULL,
  latency_s DOUBLE PRECISION NOT NULL, started_s DOUBLE PRECISION NOT NULL, cost_usd DOUBLE PRECISION NOT NULL,
  error TEXT NOT NULL, attempts BIGINT NOT NULL, server_model TEXT NOT NULL,
  PRIMARY KEY (run_id, model, suite, problem_id, sample_idx));
)sql"},
    {2, "ALTER TABLE samples ADD COLUMN IF NOT EXISTS limit_wait_s DOUBLE PRECISION NOT NULL DEFAULT 0"},
    {3, "ALTER TABLE samples ADD COLUMN IF NOT EXISTS cache_write_tokens BIGINT NOT NULL DEFAULT -1"},
    {4, "CREATE TABLE IF NOT EXISTS run_leases (run_id TEXT PRIMARY KEY, pid BIGINT NOT NULL, "
        "host TEXT NOT NULL, heartbeat DOUBLE PRECISION NOT NULL)"},
    {5, R"sql(
CREATE TABLE IF NOT EXISTS verifies (
  id TEXT PRIMARY KEY, model TEXT NOT NULL, claim TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL, verdict TEXT NOT NULL, detail_json TEXT NOT NULL, pos BIGSERIAL);
CREATE TABLE IF NOT EXISTS verify_requests (
  verify_id TEXT NOT NULL, seq BIGINT NOT NULL, test TEXT NOT NULL, item TEXT NOT NULL,
  seed BIGINT NOT NULL, prompt TEXT NOT NULL, gold TEXT NOT NULL, status TEXT NOT NULL,
  response TEXT NOT NULL, reasoning TEXT NOT NULL, finish_reason TEXT NOT NULL, error TEXT NOT NULL,
  extracted TEXT NOT NULL, correct BIGINT NOT NULL, prompt_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,
  latency_s DOUBLE PRECISION NOT NULL, cost_usd DOUBLE PRECISION NOT NULL, PRIMARY KEY (verify_id, seq));
)sql"},
    {6, R"sql(
CREATE TABLE IF NOT EXISTS work_items (
  run_id TEXT NOT NULL, model TEXT NOT NULL, suite TEXT NOT NULL, problem_id TEXT NOT NULL,
  sample_idx BIGINT NOT NULL, state TEXT NOT NULL DEFAULT 'waiting', worker TEXT NOT NULL DEFAULT '',
  lease_until DOUBLE PRECISION NOT NULL DEFAULT 0, claims BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, model, suite, problem_id, sample_idx));
CREATE INDEX IF NOT EXISTS work_items_open ON work_items (run_id, model) WHERE state IN ('waiting', 'leased');
CREATE INDEX IF NOT EXISTS work_items_by_worker ON work_items (run_id, worker) WHERE state = 'leased';
CREATE TABLE IF NOT EXISTS run_workers (
  run_id TEXT NOT NULL, worker TEXT NOT NULL, host TEXT NOT NULL, pid BIGINT NOT NULL,
  started_at TEXT NOT NULL, heartbeat DOUBLE PRECISION NOT NULL, PRIMARY KEY (run_id, worker));
)sql"},
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));
static_assert(kSchemaVersion == 6, "keep the PostgreSQL and SQLite migrations in step");

class PgStore final : public StoreBackend {
 public:
  PgStore(const std::string& url, StoreMode mode);

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

  bool has_work_queue() const override { return true; }
  int plan_work(const std::string& run_id, const std::vector<WorkKey>& keys) override;
  std::vector<WorkKey> claim_work(const std::string& run_id, const std::string& model, const std::string& worker,
                                  int max, double lease_s) override;
  void complete_work(const std::vector<SampleRecord>& batch, const std::string& worker) override;
  void release_work(const std::string& run_id, const std::string& worker) override;
  std::vector<std::string> worker_heartbeat(const std::string& run_id, const WorkerRecord& worker, double lease_s,
                                            double stale_after_s) override;
  void remove_worker(const std::string& run_id, const std::string& worker) override;
  WorkStatus work_status(const std::string& run_id) override;

 private:
  PgResult exec(const std::string& sql, const Params& p = {}) { return conn_.exec(sql, p); }
  void exec_plain(const char* sql) { conn_.exec(sql); }
  template <typename Fn>
  auto transaction(Fn&& fn) {
    return conn_.transaction(std::forward<Fn>(fn));
  }
  int schema_version();
  void migrate();
  void insert_samples(const std::vector<SampleRecord>& batch, bool keep_ok);

  PgConn conn_;
  std::mutex mu_;
};

PgStore::PgStore(const std::string& url, StoreMode mode) : conn_(url) {
  try {
    if (mode == StoreMode::kReadOnly) {
      conn_.set_session("SET default_transaction_read_only = on");
      require_readable_schema(schema_version(), kSchemaVersion);
    } else {
      migrate();
    }
  } catch (const std::exception& e) {
    throw StoreOpenError(fmt::format("cannot use database {}: {}", url, e.what()));
  }
}

int PgStore::schema_version() {
  if (exec("SELECT to_regclass('meta') IS NOT NULL").text(0, 0) != "t") return 0;
  auto r = exec("SELECT value FROM meta WHERE key='schema_version'");
  return r.rows() == 0 ? 0 : parse_schema_version(r.text(0, 0));
}

void PgStore::migrate() {
  transaction([&] {
    // One migrating process at a time: the others wait here, then find
    // nothing left to do.
    exec_plain("SELECT pg_advisory_xact_lock(7283610455)");
    const int from = schema_version();
    refuse_newer_schema(from, kSchemaVersion);
    for (const Migration& m : kMigrations) {
      if (m.version <= from) continue;
      exec(m.sql);
      exec("INSERT INTO meta(key, value) VALUES('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value=$1",
           Params().num(int64_t{m.version}));
    }
  });
}

namespace {

constexpr const char* kRunColumns = "id, config_json, config_hash, version, seed, started_at, finished_at, tag";

RunRecord read_run(const PgResult& r, int row) {
  return {r.text(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3), static_cast<uint64_t>(r.i64(row, 4)),
          r.text(row, 5), r.text(row, 6), r.text(row, 7)};
}

}  // namespace

void PgStore::put_run(const RunRecord& r) {
  std::lock_guard lock(mu_);
  Params p;
  p.ref(r.id).ref(r.config_json).ref(r.config_hash).ref(r.version).num(static_cast<int64_t>(r.seed));
  p.ref(r.started_at).ref(r.finished_at).ref(r.tag);
  exec(fmt::format("INSERT INTO runs({}) VALUES({}) ON CONFLICT (id) DO UPDATE SET config_json=EXCLUDED.config_json, "
                   "config_hash=EXCLUDED.config_hash, version=EXCLUDED.version, seed=EXCLUDED.seed, "
                   "started_at=EXCLUDED.started_at, finished_at=EXCLUDED.finished_at, tag=EXCLUDED.tag",
                   kRunColumns, placeholders(0, 8)),
       p);
}

std::optional<RunRecord> PgStore::get_run(const std::string& id) {
  std::lock_guard lock(mu_);
  auto r = exec(fmt::format("SELECT {} FROM runs WHERE id=$1", kRunColumns), Params().ref(id));
  if (r.rows() == 0) return std::nullopt;
  return read_run(r, 0);
}

std::vector<RunRecord> PgStore::list_runs() {
  std::lock_guard lock(mu_);
  auto r = exec(fmt::format("SELECT {} FROM runs ORDER BY started_at COLLATE \"C\", id COLLATE \"C\"", kRunColumns));
  std::vector<RunRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_run(r, i));
  return out;
}

void PgStore::finish_run(const std::string& id, const std::string& finished_at) {
  std::lock_guard lock(mu_);
  exec("UPDATE runs SET finished_at=$1 WHERE id=$2", Params().ref(finished_at).ref(id));
}

void PgStore::put_run_model(const RunModelRecord& m) {
  std::lock_guard lock(mu_);
  Params p;
  p.ref(m.run_id).ref(m.model).ref(m.engine).ref(m.model_id).ref(m.server_label).flag(m.simulated);
  p.ref(m.pricing_json).num(m.wall_s);
  // Keep the accumulated wall time (and the first-registered position) when
  // a resumed session or another worker registers the model again.
  exec("INSERT INTO run_models(run_id, model, engine, model_id, server_label, simulated, pricing_json, wall_s) "
       "VALUES($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (run_id, model) DO UPDATE SET engine=EXCLUDED.engine, "
       "model_id=EXCLUDED.model_id, server_label=EXCLUDED.server_label, simulated=EXCLUDED.simulated, "
       "pricing_json=EXCLUDED.pricing_json",
       p);
}

void PgStore::add_run_model_wall(const std::string& run_id, const std::string& model, double wall_s) {
  std::lock_guard lock(mu_);
  exec("UPDATE run_models SET wall_s = wall_s + $1 WHERE run_id=$2 AND model=$3",
       Params().num(wall_s).ref(run_id).ref(model));
}

std::vector<RunModelRecord> PgStore::run_models(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto r = exec(
      "SELECT run_id, model, engine, model_id, server_label, simulated, pricing_json, wall_s FROM run_models "
      "WHERE run_id=$1 ORDER BY pos",
      Params().ref(run_id));
  std::vector<RunModelRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.i64(i, 5) != 0,
                   r.text(i, 6), r.real(i, 7)});
  }
  return out;
}

namespace {

void add_sample(Params& p, const SampleRecord& s) {
  p.ref(s.run_id).ref(s.model).ref(s.suite).ref(s.problem_id).num(int64_t{s.sample_idx});
  p.num(static_cast<int64_t>(s.seed)).text(s.status == SampleStatus::kOk ? "ok" : "error");
  p.ref(s.prompt).ref(s.gold).ref(s.permutation).ref(s.response).ref(s.reasoning).ref(s.extracted);
  p.flag(s.extracted_ok).flag(s.correct).ref(s.score_reason).ref(s.finish_reason).flag(s.truncated);
  p.num(s.prompt_tokens).num(s.cached_tokens).num(s.completion_tokens).num(s.reasoning_tokens);
  p.num(s.ttft_s).num(s.ttfat_s).num(s.decode_tps).num(s.latency_s).num(s.started_s).num(s.cost_usd);
  p.ref(s.error).num(int64_t{s.attempts}).ref(s.server_model).num(s.limit_wait_s).num(s.cache_write_tokens);
}

// "col=EXCLUDED.col, ..." for every sample column but the key.
std::string sample_updates() {
  std::string out;
  std::string_view cols = kSampleColumns;
  int index = 0;
  while (!cols.empty()) {
    const size_t comma = cols.find(',');
    std::string_view c = cols.substr(0, comma);
    while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
    if (index++ >= 5) fmt::format_to(std::back_inserter(out), "{}{}=EXCLUDED.{}", out.empty() ? "" : ", ", c, c);
    cols = comma == std::string_view::npos ? std::string_view{} : cols.substr(comma + 1);
  }
  return out;
}

// Rows per INSERT: PostgreSQL takes at most 65535 parameters a statement.
constexpr size_t kSampleRowsPerInsert = 200;

}  // namespace

// keep_ok: a stored ok sample is left as it is (the queue's rule); else a
// sample replaces what is stored, as INSERT OR REPLACE does in SQLite.
void PgStore::insert_samples(const std::vector<SampleRecord>& batch, bool keep_ok) {
  static const std::string updates = sample_updates();
  for (size_t at = 0; at < batch.size(); at += kSampleRowsPerInsert) {
    const size_t n = std::min(kSampleRowsPerInsert, batch.size() - at);
    std::string sql = fmt::format("INSERT INTO samples({}) VALUES ", kSampleColumns);
    Params p;
    for (size_t i = 0; i < n; ++i) {
      fmt::format_to(std::back_inserter(sql), "{}({})", i ? "," : "",
                     placeholders(static_cast<int>(i) * kSampleColumnCount, kSampleColumnCount));
      add_sample(p, batch[at + i]);
    }
    fmt::format_to(std::back_inserter(sql),
                   " ON CONFLICT (run_id, model, suite, problem_id, sample_idx) DO UPDATE SET {}{}", updates,
                   keep_ok ? " WHERE samples.status <> 'ok'" : "");
    exec(sql, p);
  }
}

void PgStore::put_samples(const std::vector<SampleRecord>& batch) {
  std::lock_guard lock(mu_);
  transaction([&] { insert_samples(batch, false); });
}

std::vector<SampleRecord> PgStore::samples(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto r = exec(fmt::format("SELECT {} FROM samples WHERE run_id=$1 ORDER BY model COLLATE \"C\", suite COLLATE \"C\", "
                            "problem_id COLLATE \"C\", sample_idx",
                            kSampleColumns),
                Params().ref(run_id));
  std::vector<SampleRecord> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) {
    SampleRecord s;
    int i = 0;
    s.run_id = r.text(row, i++);
    s.model = r.text(row, i++);
    s.suite = r.text(row, i++);
    s.problem_id = r.text(row, i++);
    s.sample_idx = static_cast<int>(r.i64(row, i++));
    s.seed = static_cast<uint64_t>(r.i64(row, i++));
    s.status = r.text(row, i++) == "ok" ? SampleStatus::kOk : SampleStatus::kError;
    s.prompt = r.text(row, i++);
    s.gold = r.text(row, i++);
    s.permutation = r.text(row, i++);
    s.response = r.text(row, i++);
    s.reasoning = r.text(row, i++);
    s.extracted = r.text(row, i++);
    s.extracted_ok = r.i64(row, i++) != 0;
    s.correct = r.i64(row, i++) != 0;
    s.score_reason = r.text(row, i++);
    s.finish_reason = r.text(row, i++);
    s.truncated = r.i64(row, i++) != 0;
    s.prompt_tokens = r.i64(row, i++);
    s.cached_tokens = r.i64(row, i++);
    s.completion_tokens = r.i64(row, i++);
    s.reasoning_tokens = r.i64(row, i++);
    s.ttft_s = r.real(row, i++);
    s.ttfat_s = r.real(row, i++);
    s.decode_tps = r.real(row, i++);
    s.latency_s = r.real(row, i++);
    s.started_s = r.real(row, i++);
    s.cost_usd = r.real(row, i++);
    s.error = r.text(row, i++);
    s.attempts = static_cast<int>(r.i64(row, i++));
    s.server_model = r.text(row, i++);
    s.limit_wait_s = r.real(row, i++);
    s.cache_write_tokens = r.i64(row, i++);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> PgStore::finished_keys(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto r = exec("SELECT model, suite, problem_id, sample_idx FROM samples WHERE run_id=$1 AND status='ok'",
                Params().ref(run_id));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(sample_key(r.text(i, 0), r.text(i, 1), r.text(i, 2), static_cast<int>(r.i64(i, 3))));
  }
  return out;
}

RunSpend PgStore::run_spend(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto r = exec(run_spend_sql("$1"), Params().ref(run_id));
  return {r.real(0, 0), r.i64(0, 1)};
}

std::optional<RunLeaseRecord> PgStore::take_lease(const RunLeaseRecord& mine, double stale_after_s,
                                                  const std::optional<RunLeaseRecord>& expected) {
  std::lock_guard lock(mu_);
  return transaction([&]() -> std::optional<RunLeaseRecord> {
    // The read and the write below as one step against other processes,
    // also when no row exists yet to lock.
    exec("SELECT pg_advisory_xact_lock(hashtext('rigor-run-lease:' || $1))", Params().ref(mine.run_id));
    auto r = exec("SELECT run_id, pid, host, heartbeat FROM run_leases WHERE run_id=$1", Params().ref(mine.run_id));
    std::optional<RunLeaseRecord> holder;
    if (r.rows() > 0) holder = RunLeaseRecord{r.text(0, 0), r.i64(0, 1), r.text(0, 2), r.real(0, 3)};
    const bool free = !holder || (holder->pid == mine.pid && holder->host == mine.host) ||
                      holder->heartbeat < mine.heartbeat - stale_after_s || (expected && *holder == *expected);
    if (!free) return holder;
    exec("INSERT INTO run_leases(run_id, pid, host, heartbeat) VALUES($1,$2,$3,$4) ON CONFLICT (run_id) DO UPDATE "
         "SET pid=EXCLUDED.pid, host=EXCLUDED.host, heartbeat=EXCLUDED.heartbeat",
         Params().ref(mine.run_id).num(mine.pid).ref(mine.host).num(mine.heartbeat));
    return std::nullopt;
  });
}

bool PgStore::renew_lease(const RunLeaseRecord& mine, double now) {
  std::lock_guard lock(mu_);
  return exec("UPDATE run_leases SET heartbeat=$1 WHERE run_id=$2 AND pid=$3 AND host=$4",
              Params().num(now).ref(mine.run_id).num(mine.pid).ref(mine.host))
             .affected() > 0;
}

void PgStore::release_lease(const RunLeaseRecord& mine) {
  std::lock_guard lock(mu_);
  exec("DELETE FROM run_leases WHERE run_id=$1 AND pid=$2 AND host=$3",
       Params().ref(mine.run_id).num(mine.pid).ref(mine.host));
}

void PgStore::put_verify(const VerifyRecord& v) {
  std::lock_guard lock(mu_);
  exec("INSERT INTO verifies(id, model, claim, started_at, finished_at, verdict, detail_json) "
       "VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (id) DO UPDATE SET model=EXCLUDED.model, claim=EXCLUDED.claim, "
       "started_at=EXCLUDED.started_at, finished_at=EXCLUDED.finished_at, verdict=EXCLUDED.verdict, "
       "detail_json=EXCLUDED.detail_json",
       Params().ref(v.id).ref(v.model).ref(v.claim).ref(v.started_at).ref(v.finished_at).ref(v.verdict).ref(
           v.detail_json));
}

namespace {

constexpr const char* kVerifyColumns = "id, model, claim, started_at, finished_at, verdict, detail_json";

VerifyRecord read_verify(const PgResult& r, int row) {
  return {r.text(row, 0), r.text(row, 1), r.text(row, 2), r.text(row, 3),
          r.text(row, 4), r.text(row, 5), r.text(row, 6)};
}

}  // namespace

std::optional<VerifyRecord> PgStore::get_verify(const std::string& id) {
  std::lock_guard lock(mu_);
  auto r = exec(fmt::format("SELECT {} FROM verifies WHERE id=$1", kVerifyColumns), Params().ref(id));
  if (r.rows() == 0) return std::nullopt;
  return read_verify(r, 0);
}

std::vector<VerifyRecord> PgStore::list_verifies() {
  std::lock_guard lock(mu_);
  auto r = exec(fmt::format("SELECT {} FROM verifies ORDER BY started_at COLLATE \"C\", pos", kVerifyColumns));
  std::vector<VerifyRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_verify(r, i));
  return out;
}

void PgStore::put_verify_request(const VerifyRequestRecord& v) {
  std::lock_guard lock(mu_);
  Params p;
  p.ref(v.verify_id).num(v.seq).ref(v.test).ref(v.item).num(static_cast<int64_t>(v.seed)).ref(v.prompt).ref(v.gold);
  p.ref(v.status).ref(v.response).ref(v.reasoning).ref(v.finish_reason).ref(v.error).ref(v.extracted);
  p.num(int64_t{v.correct}).num(v.prompt_tokens).num(v.cached_tokens).num(v.completion_tokens);
  p.num(v.reasoning_tokens).num(v.latency_s).num(v.cost_usd);
  exec(fmt::format("INSERT INTO verify_requests({}) VALUES({}) ON CONFLICT (verify_id, seq) DO UPDATE SET "
                   "test=EXCLUDED.test, item=EXCLUDED.item, seed=EXCLUDED.seed, prompt=EXCLUDED.prompt, "
                   "gold=EXCLUDED.gold, status=EXCLUDED.status, response=EXCLUDED.response, "
                   "reasoning=EXCLUDED.reasoning, finish_reason=EXCLUDED.finish_reason, error=EXCLUDED.error, "
                   "extracted=EXCLUDED.extracted, correct=EXCLUDED.correct, prompt_tokens=EXCLUDED.prompt_tokens, "
                   "cached_tokens=EXCLUDED.cached_tokens, completion_tokens=EXCLUDED.completion_tokens, "
                   "reasoning_tokens=EXCLUDED.reasoning_tokens, latency_s=EXCLUDED.latency_s, "
                   "cost_usd=EXCLUDED.cost_usd",
                   kVerifyRequestColumns, placeholders(0, 20)),
       p);
}

std::vector<VerifyRequestRecord> PgStore::verify_requests(const std::string& verify_id) {
  std::lock_guard lock(mu_);
  auto r = exec(fmt::format("SELECT {} FROM verify_requests WHERE verify_id=$1 ORDER BY seq", kVerifyRequestColumns),
                Params().ref(verify_id));
  std::vector<VerifyRequestRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    VerifyRequestRecord v;
    v.verify_id = r.text(i, 0);
    v.seq = r.i64(i, 1);
    v.test = r.text(i, 2);
    v.item = r.text(i, 3);
    v.seed = static_cast<uint64_t>(r.i64(i, 4));
    v.prompt = r.text(i, 5);
    v.gold = r.text(i, 6);
    v.status = r.text(i, 7);
    v.response = r.text(i, 8);
    v.reasoning = r.text(i, 9);
    v.finish_reason = r.text(i, 10);
    v.error = r.text(i, 11);
    v.extracted = r.text(i, 12);
    v.correct = static_cast<int>(r.i64(i, 13));
    v.prompt_tokens = r.i64(i, 14);
    v.cached_tokens = r.i64(i, 15);
    v.completion_tokens = r.i64(i, 16);
    v.reasoning_tokens = r.i64(i, 17);
    v.latency_s = r.real(i, 18);
    v.cost_usd = r.real(i, 19);
    out.push_back(std::move(v));
  }
  return out;
}

// ---- the work queue ----

int PgStore::plan_work(const std::string& run_id, const std::vector<WorkKey>& keys) {
  std::lock_guard lock(mu_);
  return transaction([&] {
    // Planners of one run take turns: the first adds the rows, the others
    // find them there.
    exec("SELECT pg_advisory_xact_lock(hashtext('rigor-plan:' || $1))", Params().ref(run_id));
    int added = 0;
    constexpr size_t kRows = 2000;  // 5 parameters each
    for (size_t at = 0; at < keys.size(); at += kRows) {
      const size_t n = std::min(kRows, keys.size() - at);
      std::string sql = "INSERT INTO work_items(run_id, model, suite, problem_id, sample_idx) VALUES ";
      Params p;
      for (size_t i = 0; i < n; ++i) {
        const WorkKey& k = keys[at + i];
        fmt::format_to(std::back_inserter(sql), "{}({})", i ? "," : "", placeholders(static_cast<int>(i) * 5, 5));
        p.ref(run_id).ref(k.model).ref(k.suite).ref(k.problem_id).num(int64_t{k.sample_idx});
      }
      sql += " ON CONFLICT DO NOTHING";
      added += exec(sql, p).affected();
    }
    // Samples stored by a single-process session of the same run are done.
    exec("UPDATE work_items w SET state='done', worker='', lease_until=0 FROM samples s WHERE w.run_id=$1 AND "
         "s.run_id=w.run_id AND s.model=w.model AND s.suite=w.suite AND s.problem_id=w.problem_id AND "
         "s.sample_idx=w.sample_idx AND s.status='ok' AND w.state<>'done'",
         Params().ref(run_id));
    // A worker starting on a run nobody is working on is a resume: errors
    // of the last round are tried again, as a resumed single-process run does.
    exec(fmt::format("UPDATE work_items SET state='waiting', worker='' WHERE run_id=$1 AND state='failed' AND NOT "
                     "EXISTS (SELECT 1 FROM work_items WHERE run_id=$1 AND state='leased' AND lease_until >= {})",
                     kNow),
         Params().ref(run_id));
    // Fresh statistics, so that claims use the index of open items from
    // the first one, not a scan over every item of the run.
    exec_plain("ANALYZE work_items");
    return added;
  });
}

std::vector<WorkKey> PgStore::claim_work(const std::string& run_id, const std::string& model,
                                         const std::string& worker, int max, double lease_s) {
  std::lock_guard lock(mu_);
  // One statement, so its own transaction: pick rows nobody else is
  // claiming this moment (SKIP LOCKED), lease them, return them.
  // The picked rows are named by ctid: a join back on the key was planned
  // as a nested loop over the whole run (200 ms a claim at 20k samples).
  auto r = exec(fmt::format(
                    "UPDATE work_items SET state='leased', worker=$4, lease_until={0} + $5, claims=claims + 1 "
                    "WHERE ctid = ANY(ARRAY(SELECT ctid FROM work_items WHERE run_id=$1 AND model=$2 AND "
                    "state IN ('waiting', 'leased') AND (state='waiting' OR lease_until < {0}) LIMIT $3 "
                    "FOR UPDATE SKIP LOCKED)) "
                    "RETURNING suite, problem_id, sample_idx",
                    kNow),
                Params().ref(run_id).ref(model).num(int64_t{max}).ref(worker).num(lease_s));
  std::vector<WorkKey> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({model, r.text(i, 0), r.text(i, 1), static_cast<int>(r.i64(i, 2))});
  return out;
}

void PgStore::complete_work(const std::vector<SampleRecord>& batch, const std::string& worker) {
  std::lock_guard lock(mu_);
  transaction([&] {
    insert_samples(batch, true);
    constexpr size_t kRows = 2000;  // 6 parameters each
    for (size_t at = 0; at < batch.size(); at += kRows) {
      const size_t n = std::min(kRows, batch.size() - at);
      std::string sql = "UPDATE work_items w SET state=v.state, worker=$1, lease_until=0 FROM (VALUES ";
      Params p;
      p.ref(worker);
      for (size_t i = 0; i < n; ++i) {
        const SampleRecord& s = batch[at + i];
        const int b = 1 + static_cast<int>(i) * 6;
        fmt::format_to(std::back_inserter(sql), "{}(${},${},${},${},${}::bigint,${})", i ? "," : "", b + 1, b + 2,
                       b + 3, b + 4, b + 5, b + 6);
        p.ref(s.run_id).ref(s.model).ref(s.suite).ref(s.problem_id).num(int64_t{s.sample_idx});
        p.text(s.status == SampleStatus::kOk ? "done" : "failed");
      }
      // An item already done keeps its state: its ok sample stood above too.
      sql += ") AS v(run_id, model, suite, problem_id, sample_idx, state) WHERE w.run_id=v.run_id AND "
             "w.model=v.model AND w.suite=v.suite AND w.problem_id=v.problem_id AND w.sample_idx=v.sample_idx AND "
             "w.state<>'done'";
      exec(sql, p);
    }
  });
}

void PgStore::release_work(const std::string& run_id, const std::string& worker) {
  std::lock_guard lock(mu_);
  exec("UPDATE work_items SET state='waiting', worker='', lease_until=0 WHERE run_id=$1 AND worker=$2 AND "
       "state='leased'",
       Params().ref(run_id).ref(worker));
}

std::vector<std::string> PgStore::worker_heartbeat(const std::string& run_id, const WorkerRecord& w, double lease_s,
                                                   double stale_after_s) {
  std::lock_guard lock(mu_);
  exec(fmt::format("INSERT INTO run_workers(run_id, worker, host, pid, started_at, heartbeat) VALUES($1,$2,$3,$4,$5,{}) "
                   "ON CONFLICT (run_id, worker) DO UPDATE SET heartbeat=EXCLUDED.heartbeat",
                   kNow),
       Params().ref(run_id).ref(w.worker).ref(w.host).num(w.pid).ref(w.started_at));
  exec(fmt::format("UPDATE work_items SET lease_until={} + $3 WHERE run_id=$1 AND worker=$2 AND state='leased'", kNow),
       Params().ref(run_id).ref(w.worker).num(lease_s));
  auto r = exec(fmt::format("SELECT worker FROM run_workers WHERE run_id=$1 AND heartbeat >= {} - $2 ORDER BY worker "
                            "COLLATE \"C\"",
                            kNow),
                Params().ref(run_id).num(stale_after_s));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

void PgStore::remove_worker(const std::string& run_id, const std::string& worker) {
  std::lock_guard lock(mu_);
  exec("DELETE FROM run_workers WHERE run_id=$1 AND worker=$2", Params().ref(run_id).ref(worker));
}

WorkStatus PgStore::work_status(const std::string& run_id) {
  std::lock_guard lock(mu_);
  WorkStatus st;
  auto r = exec(fmt::format("SELECT model, state, state='leased' AND lease_until < {}, count(*), "
                            "count(*) FILTER (WHERE state='done' AND claims > 1) FROM work_items WHERE run_id=$1 "
                            "GROUP BY 1, 2, 3 ORDER BY model COLLATE \"C\"",
                            kNow),
                Params().ref(run_id));
  for (int i = 0; i < r.rows(); ++i) {
    const std::string model = r.text(i, 0);
    if (st.models.empty() || st.models.back().model != model) st.models.push_back({model});
    WorkCount& c = st.models.back();
    const std::string state = r.text(i, 1);
    const int n = static_cast<int>(r.i64(i, 3));
    if (state == "waiting") c.waiting += n;
    if (state == "leased") (r.text(i, 2) == "t" ? c.expired : c.leased) += n;
    if (state == "done") c.done += n;
    if (state == "failed") c.failed += n;
    c.resent += static_cast<int>(r.i64(i, 4));
  }
  auto w = exec(fmt::format("SELECT w.worker, w.host, w.pid, w.started_at, {} - w.heartbeat, (SELECT count(*) FROM "
                            "work_items i WHERE i.run_id=w.run_id AND i.worker=w.worker AND i.state='leased') FROM "
                            "run_workers w WHERE w.run_id=$1 ORDER BY w.worker COLLATE \"C\"",
                            kNow),
                Params().ref(run_id));
  for (int i = 0; i < w.rows(); ++i) {
    st.workers.push_back({w.text(i, 0), w.text(i, 1), w.i64(i, 2), w.text(i, 3), w.real(i, 4),
                          static_cast<int>(w.i64(i, 5))});
  }
  return st;
}

}  // namespace

std::unique_ptr<StoreBackend> open_postgres_store(const std::string& location, StoreMode mode) {
  return std::make_unique<PgStore>(location, mode);
}

}  // namespace rigor
