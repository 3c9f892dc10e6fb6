#include "harness/curl_epoll.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

namespace rigor {

void CurlSlist::add(const std::string& line) {
  curl_slist* grown = curl_slist_append(list, line.c_str());
  if (!grown) throw std::bad_alloc();
  list = grown;
}

CurlEpoll::CurlEpoll(CURLM* multi) : multi_(multi) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw std::runtime_error(fmt::format("epoll_create1 failed: {}", std::strerror(errno)));
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlEpoll::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlEpoll::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlEpoll::~CurlEpoll() { close(epoll_); }

void CurlEpoll::run_due_timeouts(int* running) {
  if (due_ > Clock::now()) return;
  due_ = Clock::time_point::max();
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, running);
}

void CurlEpoll::on_event(const epoll_event& ev, int* running) {
  Watch& w = watch(ev.data.fd);
  if (!w.wanted) {
    // An idle kept-alive socket: curl will find out it is dead when it next
    // picks it; until then it must not wake the loop again.
    epoll_ctl(epoll_, EPOLL_CTL_DEL, ev.data.fd, nullptr);
    w.in_set = 0;
    return;
  }
  int flags = 0;
  if (ev.events & EPOLLIN) flags |= CURL_CSELECT_IN;
  if (ev.events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
  if (ev.events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
  curl_multi_socket_action(multi_, ev.data.fd, flags, running);
}

void CurlEpoll::set_easy_options(CURL* e, const std::string& url, curl_slist* headers, curl_write_callback on_body) {
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &CurlEpoll::on_open);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
}

CurlEpoll::Watch& CurlEpoll::watch(curl_socket_t s) {
  const auto i = static_cast<size_t>(s);
  if (i >= watches_.size()) watches_.resize(std::max<size_t>(i + 1, 2 * watches_.size()));
  return watches_[i];
}

curl_socket_t CurlEpoll::on_open(void* userp, curlsocktype, curl_sockaddr* address) {
  const int s = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (s < 0) return CURL_SOCKET_BAD;
  // Whatever had this number before was closed, which took it out of the set.
  static_cast<CurlEpoll*>(userp)->watch(s) = Watch{};
  return s;
}

int CurlEpoll::on_socket(CURL*, curl_socket_t s, int what, void* userp, void*) {
  auto* self = static_cast<CurlEpoll*>(userp);
  Watch& w = self->watch(s);
  if (what == CURL_POLL_REMOVE) {
    w.wanted = false;  // stays in the set until it is closed or stirs
    return 0;
  }
  w.wanted = true;
  const uint32_t events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  if (w.in_set == events) return 0;
  epoll_event ev{};
  ev.data.fd = s;
  ev.events = events;
  // ADD for a socket that is not in the set; MOD otherwise. Either failing
  // with the other's error means the set and this table disagree: the
  // kernel is right.
  if (w.in_set == 0) {
    if (epoll_ctl(self->epoll_, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
      epoll_ctl(self->epoll_, EPOLL_CTL_MOD, s, &ev);
  } else if (epoll_ctl(self->epoll_, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
    epoll_ctl(self->epoll_, EPOLL_CTL_ADD, s, &ev);
  }
  w.in_set = events;
  return 0;
}

int CurlEpoll::on_timer(CURLM*, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlEpoll*>(userp);
  self->due_ = timeout_ms < 0 ? Clock::time_point::max() : Clock::now() + std::chrono::milliseconds(timeout_ms);
  return 0;
}

CurlEasyPool::CurlEasyPool(CurlEpoll& sockets, std::string url, curl_slist* headers, curl_write_callback on_body,
                           std::function<void(CURL*)> configure)
    : sockets_(sockets), url_(std::move(url)), headers_(headers), on_body_(on_body), configure_(std::move(configure)) {}

CurlEasyPool::~CurlEasyPool() {
  for (CURL* e : idle_) curl_easy_cleanup(e);
}

void CurlEasyPool::set_options(CURL* e) {
  sockets_.set_easy_options(e, url_, headers_, on_body_);
  if (configure_) configure_(e);
}

CURL* CurlEasyPool::take() {
  if (!idle_.empty()) {
    CURL* e = idle_.back();
    idle_.pop_back();
    return e;
  }
  CURL* e = curl_easy_init();
  if (!e) throw std::runtime_error("curl_easy_init failed");
  set_options(e);
  return e;
}

void CurlEasyPool::give_back(CURL* e, bool failed) {
  long connects = 0;
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  if (failed || connects > 0) {
    curl_easy_reset(e);
    set_options(e);
  }
  try {
    idle_.push_back(e);
  } catch (...) {
    curl_easy_cleanup(e);
  }
}

bool failed_on_closed_kept_alive_connection(CURL* e, CURLcode rc) {
  if (rc != CURLE_SEND_ERROR && rc != CURLE_RECV_ERROR && rc != CURLE_GOT_NOTHING) return false;
  long connects = -1, status = -1;
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  return connects == 0 && status == 0;
}

}  // namespace rigor
