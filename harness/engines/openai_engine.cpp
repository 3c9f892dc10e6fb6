#include "harness/engines/openai_engine.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "harness/curl_epoll.h"
#include "harness/engines/chat_body.h"
#include "harness/engines/openai_stream.h"
#include "harness/sse.h"

namespace rigor {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxErrorBody = 8192;     // bytes of a failed response we keep
constexpr size_t kErrorExcerpt = 500;      // characters of it in a message
constexpr long kReadBufferBytes = 64 * 1024;
constexpr long kMaxPollMs = 50;            // bounds how late a cancel is noticed

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

long to_ms(double s) { return static_cast<long>(std::max(1.0, s * 1000.0)); }

void ensure_curl_global() {
  // curl_global_init is not thread-safe; a function-local static is.
  static const bool initialised = [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl global initialisation failed");
    }
    return true;
  }();
  (void)initialised;
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
    text.replace(pos, secret.size(), "[redacted]");
  }
  return text;
}

std::string excerpt(std::string_view text) {
  if (text.size() <= kErrorExcerpt) return std::string(text);
  return std::string(text.substr(0, kErrorExcerpt)) + "...";
}

// The human part of an error body: OpenAI/vLLM {"error":{"message"}},
// {"message"}, FastAPI {"detail"}, else the raw text.
std::string error_body_message(std::string_view body) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    auto pick = [](const nlohmann::json& v) -> std::optional<std::string> {
      if (v.is_string()) return v.get<std::string>();
      if (v.is_object() && v.contains("message") && v["message"].is_string()) {
        return v["message"].get<std::string>();
      }
      if (!v.is_null()) return v.dump();
      return std::nullopt;
    };
    for (const char* key : {"error", "message", "detail"}) {
      if (doc.contains(key)) {
        if (auto m = pick(doc[key])) return excerpt(*m);
      }
    }
  }
  return excerpt(body);
}

Error http_error(long status, std::string_view body, double retry_after_s) {
  Error e;
  e.code = error_code_for_status(static_cast<int>(status));
  e.http_status = static_cast<int>(status);
  e.retry_after_s = retry_after_s;
  const std::string detail = error_body_message(body);
  e.message = detail.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, detail);
  return e;
}

Error transport_error(CURLcode rc, const char* errbuf) {
  Error e;
  e.code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kTimeout : ErrorCode::kTransport;
  e.message = errbuf && errbuf[0] ? fmt::format("{} ({})", curl_easy_strerror(rc), errbuf)
                                  : std::string(curl_easy_strerror(rc));
  return e;
}

bool header_is(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         strncasecmp(line.data(), name.data(), name.size()) == 0;
}

