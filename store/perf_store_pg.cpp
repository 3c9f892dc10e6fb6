// The perf store on PostgreSQL: the SQLite tables in PostgreSQL's types,
// written and read so that a perf report renders byte for byte as from
// SQLite (doubles shortest-exact both ways, bytewise text order).
#include <algorithm>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

#include "store/perf_store_backend.h"
#include "store/pg_conn.h"

namespace rigor {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS perf_runs(
  id TEXT PRIMARY KEY, model TEXT NOT NULL, model_id TEXT NOT NULL, engine TEXT NOT NULL,
  mode TEXT NOT NULL, version TEXT NOT NULL, seed BIGINT NOT NULL, started_at TEXT NOT NULL,
  config_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS perf_levels(
  run_id TEXT NOT NULL REFERENCES perf_runs(id), level BIGINT NOT NULL, concurrency BIGINT NOT NULL,
  rate DOUBLE PRECISION NOT NULL, warmup BIGINT NOT NULL, summary_json TEXT NOT NULL, PRIMARY KEY(run_id, level));
CREATE TABLE IF NOT EXISTS perf_requests(
  run_id TEXT NOT NULL, level BIGINT NOT NULL, idx BIGINT NOT NULL,
  scheduled_s DOUBLE PRECISION, sent_s DOUBLE PRECISION NOT NULL, dispatch_lag_s DOUBLE PRECISION NOT NULL,
  end_s DOUBLE PRECISION NOT NULL, first_byte_s DOUBLE PRECISION, ok BIGINT NOT NULL, error_kind TEXT,
  error_message TEXT, http_status BIGINT, ttft_s DOUBLE PRECISION, ttfat_s DOUBLE PRECISION,
  last_token_s DOUBLE PRECISION, total_s DOUBLE PRECISION, prompt_tokens BIGINT, completion_tokens BIGINT,
  reasoning_tokens BIGINT, chunk_times_json TEXT, PRIMARY KEY(run_id, level, idx));
)sql";

// perf_requests in column order (perf_request_row's order); the first three are the key.
constexpr const char* kRequestColumns[] = {
    "run_id", "level", "idx", "scheduled_s", "sent_s", "dispatch_lag_s", "end_s", "first_byte_s", "ok",
    "error_kind", "error_message", "http_status", "ttft_s", "ttfat_s", "last_token_s", "total_s", "prompt_tokens",
    "completion_tokens", "reasoning_tokens", "chunk_times_json"};
static_assert(std::size(kRequestColumns) == kPerfRequestColumnCount);

// Rows per INSERT: PostgreSQL takes at most 65535 parameters a statement.
constexpr size_t kRequestRowsPerInsert = 1000;

// "INSERT INTO perf_requests(...) VALUES " and the upsert after the rows,
// replacing a stored row as INSERT OR REPLACE does in SQLite.
struct RequestInsert {
  std::string head = "INSERT INTO perf_requests(";
  std::string tail = " ON CONFLICT (run_id, level, idx) DO UPDATE SET ";
  RequestInsert() {
    for (size_t i = 0; i < std::size(kRequestColumns); ++i) {
      const char* c = kRequestColumns[i];
      fmt::format_to(std::back_inserter(head), "{}{}", i ? ", " : "", c);
      if (i >= 3) fmt::format_to(std::back_inserter(tail), "{}{}=EXCLUDED.{}", i > 3 ? ", " : "", c, c);
    }
    head += ") VALUES ";
  }
};

// perf_request_row's values as text parameters.
struct PgRow {
  Params& p;
  void add(const std::string& v) { p.text(v); }  // a copy: some values are temporaries
  void add(int64_t v) { p.num(v); }
  void add(double v) { p.num(v); }
  void null() { p.null(); }
};

class PgPerfStore final : public PerfStoreBackend {
 public:
  PgPerfStore(const std::string& url, StoreMode mode);

  void put_run(const PerfRunRecord& run) override;
  void put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) override;
  std::vector<PerfRunRecord> runs() override;
  std::vector<PerfLevelRecord> levels(const std::string& run_id) override;
  int request_count(const std::string& run_id) override;
  std::vector<PerfRecord> requests(const std::string& run_id, int level) override;

 private:
  PgConn conn_;
  bool tables_ = true;  // false: read-only, and no perf run was ever stored here
};

PgPerfStore::PgPerfStore(const std::string& url, StoreMode mode) : conn_(url) {
  try {
    if (mode == StoreMode::kReadOnly) conn_.set_session("SET default_transaction_read_only = on");
    // Tables that exist are left alone, without a lock or a write: a report
    // may read through a read-only role or from a standby.
    tables_ = conn_.exec("SELECT to_regclass('perf_runs') IS NOT NULL AND to_regclass('perf_levels') IS NOT NULL AND "
                         "to_regclass('perf_requests') IS NOT NULL")
                  .text(0, 0) == "t";
    if (tables_ || mode == StoreMode::kReadOnly) return;
    tables_ = true;
    conn_.transaction([&] {
      // Two first opens at once would both create a table, and one would
      // fail on the catalog's unique index: one at a time.
      conn_.exec("SELECT pg_advisory_xact_lock(hashtext('rigor-perf-schema'))");
      conn_.exec(kSchema);
    });
  } catch (const std::exception& e) {
    throw StoreOpenError(fmt::format("cannot use database {}: {}", url, e.what()));
  }
}

