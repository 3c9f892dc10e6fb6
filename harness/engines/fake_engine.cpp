#include "harness/engines/fake_engine.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <utility>

namespace rigor {

FakeEngine::FakeEngine(Script script, int concurrency, bool out_of_order)
    : script_(std::move(script)), concurrency_(concurrency), out_of_order_(out_of_order) {
  if (!script_) throw std::invalid_argument("FakeEngine: empty script");
  if (concurrency_ < 1) throw std::invalid_argument("FakeEngine: concurrency must be >= 1");
}

FakeEngine FakeEngine::from_results(std::vector<CompletionResult> results, int concurrency) {
  auto queue = std::make_shared<std::vector<CompletionResult>>(std::move(results));
  auto index = std::make_shared<size_t>(0);
  return FakeEngine(
      [queue, index](const CompletionRequest&) -> CompletionResult {
        if (*index >= queue->size()) {
          return error(ErrorCode::kInvalidRequest, "FakeEngine: the script has no result left");
        }
        return (*queue)[(*index)++];
      },
      concurrency);
}

void FakeEngine::run(const NextJob& next, const OnResult& on_result, const std::atomic<bool>* cancel) {
  auto cancelled = [cancel] { return cancel && cancel->load(); };
  while (true) {
    std::vector<EngineJob> batch;
    while (static_cast<int>(batch.size()) < concurrency_ && !cancelled()) {
      std::optional<EngineJob> job = next();
      if (!job) break;
      requests_.push_back(job->request);
      batch.push_back(std::move(*job));
    }
    if (batch.empty()) return;
    max_in_flight_ = std::max(max_in_flight_, static_cast<int>(batch.size()));
    if (out_of_order_) std::reverse(batch.begin(), batch.end());
    for (EngineJob& job : batch) {
      if (cancelled()) {
        on_result(job.tag, error(ErrorCode::kCancelled, "the run was cancelled"));
      } else {
        on_result(job.tag, script_(job.request));
      }
    }
    if (static_cast<int>(batch.size()) < concurrency_) return;  // next() said no more, or cancelled
  }
}

Completion FakeEngine::completion(std::string text, std::string reasoning, std::string finish_reason) {
  Completion c;
  c.text = std::move(text);
  c.reasoning = std::move(reasoning);
  c.finish_reason = std::move(finish_reason);
  // Roughly four bytes per token, so costs and speeds come out non-zero.
  c.usage.prompt_tokens = 100;
  c.usage.cached_tokens = 0;
  c.usage.reasoning_tokens = static_cast<int64_t>(c.reasoning.size() / 4);
  c.usage.completion_tokens = c.usage.reasoning_tokens + static_cast<int64_t>(c.text.size() / 4) + 1;
  c.server_model = "fake";
  c.ttft_s = 0.1;
  c.ttfat_s = c.reasoning.empty() ? 0.1 : 0.5;
  c.last_token_s = 1.0;
  c.total_s = 1.0;
  c.chunks = {ChunkTime{0.1, !c.reasoning.empty()}, ChunkTime{1.0, false}};
  return c;
}

CompletionResult FakeEngine::error(ErrorCode code, std::string message, int http_status) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.http_status = http_status;
  return tl::make_unexpected(std::move(e));
}

}  // namespace rigor