std::string_view header_value(std::string_view line, size_t name_len) {
  std::string_view v = line.substr(name_len + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  return v;
}

// A job between attempts.
struct Job {
  uint64_t tag = 0;
  std::string body;            // serialised request, reused by every attempt
  int attempts = 0;            // attempts started so far
  double retry_wait_s = 0;     // backoff scheduled so far
  double limit_wait_s = 0;     // held by the rate limiter, or backing off after a 429
  int64_t est_tokens = 0;      // the rate limiter's estimate, corrected when it ends
  Clock::time_point retry_at;  // when the next attempt may start
};

// One HTTP attempt: the easy handle and everything its callbacks touch.
struct Transfer {
  Job job;
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  CurlEasyPool* pool = nullptr;  // where the handle goes back
  bool failed = true;           // until it ends well: a failed handle is reset before reuse
  Clock::time_point t0;         // handed to curl
  Clock::time_point last_byte;  // last header or body byte (idle timeout)
  SseParser parser;
  ChatStream stream;
  std::unique_ptr<StreamDecoder> decoder;  // replaces `stream` for other wire formats
  std::optional<Error> abort;   // set by a callback to stop the transfer
  long status = 0;
  bool status_known = false;
  bool json_body = false;       // 2xx but not an event stream
  std::string body;             // non-stream body (errors), capped
  std::string content_type;
  double retry_after_s = -1;
  char errbuf[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (!easy) return;
    if (multi) curl_multi_remove_handle(multi, easy);
    if (pool) {
      pool->give_back(easy, failed);
    } else {
      curl_easy_cleanup(easy);
    }
  }
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->last_byte = Clock::now();
  const std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after 100 Continue, say): forget the previous one's headers.
    t->retry_after_s = -1;
    t->status_known = false;
  } else if (header_is(line, "retry-after")) {
    if (auto s = parse_retry_after(header_value(line, 11))) t->retry_after_s = *s;
  }
  return n;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  const auto now = Clock::now();
  t->last_byte = now;
  if (!t->status_known) {
    t->status_known = true;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
    char* ct = nullptr;
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct);
    t->content_type = ct ? ct : "";
    // Lenient on a missing or odd type, but a JSON reply is not a stream.
    t->json_body = t->content_type.find("json") != std::string::npos;
  }
  if (t->status < 200 || t->status >= 300 || t->json_body) {
    if (t->body.size() < kMaxErrorBody) t->body.append(data, std::min(n, kMaxErrorBody - t->body.size()));
    return n;
  }
  const double t_s = seconds(now - t->t0);
  t->parser.feed(std::string_view(data, n), [t, t_s](const SseEvent& ev) {
    if (t->abort) return;
    if (t->decoder) {
      if (auto r = t->decoder->on_event(ev.type, ev.data, t_s); !r) t->abort = std::move(r.error());
      return;
    }
    if (!ev.type.empty() && ev.type != "message") {
      if (ev.type == "error") {
        Error e;
        e.code = ErrorCode::kServer;
        e.message = "error event in the stream: " + excerpt(ev.data);
        t->abort = std::move(e);
      }
      return;  // other named events (pings) carry no chat data
    }
    if (auto r = t->stream.on_data(ev.data, t_s); !r) t->abort = std::move(r.error());
  });
  return t->abort ? 0 : n;  // a short count makes curl abort the transfer
}

}  // namespace

OpenAIEngine::OpenAIEngine(OpenAIEngineOptions options) : options_(std::move(options)) {
  if (options_.base_url.empty()) throw std::invalid_argument("openai engine: base_url is empty");
  if (options_.concurrency < 1) throw std::invalid_argument("openai engine: concurrency must be >= 1");
  if (options_.connect_timeout_s <= 0 || options_.idle_timeout_s <= 0 || options_.total_timeout_s <= 0) {
    throw std::invalid_argument("openai engine: timeouts must be positive");
  }
  if (options_.retry.max_attempts < 1) throw std::invalid_argument("openai engine: retry.max_attempts must be >= 1");
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  ensure_curl_global();
}

OpenAIEngine::~OpenAIEngine() = default;

