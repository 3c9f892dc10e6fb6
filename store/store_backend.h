// What a store backend implements; Store (store.h) forwards to one. Each
// backend serialises its own connection, so every method is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace rigor {

// run_spend's query on either backend, `param` its run_id parameter ("?"
// or "$1"): the budget's view of cost (positive costs; reported token counts).
inline std::string run_spend_sql(const char* param) {
  return std::string(
             "SELECT COALESCE(SUM(CASE WHEN cost_usd > 0 THEN cost_usd ELSE 0 END), 0), COALESCE(SUM((CASE WHEN "
             "prompt_tokens > 0 THEN prompt_tokens ELSE 0 END) + (CASE WHEN completion_tokens > 0 THEN "
             "completion_tokens ELSE 0 END)), 0) FROM samples WHERE run_id=") +
         param;
}

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;

  virtual void put_run(const RunRecord& run) = 0;
  virtual std::optional<RunRecord> get_run(const std::string& id) = 0;
  virtual std::vector<RunRecord> list_runs() = 0;
  virtual void finish_run(const std::string& id, const std::string& finished_at) = 0;

  virtual void put_run_model(const RunModelRecord& m) = 0;
  virtual void add_run_model_wall(const std::string& run_id, const std::string& model, double wall_s) = 0;
  virtual std::vector<RunModelRecord> run_models(const std::string& run_id) = 0;

  virtual void put_samples(const std::vector<SampleRecord>& batch) = 0;
  virtual std::vector<SampleRecord> samples(const std::string& run_id) = 0;
  virtual std::vector<std::string> finished_keys(const std::string& run_id) = 0;
  virtual RunSpend run_spend(const std::string& run_id) = 0;

  virtual std::optional<RunLeaseRecord> take_lease(const RunLeaseRecord& mine, double stale_after_s,
                                                   const std::optional<RunLeaseRecord>& expected) = 0;
  virtual bool renew_lease(const RunLeaseRecord& mine, double now) = 0;
  virtual void release_lease(const RunLeaseRecord& mine) = 0;

  virtual void put_verify(const VerifyRecord& v) = 0;
  virtual std::optional<VerifyRecord> get_verify(const std::string& id) = 0;
  virtual std::vector<VerifyRecord> list_verifies() = 0;
  virtual void put_verify_request(const VerifyRequestRecord& r) = 0;
  virtual std::vector<VerifyRequestRecord> verify_requests(const std::string& verify_id) = 0;

  // The work queue; backends without one keep these defaults, which say so.
  virtual bool has_work_queue() const { return false; }
  virtual int plan_work(const std::string& run_id, const std::vector<WorkKey>& keys);
  virtual std::vector<WorkKey> claim_work(const std::string& run_id, const std::string& model,
                                          const std::string& worker, int max, double lease_s);
  virtual void complete_work(const std::vector<SampleRecord>& batch, const std::string& worker);
  virtual void release_work(const std::string& run_id, const std::string& worker);
  virtual std::vector<std::string> worker_heartbeat(const std::string& run_id, const WorkerRecord& worker,
                                                    double lease_s, double stale_after_s);
  virtual void remove_worker(const std::string& run_id, const std::string& worker);
  virtual WorkStatus work_status(const std::string& run_id);
};

// location: a file path. Throws StoreOpenError.
std::unique_ptr<StoreBackend> open_sqlite_store(const std::string& location, StoreMode mode);
// location: a postgresql:// URL without a password. Throws StoreOpenError.
std::unique_ptr<StoreBackend> open_postgres_store(const std::string& location, StoreMode mode);

// The schema version as stored in meta's text; throws std::runtime_error
// on text that is not one. Both backends store and check it alike.
int parse_schema_version(const std::string& stored);
// A read-only open reads exactly this rigor's schema (0: none there).
void require_readable_schema(int version, int current);
// A database a newer rigor has migrated is not touched.
void refuse_newer_schema(int version, int current);

// The columns of `samples`, in the order both backends write and read them.
inline constexpr const char* kSampleColumns =
    "run_id, model, suite, problem_id, sample_idx, seed, status, prompt, gold, permutation, "
    "response, reasoning, extracted, extracted_ok, correct, score_reason, finish_reason, "
    "truncated, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, ttft_s, "
    "ttfat_s, decode_tps, latency_s, started_s, cost_usd, error, attempts, server_model, limit_wait_s, "
    "cache_write_tokens";
inline constexpr int kSampleColumnCount = 33;

inline constexpr const char* kVerifyRequestColumns =
    "verify_id, seq, test, item, seed, prompt, gold, status, response, reasoning, finish_reason, error, "
    "extracted, correct, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, latency_s, cost_usd";

}  // namespace rigor
