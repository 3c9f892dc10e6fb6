#include "sim/sim_session.h"

#include <array>

#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <fmt/format.h>

namespace rigor::sim {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    default: return "Error";
  }
}

}  // namespace

Session::Session(SimServer::Impl& server, asio::ip::tcp::socket socket)
    : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()) {
  // Beast reads max(512, free capacity) bytes at a time: without room, a
  // 1 KiB chat request took three recv calls instead of one.
  buffer_.reserve(16 * 1024);
}

void Session::read() {
  if (closed_) return;
  parser_.emplace();
  parser_->body_limit(64 * 1024 * 1024);
  // Header first: curl (and libcurl clients) send "Expect: 100-continue" with
  // bodies over 1 KiB and hold the body back until told to go on.
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](boost::system::error_code ec, size_t) { self->on_header(ec); });
}

void Session::on_header(boost::system::error_code ec) {
  try {
    if (ec) return on_read(ec);
    auto read_body = [self = shared_from_this()] {
      http::async_read(self->socket_, self->buffer_, *self->parser_,
                       [self](boost::system::error_code ec2, size_t) { self->on_read(ec2); });
    };
    if (!boost::beast::iequals(parser_->get()[http::field::expect], "100-continue")) return read_body();
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(socket_, asio::buffer(kContinue),
                      [self = shared_from_this(), read_body](boost::system::error_code ec2, size_t) {
                        if (ec2) return self->close();
                        read_body();
                      });
  } catch (const std::exception&) {
    close();
  }
}

void Session::on_read(boost::system::error_code ec) {
  try {
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
          ec != http::error::partial_message) {
        keep_alive_ = false;  // the request cannot be framed: answer, then close
        send_error(HttpError{400, "invalid_request_error", "malformed HTTP request: " + ec.message(), ""});
        return;
      }
      close();
      return;
    }
    route();
  } catch (const std::exception& e) {
    keep_alive_ = false;
    try {
      send_error(HttpError{500, "server_error", std::string("simulator internal error: ") + e.what(), ""});
    } catch (...) {
      close();
    }
  }
}

void Session::route() {
  const auto& req = parser_->get();
  keep_alive_ = req.keep_alive();
  std::string_view target(req.target().data(), req.target().size());
  target = target.substr(0, target.find('?'));
  const bool get = req.method() == http::verb::get;
  const bool post = req.method() == http::verb::post;
  auto wrong_method = [&] {
    send_error(HttpError{405, "invalid_request_error",
                         fmt::format("method {} not allowed on {}", std::string(req.method_string()), target), ""});
  };
  if (target == "/health") return get ? send_simple(200, "application/json", R"({"status":"ok"})") : wrong_method();
  if (target == "/v1/models") return get ? send_simple(200, "application/json", server_.models_body()) : wrong_method();
  if (target == "/v1/chat/completions") return post ? handle_chat(req.body()) : wrong_method();
  send_error(HttpError{404, "invalid_request_error", fmt::format("no route for {}", target), ""});
}

void Session::handle_chat(const std::string& body) {
  server_.n_requests_++;
  auto parsed = parse_chat_request(body);
  if (!parsed) return send_error(parsed.error());
  const ChatRequest& r = *parsed;
  model_ = server_.model(r.model);
  if (!model_) {
    return send_error(HttpError{404, "invalid_request_error", fmt::format("The model `{}` does not exist.", r.model),
                                "model_not_found"});
  }
  const SimProfile& profile = model_->profile();
  if (r.n > 1) {
    if (profile.dialect == Dialect::kLlamaCpp)
      return send_error(HttpError{500, "server_error", "Only one completion choice is allowed", ""});
    return send_error(HttpError{400, "invalid_request_error", "n > 1 is not supported by the simulator", ""});
  }
  if (auto retry_after = server_.rpm_admit(profile)) {
    server_.n_faults_++;
    return send_error(HttpError{429, "rate_limit_error",
                                fmt::format("simulated rate limit: {} requests per minute", profile.rpm_limit), ""},
                      fmt::format("Retry-After: {}\r\n", *retry_after));
  }

  const uint64_t server_seed = server_.options().seed;
  script_ = model_->generate(r.prompt, r.prompt_tokens, r.seed, r.max_tokens);
  int attempt = profile.faults.any() ? server_.next_attempt(request_key(profile, server_seed, r.prompt, r.seed)) : 0;
  fault_ = decide_fault(profile, server_seed, r.prompt, r.seed, attempt, script_.chunks.size());
  if (fault_.kind != FaultKind::kNone) server_.n_faults_++;
  if (fault_.kind == FaultKind::k429) {
    return send_error(HttpError{429, "rate_limit_error", "simulated overload, retry later", ""},
                      fmt::format("Retry-After: {}\r\n", profile.faults.retry_after_s));
  }
  if (fault_.kind == FaultKind::k500)
    return send_error(HttpError{500, "server_error", "simulated internal server error", ""});

  t0_ = Clock::now();
  ttft_s_ = profile.ttft_ms / 1000.0 * profile.time_scale;
  per_token_s_ = profile.time_scale / profile.tokens_per_s;
  tokens_before_.assign(script_.chunks.size(), 0);
  for (size_t i = 1; i < script_.chunks.size(); ++i)
    tokens_before_[i] = tokens_before_[i - 1] + script_.chunks[i - 1].tokens;
  id_ = fmt::format("chatcmpl-sim-{:x}", ++server_.next_id_);
  include_usage_ = r.include_usage;
  stalled_ = false;
  next_ = 0;
  if (r.stream) return begin_stream();

  double done_s = script_.chunks.empty() ? ttft_s_ : due_s(script_.chunks.size() - 1);
  if (fault_.kind == FaultKind::kStall) done_s += profile.faults.stall_s;
  wait_until(done_s, [this] { finish_nonstream(); });
}