namespace {

// The state of one run(): a multi handle driven by socket events (epoll and
// curl_multi_socket_action, so a wake-up costs work for the sockets that are
// ready, not for every transfer in flight), transfers in flight, jobs
// waiting out their backoff, and easy handles kept for reuse.
class Runner {
 public:
  Runner(const OpenAIEngineOptions& options, const OnResult& on_result)
      : options_(options), on_result_(on_result), url_(options.base_url + options.path) {
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    try {
      sockets_.emplace(multi_);
    } catch (...) {
      curl_multi_cleanup(multi_);
      throw;
    }
    // Cap connections at the concurrency so the server never sees more.
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options.concurrency));
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(options.concurrency));
    // The same headers for every request of this model.
    headers_.add("Content-Type: application/json");
    headers_.add("Accept: text/event-stream");
    headers_.add("Expect:");  // no 100-continue round trip for large prompts
    if (!options_.api_key.empty()) {
      headers_.add(options_.api_key_header.empty() ? "Authorization: Bearer " + options_.api_key
                                                   : options_.api_key_header + ": " + options_.api_key);
    }
    for (const std::string& h : options_.headers) headers_.add(h);
    pool_.emplace(*sockets_, url_, headers_.list, on_body, [this](CURL* e) {
      curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
      curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
      // A fast server's whole answer in one read, not several 16 KiB ones.
      curl_easy_setopt(e, CURLOPT_BUFFERSIZE, kReadBufferBytes);
      curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, to_ms(options_.connect_timeout_s));
      curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(options_.total_timeout_s));
    });
  }
  ~Runner() {
    active_.clear();  // transfers detach from the multi handle first
    pool_.reset();
    curl_multi_cleanup(multi_);  // sockets_ outlives this: cleanup may still call back
  }

  size_t in_flight() const { return active_.size() + waiting_.size(); }
  size_t limit() const {
    const int cap = options_.limiter ? std::min(options_.concurrency, options_.limiter->limit()) : options_.concurrency;
    return static_cast<size_t>(std::max(1, cap));
  }
  bool idle() const { return active_.empty() && waiting_.empty(); }

  void add(EngineJob job) {
    Job j;
    j.tag = job.tag;
    try {
      j.body = options_.make_body ? options_.make_body(job.request).dump()
                                  : chat_request_body(job.request, options_.dialect, options_.include_usage).dump();
      size_t prompt_chars = 0;
      for (const Message& m : job.request.messages) prompt_chars += m.content.size();
      j.est_tokens = estimate_request_tokens(prompt_chars, job.request.max_tokens);
    } catch (const nlohmann::json::exception& ex) {
      Error e;
      e.code = ErrorCode::kInvalidRequest;
      e.message = fmt::format("cannot serialise the request: {}", ex.what());
      on_result_(j.tag, tl::make_unexpected(std::move(e)));
      return;
    }
    start(std::move(j));
  }

  void start_due_retries(Clock::time_point now) {
    for (size_t i = 0; i < waiting_.size();) {
      if (waiting_[i].retry_at <= now) {
        Job j = std::move(waiting_[i]);
        waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
        start(std::move(j));
      } else {
        ++i;
      }
    }
  }

  // Runs curl's timeout work when it is due, then ends the transfers curl
  // has finished. Returns how many ended.
  int perform() {
    int ended = 0;
    sockets_->run_due_timeouts(&running_);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      auto it = active_.find(msg->easy_handle);
      if (it == active_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      active_.erase(it);
      complete(std::move(t), msg->data.result);
      ++ended;
    }
    return ended;
  }

  // Returns how many transfers were ended for being idle. Looks at most
  // every kMaxPollMs: idle timeouts are seconds long, so going through every
  // transfer after each wake-up would be work for nothing.
  int check_idle(Clock::time_point now) {
    if (now < next_idle_check_) return 0;
    next_idle_check_ = now + std::chrono::milliseconds(kMaxPollMs);
    const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.idle_timeout_s));
    std::vector<CURL*> stalled;
    for (auto& [easy, t] : active_) {
      if (now - t->last_byte > limit) stalled.push_back(easy);
    }
    for (CURL* easy : stalled) {
      auto it = active_.find(easy);
      std::unique_ptr<Transfer> t = std::move(it->second);
      active_.erase(it);
      Error e;
      e.code = ErrorCode::kTimeout;
      e.message = fmt::format("no data from the server for {:g} s (idle timeout)", options_.idle_timeout_s);
      Job job = std::move(t->job);
      t.reset();
      fail_or_retry(std::move(job), std::move(e), false);
    }
    return static_cast<int>(stalled.size());
  }

  // Waits for socket events (or the next curl timeout or retry) and hands
  // each ready socket to curl.
  void wait(Clock::time_point now) {
    auto ms_until = [&](Clock::time_point t) {
      if (t == Clock::time_point::max()) return kMaxPollMs;
      // Rounded up: waking a little after a deadline, never before it.
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - now).count();
      return us <= 0 ? 0L : static_cast<long>((us + 999) / 1000);
    };
    long timeout_ms = std::min(kMaxPollMs, ms_until(sockets_->due()));
    for (const Job& j : waiting_) timeout_ms = std::min(timeout_ms, ms_until(j.retry_at));
    epoll_event events[64];
    const int n = epoll_wait(sockets_->fd(), events, 64, static_cast<int>(timeout_ms));
    for (int i = 0; i < n; ++i) sockets_->on_event(events[i], &running_);
  }

  void cancel_all() {
    std::vector<Job> jobs;
    for (auto& [easy, t] : active_) jobs.push_back(std::move(t->job));
    active_.clear();
    for (Job& j : waiting_) jobs.push_back(std::move(j));
    waiting_.clear();
    for (Job& j : jobs) {
      Error e;
      e.code = ErrorCode::kCancelled;
      e.message = "the run was cancelled";
      on_result_(j.tag, tl::make_unexpected(std::move(e)));
    }
  }

 private:
  void start(Job job) {
    if (options_.limiter) {
      // Held back here, not sent to be refused: the wait is scheduled like a backoff.
      const auto now = Clock::now();
      if (const double wait = options_.limiter->acquire(job.est_tokens, now); wait > 0) {
        job.limit_wait_s += wait;
        job.retry_at = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
        waiting_.push_back(std::move(job));
        return;
      }
    }
    auto t = std::make_unique<Transfer>();
    ++job.attempts;
    t->job = std::move(job);
    t->easy = pool_->take();
    t->pool = &*pool_;
    CURL* e = t->easy;
    if (options_.make_decoder) t->decoder = options_.make_decoder();
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->job.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->job.body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    t->t0 = Clock::now();
    t->last_byte = t->t0;
    t->multi = multi_;
    if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
      t->multi = nullptr;
      throw std::runtime_error("curl_multi_add_handle failed");
    }
    active_.emplace(e, std::move(t));
  }

  void complete(std::unique_ptr<Transfer> t, CURLcode rc) {
    if (!t->abort && failed_on_closed_kept_alive_connection(t->easy, rc)) {
      // Sent again at once on a new connection, as the same attempt.
      CURL* e = t->easy;
      t->last_byte = Clock::now();
      curl_multi_remove_handle(multi_, e);
      if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
        t->multi = nullptr;
        throw std::runtime_error("curl_multi_add_handle failed");
      }
      active_.emplace(e, std::move(t));
      return;
    }
    const double total_s = seconds(Clock::now() - t->t0);
    if (!t->status_known) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
    const bool ok_status = t->status >= 200 && t->status < 300;
    std::optional<Error> error;
    if (t->abort) {
      error = std::move(t->abort);
    } else if (t->status != 0 && !ok_status) {
      // An error reply, even one cut short, is reported as what it said.
      error = http_error(t->status, t->body, t->retry_after_s);
    } else if (rc != CURLE_OK) {
      error = transport_error(rc, t->errbuf);
      if (ok_status && rc != CURLE_OPERATION_TIMEDOUT) {
        error->code = ErrorCode::kIncomplete;
        error->message = "stream cut: " + error->message;
      }
    } else if (t->json_body) {
      error = Error{ErrorCode::kParse,
                    fmt::format("expected an event stream, got {}: {}", t->content_type, excerpt(t->body)),
                    static_cast<int>(t->status), -1};
    } else {
      t->parser.finish();
      CompletionResult r = t->decoder ? t->decoder->finish(total_s) : t->stream.finish(total_s);
      if (r) {
        r->attempts = t->job.attempts;
        r->retry_wait_s = t->job.retry_wait_s;
        r->limit_wait_s = t->job.limit_wait_s;
        if (options_.limiter) {
          const Usage& u = r->usage;
          const int64_t actual = u.prompt_tokens >= 0 && u.completion_tokens >= 0 ? u.prompt_tokens + u.completion_tokens : -1;
          options_.limiter->settle(t->job.est_tokens, actual);
          options_.limiter->on_success();
        }
        const uint64_t tag = t->job.tag;
        t->failed = false;
        t.reset();  // release the handle before user code runs
        on_result_(tag, std::move(r));
        return;
      }
      error = std::move(r.error());
    }
    Job job = std::move(t->job);
    t.reset();
    fail_or_retry(std::move(job), std::move(*error), false);
  }

  void fail_or_retry(Job job, Error e, bool cancelled) {
    e.message = redact(std::move(e.message), options_.api_key);
    if (options_.limiter && e.code == ErrorCode::kRateLimited) options_.limiter->on_rate_limited();
    if (!cancelled && should_retry(e) && job.attempts < options_.retry.max_attempts) {
      const double delay = backoff_delay(options_.retry, job.attempts, e, job.tag);
      job.retry_wait_s += delay;
      if (e.code == ErrorCode::kRateLimited) job.limit_wait_s += delay;
      job.retry_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay));
      waiting_.push_back(std::move(job));
      return;
    }
    if (job.attempts > 1) e.message += fmt::format(" [after {} attempts]", job.attempts);
    e.attempts = job.attempts;
    on_result_(job.tag, tl::make_unexpected(std::move(e)));
  }

  const OpenAIEngineOptions& options_;
  const OnResult& on_result_;
  const std::string url_;
  CURLM* multi_ = nullptr;
  std::optional<CurlEpoll> sockets_;
  int running_ = 0;
  CurlSlist headers_;
  std::optional<CurlEasyPool> pool_;  // declared before active_: transfers return handles here when destroyed
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;
  std::vector<Job> waiting_;
  Clock::time_point next_idle_check_{};
};

}  // namespace

