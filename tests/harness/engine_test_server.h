// A tiny scripted HTTP/1.1 server on 127.0.0.1 for the engine's tests. Each
// request is answered by the handler's ScriptedResponse: raw byte steps with
// optional delays before each, so tests can replay chunked SSE streams, cut
// them, stall them, or send error statuses. One thread per connection;
// keep-alive unless the response says close.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

namespace rigor::test {

struct ScriptedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct ScriptedStep {
  int delay_ms = 0;   // wait before writing (a stall when large)
  std::string bytes;  // written as is
};

struct ScriptedResponse {
  std::vector<ScriptedStep> steps;
  bool close = false;  // close the connection after the last step
};

// How the server ends kept-alive connections on its own, without a
// `Connection: close` header (as llama-server does after every streamed
// response, and other servers after an idle time or N requests).
struct ScriptedServerOptions {
  int max_requests_per_connection = 0;  // > 0: close after this many responses
  int idle_close_ms = 0;                // > 0: close a connection idle this long
  int close_delay_ms = 0;               // delay between a closing response's end and the close
};

// index counts requests from 0 across all connections.
using ScriptedHandler = std::function<ScriptedResponse(const ScriptedRequest&, int index)>;

class ScriptedServer {
 public:
  explicit ScriptedServer(ScriptedHandler handler, ScriptedServerOptions options = {});
  ~ScriptedServer();

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<ScriptedRequest> requests();
  int max_concurrent() const { return max_concurrent_.load(); }
  int connections() const { return connections_.load(); }

 private:
  void accept_loop();
  void serve(boost::asio::ip::tcp::socket socket);
  bool sleep_ms(int ms);  // false when stopping

  ScriptedHandler handler_;
  ScriptedServerOptions options_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> next_index_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_concurrent_{0};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<ScriptedRequest> requests_;
  std::vector<std::thread> threads_;
  std::thread acceptor_thread_;
};

// Response helpers.
std::string http_chunk(std::string_view data);  // one chunk of chunked encoding
// 200 text/event-stream, chunked; each event payload becomes "data: ...\n\n"
// in its own HTTP chunk; ends with [DONE] and the last chunk when done is true.
ScriptedResponse sse_response(const std::vector<std::string>& payloads, bool done = true);
// A chunked event stream replaying raw bytes in pieces of the given size.
ScriptedResponse sse_raw_response(const std::string& raw, size_t piece);
// A status with a JSON body and optional extra header lines ("Name: value").
ScriptedResponse status_response(int status, const std::string& body,
                                 const std::vector<std::string>& headers = {});
// A chat chunk payload with the given content (and finish_reason if non-empty).
std::string content_chunk(const std::string& content, const std::string& finish_reason = "");

}  // namespace rigor::test
