#include "tests/harness/engine_test_server.h"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rigor::test {

namespace asio = boost::asio;
using asio::ip::tcp;

ScriptedServer::ScriptedServer(ScriptedHandler handler, ScriptedServerOptions options)
    : handler_(std::move(handler)), options_(options), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  acceptor_.non_blocking(true);
  acceptor_thread_ = std::thread([this] { accept_loop(); });
}

ScriptedServer::~ScriptedServer() {
  stop_ = true;
  acceptor_thread_.join();
  for (auto& t : threads_) t.join();
}

std::vector<ScriptedRequest> ScriptedServer::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

bool ScriptedServer::sleep_ms(int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (stop_) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return !stop_;
}

void ScriptedServer::accept_loop() {
  while (!stop_) {
    boost::system::error_code ec;
    tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (ec) continue;
    ++connections_;
    socket.non_blocking(false);
    // Without this, Nagle holds each small scripted write for the peer's delayed ACK.
    socket.set_option(tcp::no_delay(true), ec);
    // Threads are joined in the destructor; the vector is touched only here and there.
    threads_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
  }
}

namespace {

// Waits until the socket is readable, checking the stop flag every 10 ms;
// false when stopping or after idle_ms (> 0) without data.
bool wait_readable(tcp::socket& socket, const std::atomic<bool>& stop, int idle_ms = 0) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(idle_ms);
  while (!stop) {
    const int slice = idle_ms > 0 ? std::clamp(static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   until - std::chrono::steady_clock::now()).count()),
                                               0, 10)
                                  : 10;
    pollfd p{socket.native_handle(), POLLIN, 0};
    const int r = ::poll(&p, 1, slice);
    if (r > 0) return true;
    if (r < 0) return false;
    if (idle_ms > 0 && std::chrono::steady_clock::now() >= until) return false;
  }
  return false;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void ScriptedServer::serve(tcp::socket socket) {
  std::string buf;
  char tmp[4096];
  boost::system::error_code ec;
  int served = 0;
  while (!stop_) {
    // Read one request: headers, then Content-Length bytes of body.
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      // A connection between requests may be closed for idling, unannounced.
      if (!wait_readable(socket, stop_, buf.empty() ? options_.idle_close_ms : 0)) return;
      const size_t n = socket.read_some(asio::buffer(tmp), ec);
      if (ec || n == 0) return;
      buf.append(tmp, n);
    }
    ScriptedRequest req;
    const std::string head = buf.substr(0, head_end);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      const std::string line = head.substr(pos, end - pos);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[lower(line.substr(0, colon))] = value;
      }
      pos = end + 2;
    }
    const size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    buf.erase(0, head_end + 4);
    while (buf.size() < length) {
      if (!wait_readable(socket, stop_)) return;
      const size_t n = socket.read_some(asio::buffer(tmp), ec);
      if (ec || n == 0) return;
      buf.append(tmp, n);
    }
    req.body = buf.substr(0, length);
    buf.erase(0, length);

    const int index = next_index_++;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(req);
    }
    const int now_in_flight = ++in_flight_;
    int seen = max_concurrent_.load();
    while (now_in_flight > seen && !max_concurrent_.compare_exchange_weak(seen, now_in_flight)) {
    }
    const ScriptedResponse response = handler_(req, index);
    bool alive = true;
    for (const ScriptedStep& step : response.steps) {
      if (step.delay_ms > 0 && !sleep_ms(step.delay_ms)) {
        alive = false;
        break;
      }
      asio::write(socket, asio::buffer(step.bytes), ec);
      if (ec) {
        alive = false;
        break;
      }
    }
    --in_flight_;
    ++served;
    const bool at_limit = options_.max_requests_per_connection > 0 && served >= options_.max_requests_per_connection;
    if (!alive || response.close || at_limit) {
      // A request that arrives in the meantime is never read: the close
      // then resets the connection, as a real server's does.
      if (alive && options_.close_delay_ms > 0) sleep_ms(options_.close_delay_ms);
      socket.shutdown(tcp::socket::shutdown_both, ec);
      return;
    }
  }
}

std::string http_chunk(std::string_view data) { return fmt::format("{:x}\r\n{}\r\n", data.size(), data); }

namespace {
const char* kSseHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
    "Connection: keep-alive\r\n\r\n";
}  // namespace

ScriptedResponse sse_response(const std::vector<std::string>& payloads, bool done) {
  ScriptedResponse r;
  r.steps.push_back({0, kSseHead});
  for (const std::string& p : payloads) r.steps.push_back({0, http_chunk("data: " + p + "\n\n")});
  if (done) r.steps.push_back({0, http_chunk("data: [DONE]\n\n") + "0\r\n\r\n"});
  return r;
}

ScriptedResponse sse_raw_response(const std::string& raw, size_t piece) {
  ScriptedResponse r;
  r.steps.push_back({0, kSseHead});
  for (size_t i = 0; i < raw.size(); i += piece) r.steps.push_back({0, http_chunk(raw.substr(i, piece))});
  r.steps.push_back({0, "0\r\n\r\n"});
  return r;
}

ScriptedResponse status_response(int status, const std::string& body, const std::vector<std::string>& headers) {
  std::string head = fmt::format("HTTP/1.1 {} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                                 status, body.size());
  for (const std::string& h : headers) head += h + "\r\n";
  ScriptedResponse r;
  r.steps.push_back({0, head + "\r\n" + body});
  return r;
}

std::string content_chunk(const std::string& content, const std::string& finish_reason) {
  nlohmann::json c = {{"id", "chatcmpl-test"},
                      {"object", "chat.completion.chunk"},
                      {"model", "scripted"},
                      {"choices", {{{"index", 0},
                                    {"delta", {{"content", content}}},
                                    {"finish_reason", finish_reason.empty() ? nlohmann::json() : nlohmann::json(finish_reason)}}}}};
  return c.dump();
}

}  // namespace rigor::test