void Session::finish_nonstream() {
  std::string body = completion_body(model_->profile(), id_, server_.created(), script_);
  if (fault_.kind == FaultKind::kCut || fault_.kind == FaultKind::kMalformed) {
    // cut: promise the whole body, deliver half, hang up. malformed: a
    // complete HTTP response whose JSON is broken.
    size_t half = body.size() / 2;
    head_ = fmt::format("HTTP/1.1 200 OK\r\nServer: rigor-sim\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        fault_.kind == FaultKind::kCut ? body.size() : half);
    out_ = body.substr(0, half);
    return write(fault_.kind == FaultKind::kCut ? After::kClose : After::kRead);
  }
  server_.n_completed_++;
  send_simple(200, "application/json", body);
}

void Session::begin_stream() {
  renderer_.emplace(model_->profile(), id_, server_.created());
  head_ = "HTTP/1.1 200 OK\r\nServer: rigor-sim\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
          "Transfer-Encoding: chunked\r\n";
  if (!keep_alive_) head_ += "Connection: close\r\n";
  head_ += "\r\n";
  if (const std::string role = renderer_->role_event(); !role.empty()) {
    head_ += fmt::format("{:x}\r\n", role.size());
    head_ += role;
    head_ += "\r\n";
  }
  out_.clear();
  // With no delay before the first token (capacity runs), the head and the
  // chunks that are already due go out in one write: one send per response
  // instead of two. Faults keep the two-step path, so a cut or a stall at
  // the first chunk still follows the headers as a real server's would.
  if (fault_.kind == FaultKind::kNone && !script_.chunks.empty() && due_s(0) <= elapsed_s()) return stream_step();
  write(After::kContinueStream);
}

void Session::stream_step() {
  if (closed_) return;
  const auto& chunks = script_.chunks;
  const double now = elapsed_s();
  out_.clear();
  auto frame = [this](bool final) {
    if (!out_.empty()) {
      head_ += fmt::format("{:x}\r\n", out_.size());
      out_ += "\r\n";
    }
    if (final) out_ += "0\r\n\r\n";
  };
  while (next_ < chunks.size()) {
    if (next_ == fault_.at_chunk) {
      if (fault_.kind == FaultKind::kCut) {
        // The connection drops mid-stream: no finish_reason, no [DONE], no last chunk.
        if (out_.empty()) return close();
        frame(false);
        return write(After::kClose);
      }
      if (fault_.kind == FaultKind::kStall && !stalled_) {
        stalled_ = true;
        if (out_.empty()) {
          const double until = now + model_->profile().faults.stall_s;
          return wait_until(until, [this] { stream_step(); });
        }
        frame(false);
        return write(After::kStall);
      }
    }
    if (due_s(next_) > now) break;
    const bool malformed = fault_.kind == FaultKind::kMalformed && next_ == fault_.at_chunk;
    if (model_->profile().stamp_chunks) {
      SimChunk stamped = chunks[next_];
      stamped.text = fmt::format(" @{}", std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count());
      renderer_->append_chunk(out_, stamped, malformed);
    } else {
      renderer_->append_chunk(out_, chunks[next_], malformed);
    }
    ++next_;
  }
  if (next_ == chunks.size()) {
    const SimProfile& p = model_->profile();
    double gen_ms = 1000.0 * static_cast<double>(script_.completion_tokens) / p.tokens_per_s;
    out_ += renderer_->finish_events(script_, include_usage_, p.ttft_ms, gen_ms);
    frame(true);
    server_.n_completed_++;
    return write(After::kRead);
  }
  if (!out_.empty()) {
    frame(false);
    return write(After::kContinueStream);
  }
  wait_until(due_s(next_), [this] { stream_step(); });
}

void Session::send_simple(int status, const std::string& content_type, const std::string& body,
                          const std::string& extra_headers) {
  head_ = fmt::format("HTTP/1.1 {} {}\r\nServer: rigor-sim\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}{}\r\n",
                      status, reason_phrase(status), content_type, body.size(), extra_headers,
                      keep_alive_ ? "" : "Connection: close\r\n");
  out_ = body;
  write(After::kRead);
}

void Session::send_error(const HttpError& e, const std::string& extra_headers) {
  send_simple(e.status, "application/json", error_body(e), extra_headers);
}

void Session::write(After after) {
  if (closed_) return;
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(out_)};
  asio::async_write(socket_, buffers, [self = shared_from_this(), after](boost::system::error_code ec, size_t) {
    self->on_written(ec, after);
  });
}

void Session::on_written(boost::system::error_code ec, After after) {
  try {
    head_.clear();
    out_.clear();
    if (ec) return close();
    switch (after) {
      case After::kRead:
        return keep_alive_ ? read() : close();
      case After::kContinueStream:
        return stream_step();
      case After::kStall:
        return wait_until(elapsed_s() + model_->profile().faults.stall_s, [this] { stream_step(); });
      case After::kClose:
        return close();
    }
  } catch (const std::exception&) {
    close();
  }
}

double Session::due_s(size_t i) const {
  return ttft_s_ + static_cast<double>(tokens_before_[i] + script_.chunks[i].tokens - 1) * per_token_s_;
}

double Session::elapsed_s() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

template <class F>
void Session::wait_until(double at_s, F&& then) {
  if (at_s <= elapsed_s()) return then();
  timer_.expires_at(t0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(at_s)));
  timer_.async_wait([self = shared_from_this(), then = std::forward<F>(then)](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    try {
      then();
    } catch (const std::exception&) {
      self->close();
    }
  });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace rigor::sim
