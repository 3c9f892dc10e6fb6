// Internal: the state shared by the simulator's listener and its sessions.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "sim/sim_generate.h"
#include "sim/sim_server.h"

namespace rigor {

class SimServer::Impl {
 public:
  Impl(SimOptions options, std::map<std::string, SimProfile> profiles, std::shared_ptr<const SimIndex> index);
  ~Impl();
  int start();
  void stop();

  // Read-only after construction: safe from every session.
  const SimModel* model(const std::string& name) const;
  const std::string& models_body() const { return models_body_; }
  const SimOptions& options() const { return options_; }
  int64_t created() const { return created_; }

  // 0-based attempt number of this request key (counts every call). Thread-safe.
  int next_attempt(uint64_t key);
  // nullopt: admitted (and counted); else the Retry-After seconds. Thread-safe.
  std::optional<int64_t> rpm_admit(const SimProfile& profile);

  std::atomic<uint64_t> n_requests_{0}, n_completed_{0}, n_faults_{0}, next_id_{0};
  int port_ = 0;

 private:
  void do_accept();

  SimOptions options_;
  std::map<std::string, std::shared_ptr<const SimModel>> models_;
  std::string models_body_;
  int64_t created_ = 0;

  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<bool> started_{false};
  std::mutex stop_mu_;
  bool stopped_ = false;

  std::mutex mu_;  // guards attempts_ and rpm_
  // Grows by one entry per distinct request of a profile with faults; that is
  // the price of "retries succeed" without trusting the client.
  std::unordered_map<uint64_t, int> attempts_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> rpm_;
};

}  // namespace rigor
