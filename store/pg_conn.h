// libpq pieces shared by the PostgreSQL stores (the results store and the
// perf store): text parameters, results, and one connection. Internal to
// store/.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "store/store.h"

namespace rigor {

// Text parameters for one statement. Long texts are referenced, not copied:
// the strings must outlive the call.
class Params {
 public:
  Params& ref(const std::string& v) {
    if (is_clean_utf8(v)) {
      ptrs_.push_back(v.c_str());
    } else {
      owned_.push_back(cleaned(v));
      ptrs_.push_back(owned_.back().c_str());
    }
    return *this;
  }
  Params& text(std::string v) {
    owned_.push_back(std::move(v));
    return ref(owned_.back());
  }
  Params& num(int64_t v) { return text(std::to_string(v)); }
  Params& num(double v) { return text(fmt::format("{}", v)); }
  Params& flag(bool v) { return num(int64_t{v}); }
  Params& null() {
    ptrs_.push_back(nullptr);  // libpq's SQL NULL
    return *this;
  }

  int size() const { return static_cast<int>(ptrs_.size()); }
  const char* const* values() const { return ptrs_.data(); }

 private:
  // PostgreSQL's text holds neither NUL nor invalid UTF-8 (in a UTF8
  // database); model output may hold both. Such bytes become U+FFFD here,
  // the one place a PostgreSQL copy of a sample can differ from SQLite's.
  static bool is_clean_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c == 0) return false;
      if (c < 0x80) {
        ++i;
        continue;
      }
      const size_t n = utf8_len(s, i);
      if (n == 0) return false;
      i += n;
    }
    return true;
  }
  // Length of the valid UTF-8 sequence at i, 0 when invalid.
  static size_t utf8_len(std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
  }
  static std::string cleaned(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c != 0 && c < 0x80) {
        out += s[i++];
      } else if (const size_t n = c ? utf8_len(s, i) : 0; n > 0) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
    }
    return out;
  }

  std::deque<std::string> owned_;  // a deque: c_str() pointers stay valid as it grows
  std::vector<const char*> ptrs_;
};

class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  ~PgResult() { PQclear(r_); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }

  int rows() const { return PQntuples(r_); }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
  }
  int64_t i64(int row, int col) const { return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10); }
  bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  double real(int row, int col) const { return std::strtod(PQgetvalue(r_, row, col), nullptr); }
  int affected() const { return std::atoi(PQcmdTuples(r_)); }
  bool ok() const {
    const ExecStatusType st = PQresultStatus(r_);  // a null result (lost connection) reads as fatal
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  }

 private:
  PGresult* r_;
};

// "$1,$2,...,$n" starting after `from` parameters.
inline std::string placeholders(int from, int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) fmt::format_to(std::back_inserter(out), "{}${}", i > 1 ? "," : "", from + i);
  return out;
}

// One connection, not thread-safe: its owner serialises the calls.
class PgConn {
 public:
  // Connects to `url` with the session settings every rigor store expects.
  // Throws StoreOpenError naming the URL; a URL holding a password is refused.
  explicit PgConn(const std::string& url) : url_(url) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
    if (!opts) {
      std::string msg = err ? err : "out of memory";
      PQfreemem(err);
      throw StoreOpenError(fmt::format("cannot read database URL {}: {}", url, msg));
    }
    bool has_password = false;
    for (PQconninfoOption* o = opts; o->keyword; ++o) {
      if (std::string_view(o->keyword) == "password" && o->val && *o->val) has_password = true;
    }
    PQconninfoFree(opts);
    if (has_password) {
      // The URL is printed in messages and kept in the run's record; a
      // password in it would end up in logs and reports.
      throw StoreOpenError(
          "a database URL with a password is refused: it would reach logs and reports. Give the URL without it and "
          "set PGPASSWORD or a ~/.pgpass line instead");
    }
    conn_ = PQconnectdb(url.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn_);
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      PQfinish(conn_);
      throw StoreOpenError(fmt::format("cannot connect to database {}: {}", url, msg));
    }
    try {
      set_session("SET client_encoding = 'UTF8'");
      set_session("SET client_min_messages = warning");  // no NOTICE lines from IF NOT EXISTS on stderr
    } catch (const std::exception& e) {
      PQfinish(conn_);
      throw StoreOpenError(fmt::format("cannot use database {}: {}", url, e.what()));
    }
  }
  ~PgConn() { PQfinish(conn_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  const std::string& url() const { return url_; }

  // A session setting, applied now and again after a reconnect (a new
  // session starts from the server's defaults).
  void set_session(const std::string& sql) {
    exec(sql);
    session_.push_back(sql);
  }

  // Throws std::runtime_error naming the URL with the server's message.
  PgResult exec(const std::string& sql, const Params& p = {}) {
    // Without parameters, PQexec: it also takes several statements (schemas, migrations).
    PgResult r(p.size() == 0 ? PQexec(conn_, sql.c_str())
                             : PQexecParams(conn_, sql.c_str(), p.size(), nullptr, p.values(), nullptr, nullptr, 0));
    if (r.ok()) return r;
    std::string msg = PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (PQstatus(conn_) != CONNECTION_OK) {
      // The server went away (restart, failover): the next call reconnects.
      // This one fails; a sample batch it held is written again by its caller.
      PQreset(conn_);
      if (PQstatus(conn_) == CONNECTION_OK) {
        for (const std::string& sql : session_) PQclear(PQexec(conn_, sql.c_str()));
      }
    }
    throw std::runtime_error(fmt::format("postgresql {}: {}", url_, msg));
  }

  // Runs fn inside BEGIN ... COMMIT, rolling back on any exception.
  template <typename Fn>
  auto transaction(Fn&& fn) {
    exec("BEGIN");
    try {
      if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        exec("COMMIT");
      } else {
        auto r = fn();
        exec("COMMIT");
        return r;
      }
    } catch (...) {
      PQclear(PQexec(conn_, "ROLLBACK"));
      throw;
    }
  }

 private:
  std::vector<std::string> session_;  // settings to restore after a reconnect
  std::string url_;
  PGconn* conn_ = nullptr;
};

}  // namespace rigor
