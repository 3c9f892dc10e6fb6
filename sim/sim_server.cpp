#include "sim/sim_server.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>  // before Boost 1.74 Asio: its awaitable.hpp uses std::exchange
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "sim/sim_generate.h"
#include "sim/sim_server_impl.h"
#include "sim/sim_session.h"
#include "sim/sim_wire.h"

namespace rigor {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

SimServer::Impl::Impl(SimOptions options, std::map<std::string, SimProfile> profiles,
                      std::shared_ptr<const SimIndex> index)
    : options_(std::move(options)) {
  if (profiles.empty()) throw std::invalid_argument("simulator: no profiles to serve");
  if (!index) index = std::make_shared<SimIndex>();
  // Route targets first: a router's model holds its target's.
  for (bool routers : {false, true}) {
    for (auto& [name, profile] : profiles) {
      if (profile.route_to.empty() == routers) continue;
      std::shared_ptr<const SimModel> target;
      if (routers) {
        auto it = models_.find(profile.route_to);
        if (it == models_.end())
          throw std::invalid_argument(fmt::format("simulator: profile {} routes to unknown profile {}", name,
                                                  profile.route_to));
        target = it->second;
      }
      models_.emplace(name, std::make_shared<const SimModel>(profile, index, options_.seed, std::move(target)));
    }
  }
  std::vector<const SimProfile*> listed;
  for (const auto& [name, model] : models_) listed.push_back(&model->profile());
  created_ = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  models_body_ = sim::models_body(listed, created_);
}

SimServer::Impl::~Impl() { stop(); }

int SimServer::Impl::start() {
  if (started_.exchange(true)) throw std::logic_error("SimServer::start called twice");
  boost::system::error_code ec;
  std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
  asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error(fmt::format("rigor sim: '{}' is not an IP address", options_.host));
  if (!addr.is_loopback() && !options_.allow_remote)
    throw std::runtime_error(fmt::format(
        "rigor sim: refusing to bind non-loopback address {} (the simulator is for local testing)", options_.host));
  if (options_.port < 0 || options_.port > 65535)
    throw std::runtime_error(fmt::format("rigor sim: port {} out of range", options_.port));

  ioc_ = std::make_unique<asio::io_context>(options_.threads);
  acceptor_ = std::make_unique<tcp::acceptor>(*ioc_);
  tcp::endpoint ep(addr, static_cast<unsigned short>(options_.port));
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(fmt::format("rigor sim: cannot listen on {}:{}: {}", host, options_.port, ec.message()));
  port_ = acceptor_->local_endpoint().port();
  do_accept();
  int n = std::max(1, options_.threads);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_->run(); });
  return port_;
}

void SimServer::Impl::stop() {
  std::lock_guard lock(stop_mu_);
  if (!ioc_ || stopped_) return;
  stopped_ = true;
  ioc_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // Destroying the context destroys every pending handler, hence every
  // session and its socket: all connections close.
  acceptor_.reset();
  ioc_.reset();
}

void SimServer::Impl::do_accept() {
  acceptor_->async_accept(asio::make_strand(*ioc_), [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_ || !acceptor_->is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      try {
        std::make_shared<sim::Session>(*this, std::move(socket))->start();
      } catch (const std::exception&) {
        // Out of resources for this one connection: it is dropped, the server goes on.
      }
    }
    do_accept();
  });
}

const SimModel* SimServer::Impl::model(const std::string& name) const {
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second.get();
}

int SimServer::Impl::next_attempt(uint64_t key) {
  std::lock_guard lock(mu_);
  return attempts_[key]++;
}

std::optional<int64_t> SimServer::Impl::rpm_admit(const SimProfile& profile) {
  if (profile.rpm_limit <= 0) return std::nullopt;
  using namespace std::chrono;
  auto now = steady_clock::now();
  std::lock_guard lock(mu_);
  auto& window = rpm_[profile.name];
  const auto span = duration_cast<steady_clock::duration>(duration<double>(profile.rpm_window_s));
  while (!window.empty() && now - window.front() >= span) window.pop_front();
  if (static_cast<int64_t>(window.size()) >= profile.rpm_limit) {
    double wait = duration<double>(span - (now - window.front())).count();
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
  }
  window.push_back(now);
  return std::nullopt;
}

SimServer::SimServer(SimOptions options, std::map<std::string, SimProfile> profiles,
                     std::shared_ptr<const SimIndex> index)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(profiles), std::move(index))) {}
SimServer::~SimServer() = default;
int SimServer::start() { return impl_->start(); }
void SimServer::stop() { impl_->stop(); }
int SimServer::port() const { return impl_->port_; }
SimStats SimServer::stats() const {
  return SimStats{impl_->n_requests_.load(), impl_->n_completed_.load(), impl_->n_faults_.load()};
}

}  // namespace rigor
