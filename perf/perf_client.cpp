#include "perf/perf_client.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "harness/curl_epoll.h"
#include "harness/engines/openai_stream.h"
#include "base/retry.h"
#include "harness/sse.h"

namespace rigor {

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
Clock::duration to_duration(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// One request in flight.
struct Shot {
  PerfRecord record;
  CURL* easy = nullptr;  // borrowed from the loop's pool
  Clock::time_point t0;
  SseParser parser;
  ChatStream stream;
  std::optional<Error> abort;
  long status = 0;
  bool status_known = false;
  std::string error_body;  // a non-2xx body, capped
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* s = static_cast<Shot*>(user);
  const size_t n = size * count;
  const auto now = Clock::now();
  if (!s->status_known) {
    s->status_known = true;
    s->record.first_byte_s = seconds(now - s->t0);
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
  }
  if (s->status < 200 || s->status >= 300) {
    if (s->error_body.size() < 2000) s->error_body.append(data, std::min<size_t>(n, 2000 - s->error_body.size()));
    return n;
  }
  const double t_s = seconds(now - s->t0);
  s->parser.feed(std::string_view(data, n), [s, t_s](const SseEvent& ev) {
    if (s->abort) return;
    if (!ev.type.empty() && ev.type != "message") return;
    if (auto r = s->stream.on_data(ev.data, t_s); !r) s->abort = std::move(r.error());
  });
  return s->abort ? 0 : n;
}

// Poisson arrivals, one at a time: the first at 0, then exponential gaps
// -ln(1-u)/rate with u from 53 random bits.
class ArrivalClock {
 public:
  ArrivalClock(double rate, uint64_t seed) : rate_(rate), rng_(seed) {}
  double next_s() const { return t_; }
  void advance() {
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    t_ += -std::log1p(-u) / rate_;
  }

 private:
  double rate_;
  std::mt19937_64 rng_;
  double t_ = 0;
};

// The event loop of one level.
class Loop {
 public:
  Loop(const PerfClientOptions& options, const std::vector<std::string>& bodies)
      : options_(options), bodies_(bodies) {
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("perf client: cannot set up curl");
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    try {
      if (timer_ < 0) throw std::runtime_error("perf client: cannot set up a timerfd");
      sockets_.emplace(multi_);
    } catch (...) {
      if (timer_ >= 0) close(timer_);
      curl_multi_cleanup(multi_);
      throw;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = timer_;
    epoll_ctl(sockets_->fd(), EPOLL_CTL_ADD, timer_, &ev);
    // Keep every connection open between requests: a reconnect would be
    // measured as server time.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 100000L);
    headers_.add("Content-Type: application/json");
    headers_.add("Accept: text/event-stream");
    headers_.add("Expect:");
    if (!options_.api_key.empty()) headers_.add("Authorization: Bearer " + options_.api_key);
    for (const auto& h : options_.headers) headers_.add(h);
    pool_.emplace(*sockets_, options_.url, headers_.list, on_body, [this](CURL* e) {
      curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
      curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_s * 1000));
      curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout_s * 1000));
    });
  }
  ~Loop() {
    for (auto& [easy, shot] : active_) {
      curl_multi_remove_handle(multi_, easy);
      curl_easy_cleanup(easy);
    }
    active_.clear();
    pool_.reset();
    curl_multi_cleanup(multi_);  // sockets_ outlives this: cleanup may still call back
    close(timer_);
  }

  std::vector<PerfRecord> run(const PerfLoad& load, const std::atomic<bool>* cancel) {
    const bool open = load.concurrency <= 0;
    // Arrival times are drawn as they are needed: a duration-bound level
    // has no useful request count to precompute.
    ArrivalClock arrivals(load.rate, load.seed);
    start_ = Clock::now();
    // With a duration, the clock starts at the first measured send, so
    // warm-up never eats into the measured time.
    auto stop_at = Clock::time_point::max();
    const auto start_duration = [&](int64_t index) {
      if (load.duration_s > 0 && index == load.warmup) stop_at = Clock::now() + to_duration(load.duration_s);
    };
    int64_t next = 0;
    std::vector<PerfRecord> out;
    out.reserve(static_cast<size_t>(std::min(load.requests, 1 << 16)));
    while (true) {
      auto now = Clock::now();
      if (cancel && cancel->load()) {
        cancel_all(out);
        break;
      }
      const bool may_send = next < load.requests && now < stop_at;
      bool sent = false;
      // Open loop: sends that fell due are made before anything else, and
      // again between socket events (wait_until), so a busy stream never
      // delays a scheduled send by more than one event's handling.
      auto dispatch_due = [&] {
        bool any = false;
        for (auto t = Clock::now(); next < load.requests && t < stop_at && start_ + to_duration(arrivals.next_s()) <= t;
             t = Clock::now()) {
          start_duration(next);
          dispatch(next, arrivals.next_s());
          arrivals.advance();
          ++next;
          any = true;
        }
        if (any) curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running_);
      };
      if (may_send && open) {
        dispatch_due();
      } else if (may_send) {
        while (next < load.requests && static_cast<int>(active_.size()) < load.concurrency) {
          start_duration(next);
          dispatch(next++, -1);
          sent = true;
        }
      }
      if (sent) curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running_);
      collect(out);
      if (active_.empty() && (next >= load.requests || Clock::now() >= stop_at)) break;

      // Sleep until the next thing due: a curl timeout or the next send.
      Clock::time_point wake = sockets_->due();
      if (open && next < load.requests) wake = std::min(wake, start_ + to_duration(arrivals.next_s()));
      if (stop_at != Clock::time_point::max()) wake = std::min(wake, stop_at);
      // A cancel must be noticed even when nothing else happens.
      wake = std::min(wake, Clock::now() + std::chrono::milliseconds(100));
      if (open) {
        wait_until(wake, dispatch_due);
      } else {
        wait_until(wake, [] {});
      }
      sockets_->run_due_timeouts(&running_);
      collect(out);
    }
    return out;
  }

 private:
  void dispatch(int64_t index, double scheduled_s) {
    auto shot = std::make_unique<Shot>();
    shot->record.index = index;
    shot->record.scheduled_s = scheduled_s;
    const std::string& body = bodies_[static_cast<size_t>(index) % bodies_.size()];
    CURL* e = pool_->take();
    shot->easy = e;
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEDATA, shot.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, shot.get());
    shot->t0 = Clock::now();
    shot->record.sent_s = seconds(shot->t0 - start_);
    if (scheduled_s >= 0) shot->record.dispatch_lag_s = shot->record.sent_s - scheduled_s;
    if (curl_multi_add_handle(multi_, e) != CURLM_OK) throw std::runtime_error("curl_multi_add_handle failed");
    active_.emplace(e, std::move(shot));
  }

  template <class Between>
  void wait_until(Clock::time_point wake, const Between& between) {
    const auto now = Clock::now();
    int timeout = -1;
    if (wake <= now) {
      timeout = 0;
    } else {
      itimerspec spec{};
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch()).count();
      spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
      spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
      timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
    }
    epoll_event events[256];
    const int n = epoll_wait(sockets_->fd(), events, 256, timeout);
    for (int i = 0; i < n; ++i) {
      between();
      const int fd = events[i].data.fd;
      if (fd == timer_) {
        uint64_t expirations;
        [[maybe_unused]] ssize_t r = read(timer_, &expirations, sizeof expirations);
        continue;
      }
      sockets_->on_event(events[i], &running_);
    }
  }

  void collect(std::vector<PerfRecord>& out) {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      auto it = active_.find(msg->easy_handle);
      if (it == active_.end()) continue;
      const CURLcode rc = msg->data.result;
      CURL* e = msg->easy_handle;
      curl_multi_remove_handle(multi_, e);
      if (!it->second->abort && failed_on_closed_kept_alive_connection(e, rc)) {
        // Sent again at once on a new connection: the same request, its
        // time including the reconnect, as when curl resends it itself.
        if (curl_multi_add_handle(multi_, e) != CURLM_OK) throw std::runtime_error("curl_multi_add_handle failed");
        continue;
      }
      std::unique_ptr<Shot> s = std::move(it->second);
      active_.erase(it);
      finish(*s, rc);
      pool_->give_back(e, !s->record.ok);
      out.push_back(std::move(s->record));
    }
  }

  void finish(Shot& s, CURLcode rc) {
    const auto now = Clock::now();
    s.record.end_s = seconds(now - start_);
    if (!s.status_known) curl_easy_getinfo(s.easy, CURLINFO_RESPONSE_CODE, &s.status);
    Error e;
    if (s.abort) {
      e = std::move(*s.abort);
    } else if (s.status != 0 && (s.status < 200 || s.status >= 300)) {
      e.code = error_code_for_status(static_cast<int>(s.status));
      e.http_status = static_cast<int>(s.status);
      e.message = fmt::format("HTTP {}: {}", s.status, s.error_body.substr(0, 300));
    } else if (rc != CURLE_OK) {
      e.code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kTimeout
               : s.status_known             ? ErrorCode::kIncomplete
                                            : ErrorCode::kTransport;
      e.message = curl_easy_strerror(rc);
    } else {
      s.parser.finish();
      CompletionResult r = s.stream.finish(seconds(now - s.t0));
      if (r) {
        s.record.ok = true;
        s.record.completion = std::move(*r);
        return;
      }
      e = std::move(r.error());
    }
    s.record.ok = false;
    s.record.error = std::move(e);
  }

  void cancel_all(std::vector<PerfRecord>& out) {
    for (auto& [easy, s] : active_) {
      curl_multi_remove_handle(multi_, easy);
      pool_->give_back(easy, true);
      s->record.ok = false;
      s->record.error = Error{ErrorCode::kCancelled, "the run was cancelled", 0, -1};
      s->record.end_s = seconds(Clock::now() - start_);
      out.push_back(std::move(s->record));
    }
    active_.clear();
  }

  const PerfClientOptions& options_;
  const std::vector<std::string>& bodies_;
  CURLM* multi_ = nullptr;
  std::optional<CurlEpoll> sockets_;
  int timer_ = -1;
  int running_ = 0;
  CurlSlist headers_;
  Clock::time_point start_;
  std::unordered_map<CURL*, std::unique_ptr<Shot>> active_;
  std::optional<CurlEasyPool> pool_;
};

}  // namespace

std::vector<double> poisson_arrivals(int count, double rate, uint64_t seed) {
  if (rate <= 0) throw std::invalid_argument("poisson_arrivals: rate must be > 0");
  ArrivalClock clock(rate, seed);
  std::vector<double> out;
  out.reserve(static_cast<size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) {
    out.push_back(clock.next_s());
    clock.advance();
  }
  return out;
}

std::vector<PerfRecord> run_load(const PerfClientOptions& options, const std::vector<std::string>& bodies,
                                 const PerfLoad& load, const std::atomic<bool>* cancel) {
  if (bodies.empty()) throw std::invalid_argument("perf: no request bodies");
  if (load.requests < 1) throw std::invalid_argument("perf: requests must be >= 1");
  if (load.concurrency <= 0 && load.rate <= 0) throw std::invalid_argument("perf: set a concurrency or a rate");
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialised) throw std::runtime_error("libcurl global initialisation failed");
  Loop loop(options, bodies);
  return loop.run(load, cancel);
}

void raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace rigor
