// Internal to harness/: libcurl's multi interface driven by epoll
// (curl_multi_socket_action), shared by the OpenAI engine and the perf
// client. A wake-up costs work for the sockets that are ready, not for
// every transfer in flight.
#pragma once

#include <curl/curl.h>
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace rigor {

// A curl header list, freed with its owner.
struct CurlSlist {
  curl_slist* list = nullptr;
  CurlSlist() = default;
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  ~CurlSlist() { curl_slist_free_all(list); }
  void add(const std::string& line);  // throws std::bad_alloc
};

// The epoll set of the sockets curl asks to watch, and curl's next timeout.
// Install on a multi handle before adding transfers, and attach() every easy
// handle; destroy after curl_multi_cleanup (which may still call back).
// Callers may add their own descriptors (a timerfd) to fd(); events for
// those must not reach on_event().
//
// A kept-alive connection leaves curl's watch when its response ends and
// comes back with the next request on it. The socket stays in the epoll set
// in between, so a request costs no epoll_ctl; if the idle socket becomes
// ready (the server closed it), it is taken out then.
class CurlEpoll {
 public:
  using Clock = std::chrono::steady_clock;

  explicit CurlEpoll(CURLM* multi);  // throws std::runtime_error when epoll is unavailable
  ~CurlEpoll();
  CurlEpoll(const CurlEpoll&) = delete;
  CurlEpoll& operator=(const CurlEpoll&) = delete;

  int fd() const { return epoll_; }
  // When curl next wants its timeout work done (max(): it does not).
  Clock::time_point due() const { return due_; }
  // Does curl's timeout work if it is due (a new transfer is due at once).
  void run_due_timeouts(int* running);
  // Hands one ready curl socket to curl.
  void on_event(const epoll_event& ev, int* running);
  // A new easy handle for this set's multi handle, with what every streamed
  // request sets: the URL (http or https only), the header list (which must
  // outlive the handle), the body callback and no signals. The set is told
  // of each socket it opens (a new socket may reuse the number of a closed
  // one, which epoll has already forgotten). Throws std::runtime_error when
  // curl cannot make one.
  CURL* new_easy(const std::string& url, curl_slist* headers, curl_write_callback on_body);

 private:
  struct Watch {
    uint32_t in_set = 0;  // the events it is registered for; 0: not in the set
    bool wanted = false;  // curl is watching it
  };
  Watch& watch(curl_socket_t s);

  static int on_socket(CURL*, curl_socket_t s, int what, void* userp, void* socketp);
  static int on_timer(CURLM*, long timeout_ms, void* userp);
  static curl_socket_t on_open(void* userp, curlsocktype purpose, curl_sockaddr* address);

  CURLM* multi_;
  int epoll_ = -1;
  std::vector<Watch> watches_;  // by descriptor
  Clock::time_point due_ = Clock::time_point::max();
};

}  // namespace rigor
