// What a perf store backend implements; PerfStore (perf_store.h) forwards
// to one. Internal to store/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <optional>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/perf_store.h"
#include "store/store.h"

namespace rigor {

class PerfStoreBackend {
 public:
  virtual ~PerfStoreBackend() = default;
  virtual void put_run(const PerfRunRecord& run) = 0;
  virtual void put_level(const PerfLevelRecord& level, const std::vector<PerfRecord>& requests) = 0;
  virtual std::vector<PerfRunRecord> runs() = 0;
  virtual std::vector<PerfLevelRecord> levels(const std::string& run_id) = 0;
  virtual int request_count(const std::string& run_id) = 0;
  virtual std::vector<PerfRecord> requests(const std::string& run_id, int level) = 0;
};

// url: a postgresql:// URL without a password. Throws StoreOpenError naming it.
std::unique_ptr<PerfStoreBackend> open_postgres_perf_store(const std::string& url, StoreMode mode);

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

// The inverse of perf_request_row: a PerfRecord from a perf_requests row,
// whose column i `in` reads as is_null(i), i64(i), real(i) or text(i).
// Chunk times come back without their reasoning flag, which is not stored.
// Throws std::runtime_error on an error kind this version does not know.
template <typename In>
PerfRecord perf_record_of_row(const In& in) {
  PerfRecord r;
  r.index = in.i64(2);
  r.scheduled_s = in.is_null(3) ? -1 : in.real(3);
  r.sent_s = in.real(4);
  r.dispatch_lag_s = in.real(5);
  r.end_s = in.real(6);
  r.first_byte_s = in.is_null(7) ? -1 : in.real(7);
  r.ok = in.i64(8) != 0;
  if (!r.ok) {
    const std::string kind = in.text(9);
    const std::optional<ErrorCode> code = error_code_named(kind);
    if (!code) throw std::runtime_error("perf request " + std::to_string(r.index) + ": unknown error kind '" + kind + "'");
    r.error.code = *code;
    r.error.message = in.text(10);
    r.error.http_status = static_cast<int>(in.i64(11));
    return r;
  }
  Completion& c = r.completion;
  c.ttft_s = in.real(12), c.ttfat_s = in.real(13), c.last_token_s = in.real(14), c.total_s = in.real(15);
  c.usage.prompt_tokens = in.i64(16), c.usage.completion_tokens = in.i64(17), c.usage.reasoning_tokens = in.i64(18);
  const nlohmann::json times = nlohmann::json::parse(in.text(19), nullptr, false);
  if (!times.is_array()) throw std::runtime_error("perf request " + std::to_string(r.index) + ": chunk times are not a JSON array");
  for (const auto& t : times) c.chunks.push_back({t.get<double>(), false});
  return r;
}

}  // namespace rigor
