// The results store: runs, every sample, run leases, verifies, and the work
// queue of runs shared by many workers. Two backends behind one interface:
//   - SQLite (a file path; the embedded default): one file in WAL mode. A
//     committed sample survives a kill -9 (not a power cut: synchronous=NORMAL).
//   - PostgreSQL (postgresql://user@host:port/dbname; the shared store): many
//     rigor processes on many machines, and the work queue (`rigor run
//     --worker`). The password comes only from PGPASSWORD or ~/.pgpass.
// `rigor run` commits samples in groups (put_samples, from its sample sink):
// a sample whose request finished moments before a kill -9 may not be
// committed yet, and a resumed run requests it again with the same seed.
// (run, model, suite, problem, sample) is the primary key, so no sample is
// ever stored twice. Both backends run the same numbered migrations at open.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rigor {

struct RunRecord {
  std::string id;            // user-given or derived from the config hash
  std::string config_json;   // resolved config, secrets never included
  std::string config_hash;   // SHA-256 of config_json
  std::string version;       // harness version
  uint64_t seed = 0;         // run seed
  std::string started_at;    // ISO-8601 UTC
  std::string finished_at;   // empty while unfinished
  std::string tag;           // optional label ("nightly")
};

// One model within a run, with what the metrics need to price and label it.
struct RunModelRecord {
  std::string run_id;
  std::string model;          // config name of the model
  std::string engine;         // "openai", "anthropic", "sim"
  std::string model_id;       // id sent to the server
  std::string server_label;   // what the server says it is (/v1/models), e.g. "rigor-sim"
  bool simulated = false;     // served by rigor's simulator
  std::string pricing_json;   // {"input":..,"cached_input":..,"output":..} or {"gpu_hour":..,"gpus":..}
  double wall_s = 0;          // measured generation wall time, summed over sessions
};

enum class SampleStatus { kOk, kError };

struct SampleRecord {
  std::string run_id;
  std::string model;
  std::string suite;
  std::string problem_id;
  int sample_idx = 0;
  uint64_t seed = 0;               // request seed derived from (run seed, problem, sample)
  SampleStatus status = SampleStatus::kOk;
  std::string prompt;              // the user message sent
  std::string gold;                // the reference this sample was scored against
  std::string permutation;         // GPQA choice permutation as JSON, else ""
  std::string response;            // answer part of the output
  std::string reasoning;           // reasoning part of the output
  std::string extracted;           // the scorer's extracted answer
  bool extracted_ok = false;
  bool correct = false;
  std::string score_reason;        // which extraction rule fired / why it failed
  std::string finish_reason;
  bool truncated = false;          // finish_reason == "length" or unclosed <think>
  int64_t prompt_tokens = -1;      // -1: the server did not report it
  int64_t cached_tokens = -1;      // input served from the provider's cache
  int64_t cache_write_tokens = -1; // input written to the provider's cache (Anthropic), part of prompt_tokens
  int64_t completion_tokens = -1;
  int64_t reasoning_tokens = -1;
  double ttft_s = -1;
  double ttfat_s = -1;
  double decode_tps = -1;          // (output tokens - 1) / (last - first token time)
  double latency_s = -1;           // request sent -> stream finished
  double started_s = -1;           // request send time, seconds since the run session began
  double cost_usd = -1;            // API pricing; -1 when self-hosted or unknown
  std::string error;               // error kind and message when status == kError
  int attempts = 0;
  std::string server_model;
  double limit_wait_s = 0;         // held back by rate limits (client budgets, backoff after 429), not server latency
};

// The database cannot be opened as asked: no such file (read-only commands
// never create one), no permission, not a database, another schema version.
// The message names the path. A user error, unlike a failure while in use.
class StoreOpenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a run's stored samples cost, as a budget counts it: positive costs,
// and the input and output tokens servers reported.
struct RunSpend {
  double usd = 0;
  int64_t tokens = 0;
  // Counts one sample as the budget does (and run_spend's query).
  void add(const SampleRecord& s) {
    if (s.cost_usd > 0) usd += s.cost_usd;
    if (s.prompt_tokens > 0) tokens += s.prompt_tokens;
    if (s.completion_tokens > 0) tokens += s.completion_tokens;
  }
};

