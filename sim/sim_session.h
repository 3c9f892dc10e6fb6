// Internal: one keep-alive HTTP connection to the simulator. Reads a request,
// answers it (streaming with timers when the profile has delays), then reads
// the next. Every handler catches everything: nothing throws out of Asio.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "sim/sim_generate.h"
#include "sim/sim_server_impl.h"
#include "sim/sim_wire.h"

namespace rigor::sim {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(SimServer::Impl& server, boost::asio::ip::tcp::socket socket);
  void start() { read(); }

 private:
  enum class After { kRead, kContinueStream, kStall, kClose };

  void read();
  void on_header(boost::system::error_code ec);
  void on_read(boost::system::error_code ec);
  void route();
  void handle_chat(const std::string& body);
  void send_simple(int status, const std::string& content_type, const std::string& body,
                   const std::string& extra_headers = "");
  void send_error(const HttpError& e, const std::string& extra_headers = "");
  void write(After after);
  void on_written(boost::system::error_code ec, After after);
  void begin_stream();
  void stream_step();
  void finish_nonstream();
  void close();

  // Seconds after t0_ at which chunk i is fully generated.
  double due_s(size_t i) const;
  double elapsed_s() const;
  template <class F>
  void wait_until(double at_s, F&& then);

  SimServer::Impl& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool keep_alive_ = true;
  bool closed_ = false;

  // The write in flight: head_ (HTTP headers and/or chunk size line), then out_.
  std::string head_;
  std::string out_;

  // The response in progress.
  const SimModel* model_ = nullptr;
  SimScript script_;
  SimFault fault_;
  std::optional<ChunkRenderer> renderer_;
  std::string id_;
  bool include_usage_ = false;
  bool stalled_ = false;
  size_t next_ = 0;                           // next chunk to send
  std::vector<int64_t> tokens_before_;        // tokens before chunk i (prefix sums)
  std::chrono::steady_clock::time_point t0_;  // request parsed
  double ttft_s_ = 0;
  double per_token_s_ = 0;
};

}  // namespace rigor::sim