void PgPerfStore::put_run(const PerfRunRecord& r) {
  // A plain INSERT: an id clash is an error, never an overwritten run.
  const std::string config = r.config.dump();
  Params p;
  p.ref(r.id).ref(r.model).ref(r.model_id).ref(r.engine).ref(r.mode).ref(r.version).num(static_cast<int64_t>(r.seed));
  p.ref(r.started_at).ref(config);
  conn_.exec("INSERT INTO perf_runs(id, model, model_id, engine, mode, version, seed, started_at, config_json) "
             "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)",
             p);
}

void PgPerfStore::put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) {
  static const RequestInsert insert;
  conn_.transaction([&] {
    const std::string summary = level.summary.dump();
    conn_.exec("INSERT INTO perf_levels(run_id, level, concurrency, rate, warmup, summary_json) "
               "VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT (run_id, level) DO UPDATE SET concurrency=EXCLUDED.concurrency, "
               "rate=EXCLUDED.rate, warmup=EXCLUDED.warmup, summary_json=EXCLUDED.summary_json",
               Params()
                   .ref(level.run_id)
                   .num(int64_t{level.level})
                   .num(int64_t{level.concurrency})
                   .num(level.rate)
                   .num(int64_t{level.warmup})
                   .ref(summary));
    // Several rows a statement; a level's indexes are distinct (dispatch
    // order), as one upsert statement needs.
    for (size_t at = 0; at < requests.size(); at += kRequestRowsPerInsert) {
      const size_t n = std::min(kRequestRowsPerInsert, requests.size() - at);
      std::string sql = insert.head;
      Params p;
      PgRow row{p};
      for (size_t i = 0; i < n; ++i) {
        fmt::format_to(std::back_inserter(sql), "{}({})", i ? "," : "",
                       placeholders(static_cast<int>(i) * kPerfRequestColumnCount, kPerfRequestColumnCount));
        perf_request_row(level, requests[at + i], row);
      }
      conn_.exec(sql + insert.tail, p);
    }
  });
}

std::vector<PerfRunRecord> PgPerfStore::runs() {
  if (!tables_) return {};
  auto r = conn_.exec(
      "SELECT id, model, model_id, engine, mode, version, seed, started_at, config_json FROM perf_runs "
      "ORDER BY started_at COLLATE \"C\", id COLLATE \"C\"");
  std::vector<PerfRunRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    PerfRunRecord run;
    run.id = r.text(i, 0);
    run.model = r.text(i, 1);
    run.model_id = r.text(i, 2);
    run.engine = r.text(i, 3);
    run.mode = r.text(i, 4);
    run.version = r.text(i, 5);
    run.seed = static_cast<uint64_t>(r.i64(i, 6));
    run.started_at = r.text(i, 7);
    run.config = nlohmann::json::parse(r.text(i, 8), nullptr, false);
    out.push_back(std::move(run));
  }
  return out;
}

std::vector<PerfLevelRecord> PgPerfStore::levels(const std::string& run_id) {
  if (!tables_) return {};
  auto r = conn_.exec(
      "SELECT level, concurrency, rate, warmup, summary_json FROM perf_levels WHERE run_id=$1 ORDER BY level",
      Params().ref(run_id));
  std::vector<PerfLevelRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    PerfLevelRecord l;
    l.run_id = run_id;
    l.level = static_cast<int>(r.i64(i, 0));
    l.concurrency = static_cast<int>(r.i64(i, 1));
    l.rate = r.real(i, 2);
    l.warmup = static_cast<int>(r.i64(i, 3));
    l.summary = nlohmann::json::parse(r.text(i, 4), nullptr, false);
    out.push_back(std::move(l));
  }
  return out;
}

int PgPerfStore::request_count(const std::string& run_id) {
  if (!tables_) return 0;
  return static_cast<int>(
      conn_.exec("SELECT count(*) FROM perf_requests WHERE run_id=$1", Params().ref(run_id)).i64(0, 0));
}

std::vector<PerfRecord> PgPerfStore::requests(const std::string& run_id, int level) {
  if (!tables_) return {};
  std::string columns;
  for (const char* c : kRequestColumns) columns += fmt::format("{}{}", columns.empty() ? "" : ", ", c);
  auto r = conn_.exec(fmt::format("SELECT {} FROM perf_requests WHERE run_id=$1 AND level=$2 ORDER BY idx", columns),
                      Params().ref(run_id).num(int64_t{level}));
  struct Row {
    const PgResult& r;
    int row;
    bool is_null(int col) const { return r.is_null(row, col); }
    int64_t i64(int col) const { return r.i64(row, col); }
    double real(int col) const { return r.real(row, col); }
    std::string text(int col) const { return r.text(row, col); }
  };
  std::vector<PerfRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(perf_record_of_row(Row{r, i}));
  return out;
}

}  // namespace

std::unique_ptr<PerfStoreBackend> open_postgres_perf_store(const std::string& url, StoreMode mode) {
  return std::make_unique<PgPerfStore>(url, mode);
}

}  // namespace rigor
