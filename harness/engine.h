// The engine seam: something that turns CompletionRequests into Completions.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

#include "base/completion.h"

namespace rigor {

struct EngineJob {
  uint64_t tag = 0;           // caller's handle, returned with the result
  CompletionRequest request;
};

// Pulled by the engine whenever it has a free slot; nullopt means "no more".
using NextJob = std::function<std::optional<EngineJob>()>;
// Called once per job, from the thread that called run(), never concurrently.
using OnResult = std::function<void(uint64_t tag, CompletionResult result)>;

class Engine {
 public:
  virtual ~Engine() = default;

  // Runs jobs until next() returns nullopt and every in-flight job has
  // finished, keeping at most the configured number in flight. Retries
  // (with backoff) happen inside; on_result sees only the final outcome.
  // When *cancel becomes true, no new job is pulled and in-flight ones end
  // with ErrorCode::kCancelled. Not thread-safe: one run() at a time.
  virtual void run(const NextJob& next, const OnResult& on_result,
                   const std::atomic<bool>* cancel = nullptr) = 0;
};

}  // namespace rigor
