#include "harness/endpoint_check.h"

#include <chrono>
#include <future>

#include <fmt/format.h>

namespace rigor {
namespace {

std::string hint(const Error& e, const ModelConfig& m, const std::string& base_url, const ServerInfo& info) {
  switch (e.code) {
    case ErrorCode::kAuth:
      return m.api_key_env.empty() ? "the server wants a key: set api_key_env"
                                   : fmt::format("check the key in ${}", m.api_key_env);
    case ErrorCode::kInvalidRequest:
      if (e.http_status == 404) {
        std::string listed;
        if (info.listed) {
          for (const auto& id : info.ids) listed += (listed.empty() ? "" : ", ") + id;
          listed = fmt::format("; {}/models lists: {}", base_url, listed.empty() ? "nothing" : listed);
        }
        return fmt::format("check base_url {} and model_id \"{}\"{}", base_url, m.model_id, listed);
      }
      return "the server rejected the request: check the sampling settings, max_tokens and [models.extra]";
    case ErrorCode::kTransport:
      return fmt::format("is the server running at {}?", base_url);
    case ErrorCode::kTimeout:
      return fmt::format("the server at {} accepted the connection but did not answer within check_timeout_s = {:g} s",
                         base_url, m.check_timeout_s);
    case ErrorCode::kParse:
    case ErrorCode::kIncomplete:
      return fmt::format("{} does not answer like an OpenAI-compatible API (an HTML page? a wrong base_url, "
                         "e.g. missing /v1?)", base_url);
    default:
      return "";
  }
}

}  // namespace

EndpointCheck check_endpoint(const ModelConfig& m, const std::string& base_url, const EngineFactory& factory) {
  const auto t0 = std::chrono::steady_clock::now();
  EndpointCheck out;
  // The model list runs beside the request: a server that never answers
  // costs one timeout, not two.
  auto listing = std::async(std::launch::async, [&] { return probe_server(m, base_url); });

  ModelConfig c = m;
  c.max_attempts = 1;
  c.concurrency = 1;
  c.idle_timeout_s = std::min(m.idle_timeout_s, m.check_timeout_s);
  c.total_timeout_s = std::min(m.total_timeout_s, m.connect_timeout_s + m.check_timeout_s);
  std::optional<CompletionResult> result;
  try {
    auto engine = factory(c, base_url);
    bool pulled = false;
    auto next = [&]() -> std::optional<EngineJob> {
      if (pulled) return std::nullopt;
      pulled = true;
      EngineJob job;
      job.request.model = m.model_id;
      job.request.messages = {{"user", "Reply with the word OK."}};
      job.request.temperature = m.temperature;
      job.request.top_p = m.top_p;
      job.request.max_tokens = m.thinking_budget > 0 ? m.thinking_budget + 16 : std::min(m.max_tokens, 16);
      if (m.send_seed) job.request.seed = 1;
      job.request.extra = m.extra;
      return job;
    };
    engine->run(next, [&](uint64_t, CompletionResult r) { result = std::move(r); });
  } catch (...) {
    listing.wait();
    throw;
  }
  out.info = listing.get();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result || *result || result->error().code == ErrorCode::kRateLimited) return out;
  out.ok = false;
  out.error = result->error();
  const Error& e = *out.error;
  const std::string h = hint(e, m, base_url, out.info);
  out.problem = fmt::format("{}{}: {}{}", to_string(e.code), e.http_status ? fmt::format(" (HTTP {})", e.http_status) : "",
                            e.message, h.empty() ? "" : " — " + h);
  return out;
}

}  // namespace rigor