void OpenAIEngine::run(const NextJob& next, const OnResult& on_result, const std::atomic<bool>* cancel) {
  Runner runner(options_, on_result);
  bool exhausted = false;
  auto cancelled = [cancel] { return cancel && cancel->load(); };
  while (true) {
    if (cancelled()) {
      runner.cancel_all();
      return;
    }
    runner.start_due_retries(Clock::now());
    while (!exhausted && runner.in_flight() < runner.limit()) {
      std::optional<EngineJob> job = next();
      if (!job) {
        exhausted = true;
        break;
      }
      runner.add(std::move(*job));
    }
    if (exhausted && runner.idle()) return;
    int ended = runner.perform();
    const auto now = Clock::now();
    ended += runner.check_idle(now);
    // A freed slot is refilled at once; only an unchanged state waits.
    if (ended == 0) runner.wait(now);
  }
}

tl::expected<nlohmann::json, Error> get_json(const std::string& url, const std::string& api_key,
                                             double timeout_s) {
  ensure_curl_global();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) throw std::runtime_error("curl_easy_init failed");
  CURL* e = easy.get();
  CurlSlist headers;
  headers.add("Accept: application/json");
  if (!api_key.empty()) headers.add("Authorization: Bearer " + api_key);
  std::string body;
  double retry_after_s = -1;
  char errbuf[CURL_ERROR_SIZE] = {};
  auto write = +[](char* data, size_t size, size_t count, void* user) -> size_t {
    auto* out = static_cast<std::string*>(user);
    if (out->size() > (64u << 20)) return 0;  // a JSON document this large is not a health check
    out->append(data, size * count);
    return size * count;
  };
  auto header = +[](char* data, size_t size, size_t count, void* user) -> size_t {
    const std::string_view line(data, size * count);
    if (header_is(line, "retry-after")) {
      if (auto s = parse_retry_after(header_value(line, 11))) *static_cast<double*>(user) = *s;
    }
    return size * count;
  };
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &retry_after_s);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(timeout_s));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, to_ms(timeout_s));
  const CURLcode rc = curl_easy_perform(e);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  Error error;
  if (status != 0 && (status < 200 || status >= 300)) {
    error = http_error(status, body, retry_after_s);
  } else if (rc != CURLE_OK) {
    error = transport_error(rc, errbuf);
  } else {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    if (!doc.is_discarded()) return doc;
    error = Error{ErrorCode::kParse, "response is not JSON: " + excerpt(body), static_cast<int>(status), -1};
  }
  error.message = redact(std::move(error.message), api_key);
  return tl::make_unexpected(std::move(error));
}

}  // namespace rigor
