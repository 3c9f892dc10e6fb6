// What a perf store backend implements; PerfStore (perf_store.h) forwards
// to one. Internal to store/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/perf_store.h"

namespace rigor {

class PerfStoreBackend {
 public:
  virtual ~PerfStoreBackend() = default;
  virtual void put_run(const PerfRunRecord& run) = 0;
  virtual void put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) = 0;
  virtual std::vector<PerfRunRecord> runs() = 0;
  virtual std::vector<PerfLevelRecord> levels(const std::string& run_id) = 0;
  virtual int request_count(const std::string& run_id) = 0;
};

// url: a postgresql:// URL without a password. Throws StoreOpenError naming it.
std::unique_ptr<PerfStoreBackend> open_postgres_perf_store(const std::string& url);

inline constexpr int kPerfRequestColumnCount = 20;

// One perf_requests row in column order, handed to `out` as
// add(int64_t | double | std::string) or null(). Both backends write through
// this, so they store the same values and the same NULLs: no schedule
// (closed loop), no first byte, and the outcome fields of the other outcome.
template <typename Out>
void perf_request_row(const PerfLevelRecord& level, const PerfRecord& r, Out& out) {
  out.add(level.run_id);
  out.add(int64_t{level.level});
  out.add(r.index);
  if (r.scheduled_s >= 0) out.add(r.scheduled_s); else out.null();
  out.add(r.sent_s);
  out.add(r.dispatch_lag_s);
  out.add(r.end_s);
  if (r.first_byte_s >= 0) out.add(r.first_byte_s); else out.null();
  out.add(int64_t{r.ok});
  if (r.ok) {
    out.null(), out.null(), out.null();
    const Completion& c = r.completion;
    out.add(c.ttft_s), out.add(c.ttfat_s), out.add(c.last_token_s), out.add(c.total_s);
    out.add(c.usage.prompt_tokens), out.add(c.usage.completion_tokens), out.add(c.usage.reasoning_tokens);
    nlohmann::json times = nlohmann::json::array();
    for (const ChunkTime& t : c.chunks) times.push_back(t.t_s);
    out.add(times.dump());
  } else {
    out.add(std::string(to_string(r.error.code))), out.add(r.error.message), out.add(int64_t{r.error.http_status});
    for (int i = 0; i < 8; ++i) out.null();
  }
}

}  // namespace rigor
