#include "harness/curl_epoll.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>

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
  int flags = 0;
  if (ev.events & EPOLLIN) flags |= CURL_CSELECT_IN;
  if (ev.events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
  if (ev.events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
  curl_multi_socket_action(multi_, ev.data.fd, flags, running);
}

int CurlEpoll::on_socket(CURL*, curl_socket_t s, int what, void* userp, void* socketp) {
  auto* self = static_cast<CurlEpoll*>(userp);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(self->epoll_, EPOLL_CTL_DEL, s, nullptr);
    curl_multi_assign(self->multi_, s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = s;
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  if (socketp) {
    epoll_ctl(self->epoll_, EPOLL_CTL_MOD, s, &ev);
  } else {
    epoll_ctl(self->epoll_, EPOLL_CTL_ADD, s, &ev);
    curl_multi_assign(self->multi_, s, self);  // non-null marks "registered"
  }
  return 0;
}

int CurlEpoll::on_timer(CURLM*, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlEpoll*>(userp);
  self->due_ = timeout_ms < 0 ? Clock::time_point::max() : Clock::now() + std::chrono::milliseconds(timeout_ms);
  return 0;
}

}  // namespace rigor