enum class StoreMode {
  kReadWrite,  // creates the file and migrates its schema when needed (run, perf)
  kReadOnly,   // report, compare, gate: never creates or changes the file; works on a read-only file
};

// Who is running a run now (run_leases): one process per run at a time.
struct RunLeaseRecord {
  std::string run_id;
  int64_t pid = 0;
  std::string host;
  double heartbeat = 0;  // Unix time of the holder's last heartbeat
  bool operator==(const RunLeaseRecord&) const = default;
};

// One `rigor verify` of an endpoint against a claimed model card.
struct VerifyRecord {
  std::string id;           // verify-<model>-<UTC time>
  std::string model;        // rigor's name for the model
  std::string claim;        // the card's name
  std::string started_at;   // ISO 8601 UTC
  std::string finished_at;  // "" while running or when it died
  std::string verdict;      // "consistent" | "inconsistent" | "undecided"; "" while running
  std::string detail_json;  // options, card source, the model's config (no secrets), every test's outcome
};

// One request verify sent, with what came back: everything, as for samples.
struct VerifyRequestRecord {
  std::string verify_id;
  int64_t seq = 0;               // dispatch order within the verify
  std::string test;              // "tokenizer" | "accuracy"
  std::string item;              // "hangul x3", or the suite's problem id
  uint64_t seed = 0;
  std::string prompt;
  std::string gold;              // accuracy: the reference answer
  std::string status;            // "ok" | "error"
  std::string response, reasoning, finish_reason, error;
  std::string extracted;
  int correct = -1;              // accuracy: 1 / 0; -1 when not judged
  int64_t prompt_tokens = -1, cached_tokens = -1, completion_tokens = -1, reasoning_tokens = -1;
  double latency_s = -1;
  double cost_usd = 0;
};

// One planned sample of a run in the work queue (PostgreSQL).
struct WorkKey {
  std::string model, suite, problem_id;
  int sample_idx = 0;
  bool operator==(const WorkKey&) const = default;
};

// A worker on a run: who it is and when it last said so.
struct WorkerRecord {
  std::string worker;      // "<host>:<pid>:<random>"
  std::string host;
  int64_t pid = 0;
  std::string started_at;  // ISO 8601 UTC
  double heartbeat_age_s = 0;  // by the database's clock
  int leased = 0;          // work items it holds now
};

// A run's queue, per model: where every planned sample is.
struct WorkCount {
  std::string model;
  int waiting = 0;  // never claimed, or given back
  int leased = 0;   // held by a live lease (in flight or about to be)
  int expired = 0;  // leased by a worker whose lease ran out: claimable again
  int done = 0;     // stored as ok
  int failed = 0;   // stored as an error this round; re-queued when a worker next starts on an idle run
  int resent = 0;   // done items that were claimed more than once (sent again after a lost lease)
  int total() const { return waiting + leased + expired + done + failed; }
};

struct WorkStatus {
  std::vector<WorkCount> models;      // in model order
  std::vector<WorkerRecord> workers;  // live and recently seen, by worker id
};

class StoreBackend;

class Store {
 public:
  // Opens the store at `location`: a postgresql:// (or postgres://) URL, else
  // a SQLite file path (kReadWrite creates it when missing). Runs the
  // migrations (read-write only). Throws StoreOpenError naming the location
  // if it cannot be opened or has an incompatible schema.
  explicit Store(const std::string& location, StoreMode mode = StoreMode::kReadWrite);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // All methods are thread-safe (one connection, serialised by a mutex).
  void put_run(const RunRecord& run);  // insert or replace
  std::optional<RunRecord> get_run(const std::string& id);
  std::vector<RunRecord> list_runs();  // oldest first
  void finish_run(const std::string& id, const std::string& finished_at);

