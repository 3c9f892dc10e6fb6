// Internal to harness/: libcurl's multi interface driven by epoll
// (curl_multi_socket_action), shared by the OpenAI engine and the perf
// client. A wake-up costs work for the sockets that are ready, not for
// every transfer in flight.
#pragma once

#include <curl/curl.h>
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
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
  // Sets on an easy handle what every streamed request of this set's multi
  // handle needs: the URL (http or https only), the header list (which must
  // outlive the handle), the body callback and no signals. The set is told
  // of each socket it opens (a new socket may reuse the number of a closed
  // one, which epoll has already forgotten).
  void set_easy_options(CURL* e, const std::string& url, curl_slist* headers, curl_write_callback on_body);

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

// Easy handles kept for reuse by one loop (a new handle per request costs
// the loop measurable CPU), each with what every request of the loop sets:
// set_easy_options() plus the loop's own (configure). Destroy after the
// handles have left the multi handle and before the CurlEpoll.
//
// libcurl before 8.17 counts the reconnects it makes for a handle (a request
// sent on a kept-alive connection the server had closed is sent again on a
// new one) over the handle's whole life, not per request, and once there
// have been five every later one fails at once: "Connection died, tried 5
// times before giving up" (curl issue 18926). Only curl_easy_reset() clears
// the count. A reconnect always opens a connection, so a handle whose
// transfer opened one, or failed, is reset before its next use.
class CurlEasyPool {
 public:
  CurlEasyPool(CurlEpoll& sockets, std::string url, curl_slist* headers, curl_write_callback on_body,
               std::function<void(CURL*)> configure);
  ~CurlEasyPool();
  CurlEasyPool(const CurlEasyPool&) = delete;
  CurlEasyPool& operator=(const CurlEasyPool&) = delete;

  CURL* take();  // throws std::runtime_error when curl cannot make a handle
  // A handle whose transfer has ended and left the multi handle.
  void give_back(CURL* e, bool failed);

 private:
  void set_options(CURL* e);

  CurlEpoll& sockets_;
  std::string url_;
  curl_slist* headers_;
  curl_write_callback on_body_;
  std::function<void(CURL*)> configure_;
  std::vector<CURL*> idle_;
};

// True when a transfer failed on a kept-alive connection before the server
// answered a byte: the server had closed it (llama-server after every
// streamed response, other servers after an idle time or N requests)
// without a `Connection: close`, and the close crossed our request. curl
// resends such a request itself when the failure is a read, but not when a
// send fails after the request head went out (a body of 64 KiB or more is
// sent after the head). Sending the request again on a new connection is a
// reconnect, not an attempt: nothing reached the server's model. The
// failed connection is closed, so each resend uses up one dead connection.
bool failed_on_closed_kept_alive_connection(CURL* e, CURLcode rc);

}  // namespace rigor
