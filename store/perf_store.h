// Perf results in the same SQLite file as accuracy runs, in their own tables
// (created if missing, so existing databases keep working):
//   perf_runs      one row per `rigor perf` invocation: model, engine, mode,
//                  resolved config, version, seed
//   perf_levels    one row per load level: concurrency or rate, warm-up and
//                  the level's summary as JSON (computed by reports/perf_*)
//   perf_requests  every request of every level, warm-up included, raw:
//                  schedule, send, lag, first byte, outcome, timings, usage, chunk times
// Raw requests are kept so statistics can be recomputed later.
// Thread-safety: one PerfStore per thread.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/perf_record.h"

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

class PerfStore {
 public:
  // Opens or creates the database; throws std::runtime_error naming the path.
  explicit PerfStore(const std::string& path);
  ~PerfStore();
  PerfStore(const PerfStore&) = delete;
  PerfStore& operator=(const PerfStore&) = delete;

  void put_run(const PerfRunRecord& run);  // throws std::runtime_error when the id exists
  // The level row and all its requests, in one transaction.
  void put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests);

  std::vector<PerfRunRecord> runs();                          // oldest first
  std::vector<PerfLevelRecord> levels(const std::string& run_id);
  int request_count(const std::string& run_id);

 private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace rigor