  void put_run_model(const RunModelRecord& m);  // insert or update, keeping wall_s
  void add_run_model_wall(const std::string& run_id, const std::string& model, double wall_s);
  std::vector<RunModelRecord> run_models(const std::string& run_id);  // in first-registered order

  // Inserts or replaces one sample in its own transaction.
  void put_sample(const SampleRecord& s);
  // Inserts or replaces several samples in one transaction: all or none.
  void put_samples(const std::vector<SampleRecord>& batch);
  std::vector<SampleRecord> samples(const std::string& run_id);  // by model, suite, problem, sample (bytewise)
  // Keys "model\x1fsuite\x1fproblem\x1fidx" of samples with status ok.
  std::vector<std::string> finished_keys(const std::string& run_id);
  // What the run's stored samples cost (one aggregate query): what workers
  // on one run read to share its budget.
  RunSpend run_spend(const std::string& run_id);

  // Takes the run's lease for `mine` in one transaction when it is free,
  // when its holder's heartbeat is older than stale_after_s, or when the
  // holder is exactly `expected` (a holder the caller found dead). Returns
  // nullopt when taken, else the holder that keeps it.
  std::optional<RunLeaseRecord> take_lease(const RunLeaseRecord& mine, double stale_after_s,
                                           const std::optional<RunLeaseRecord>& expected = std::nullopt);
  // Moves mine's heartbeat to `now`; false when the lease is no longer mine.
  bool renew_lease(const RunLeaseRecord& mine, double now);
  void release_lease(const RunLeaseRecord& mine);

  void put_verify(const VerifyRecord& v);  // insert or replace
  std::optional<VerifyRecord> get_verify(const std::string& id);
  std::vector<VerifyRecord> list_verifies();  // oldest first
  void put_verify_request(const VerifyRequestRecord& r);  // its own transaction
  std::vector<VerifyRequestRecord> verify_requests(const std::string& verify_id);  // in seq order

  // The work queue of a run shared by workers (PostgreSQL only; on SQLite
  // these throw StoreOpenError saying so). Times are the database's clock,
  // so workers on machines with skewed clocks agree on lease expiry.
  bool has_work_queue() const;
  // Adds the keys not yet planned (one row each), marks done those already
  // stored as ok, and re-queues failed items when nobody holds a lease on
  // the run. Safe to call from every worker at once. Returns rows added.
  int plan_work(const std::string& run_id, const std::vector<WorkKey>& keys);
  // Claims up to `max` waiting (or lease-expired) items of one model for
  // `worker` until now + lease_s, skipping rows other claimers hold locked.
  std::vector<WorkKey> claim_work(const std::string& run_id, const std::string& model, const std::string& worker,
                                  int max, double lease_s);
  // Stores a worker's results and completes their items (done, or failed
  // for an error) in one transaction. An item another worker already
  // completed keeps that worker's ok sample: nothing stored is sampled twice.
  void complete_work(const std::vector<SampleRecord>& batch, const std::string& worker);
  // Gives back the worker's leased items (cancelled, never finished).
  void release_work(const std::string& run_id, const std::string& worker);
  // Registers or heartbeats `worker`, extends its leases to now + lease_s,
  // and returns the ids of the workers seen within stale_after_s (sorted).
  std::vector<std::string> worker_heartbeat(const std::string& run_id, const WorkerRecord& worker, double lease_s,
                                            double stale_after_s);
  void remove_worker(const std::string& run_id, const std::string& worker);
  WorkStatus work_status(const std::string& run_id);

  // The location as given (a URL never holds a password: it is refused).
  const std::string& path() const { return path_; }
  bool postgres() const;

 private:
  std::string path_;
  std::unique_ptr<StoreBackend> impl_;
};

// True for a postgresql:// or postgres:// location.
bool is_postgres_url(const std::string& location);

std::string sample_key(const std::string& model, const std::string& suite,
                       const std::string& problem_id, int sample_idx);

}  // namespace rigor
