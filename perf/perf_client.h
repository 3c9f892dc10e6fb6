// The load generator of `rigor perf`: sends streamed chat requests to one
// OpenAI-compatible server at a fixed concurrency (closed loop) or at
// scheduled times (open loop, Poisson arrivals), and records per-request
// timings.
//
// Built so that the client is never the bottleneck: one thread, one libcurl
// multi handle driven through curl's socket interface on epoll, and a
// timerfd armed to the exact next event (a curl timeout or the next
// scheduled send), so an open-loop request leaves at its scheduled time to
// within the wake-up latency of the kernel, not a polling interval. Nothing
// blocks in the loop; no retries (a failed request is a measured error).
//
// Times: t = 0 of a request is the moment it is handed to curl (its "send");
// ttft/ttfat/chunk times in the Completion are relative to that. sent_s and
// scheduled_s are relative to the start of the load level.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "base/completion.h"
#include "store/perf_record.h"

namespace rigor {

struct PerfClientOptions {
  std::string url;                   // full URL, e.g. http://127.0.0.1:8000/v1/chat/completions
  std::string api_key;               // "" sends no Authorization
  std::vector<std::string> headers;  // extra "Name: value" headers
  double connect_timeout_s = 10;
  double total_timeout_s = 600;      // per request
};

// One load level.
struct PerfLoad {
  int concurrency = 0;     // > 0: closed loop, this many in flight
  double rate = 0;         // > 0 (and concurrency == 0): open loop, Poisson arrivals per second
  int requests = 0;        // requests to send (warm-up included); > 0
  double duration_s = 0;   // > 0: stop sending new requests this long after the first measured one
  int warmup = 0;          // requests before the measured ones (the duration starts after them)
  uint64_t seed = 0;       // Poisson arrival times derive from it
};

// Poisson arrival times (seconds from 0) for `count` requests at `rate`/s,
// deterministic for a seed: exponential gaps -ln(1-u)/rate.
std::vector<double> poisson_arrivals(int count, double rate, uint64_t seed);

// Runs one level: request i uses bodies[i % bodies.size()] (serialised JSON
// chat requests with "stream": true). Returns one record per request sent,
// in dispatch order. Throws std::invalid_argument for an unusable load or
// empty bodies; network and server failures are records, not exceptions.
// When *cancel becomes true, no more are sent and in-flight ones are
// recorded as kCancelled.
std::vector<PerfRecord> run_load(const PerfClientOptions& options, const std::vector<std::string>& bodies,
                                 const PerfLoad& load, const std::atomic<bool>* cancel = nullptr);

// Raises the soft open-files limit to the hard limit (1,000 streams need
// more than the usual 1,024 descriptors, here and in a child server).
void raise_open_files_limit();

}  // namespace rigor
