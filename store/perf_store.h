// Perf results in the same store as accuracy runs (a SQLite file or a
// PostgreSQL URL, as for Store), in their own tables (created if missing, so
// existing databases keep working):
//   perf_runs      one row per `rigor perf` invocation: model, engine, mode,
//                  resolved config, version, seed
//   perf_levels    one row per load level: concurrency or rate, warm-up and
//                  the level's summary as JSON (computed by reports/perf_*)
//   perf_requests  every request of every level, warm-up included, raw:
//                  schedule, send, lag, first byte, outcome, timings, usage, chunk times
// Raw requests are kept so statistics can be recomputed later.
// Thread-safety: one PerfStore per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/perf_record.h"
#include "store/store.h"

namespace rigor {

struct PerfRunRecord {
  std::string id;           // perf-<model>-<UTC time>
  std::string model;        // rigor's name for the model
  std::string model_id;     // id sent to the server
  std::string engine;       // openai | sim
  std::string mode;         // "concurrency" | "rate" | "slo-search"
  std::string version;      // harness version
  uint64_t seed = 0;
  std::string started_at;   // ISO 8601 UTC
  nlohmann::json config;    // resolved config and perf options, no secrets
};

struct PerfLevelRecord {
  std::string run_id;
  int level = 0;            // 0-based order within the run
  int concurrency = 0;      // closed loop
  double rate = 0;          // open loop
  int warmup = 0;
  nlohmann::json summary;   // reports/perf_report.h perf_summary_json()
};

class PerfStoreBackend;

class PerfStore {
 public:
  // Opens `location`: a postgresql:// (or postgres://) URL, else a SQLite
  // file. Read-write creates the file and the perf tables when missing;
  // read-only never writes (a store without perf tables reads as empty).
  // Throws std::runtime_error naming the location.
  explicit PerfStore(const std::string& location, StoreMode mode = StoreMode::kReadWrite);
  ~PerfStore();
  PerfStore(const PerfStore&) = delete;
  PerfStore& operator=(const PerfStore&) = delete;

  void put_run(const PerfRunRecord& run);  // throws std::runtime_error when the id exists
  // The level row and all its requests, in one transaction.
  void put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests);

  std::vector<PerfRunRecord> runs();                          // oldest first
  std::vector<PerfLevelRecord> levels(const std::string& run_id);
  int request_count(const std::string& run_id);
  // One level's requests as stored, in dispatch order (rigor db copy).
  std::vector<PerfRecord> requests(const std::string& run_id, int level);

 private:
  std::unique_ptr<PerfStoreBackend> impl_;
};

}  // namespace rigor
