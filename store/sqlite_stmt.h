// A prepared SQLite statement that finalises itself, shared by the results
// store and the perf store. Errors throw std::runtime_error with SQLite's
// message, prefixed by `what` (which store failed).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "store/store.h"

namespace rigor {

class SqliteStmt {
 public:
  SqliteStmt(sqlite3* db, const char* sql, const char* what = "sqlite") : db_(db), what_(what) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(fmt::format("{}: prepare failed: {}", what_, sqlite3_errmsg(db)));
    }
  }
  ~SqliteStmt() { sqlite3_finalize(s_); }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  SqliteStmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Binds without a copy: v must stay alive and unchanged until the
  // statement has been stepped (long texts bound and stepped at once).
  SqliteStmt& bind_static(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  SqliteStmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  SqliteStmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  SqliteStmt& null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // Binds the next parameter in order (after construction or reset()).
  template <typename T>
  SqliteStmt& add(const T& v) {
    return bind(++next_, v);
  }
  SqliteStmt& add_static(std::string_view v) { return bind_static(++next_, v); }
  // Ready to bind and step again.
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    next_ = 0;
  }
  // Returns true while a row is available.
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(fmt::format("{}: step failed: {}", what_, sqlite3_errmsg(db_)));
  }
  std::string text(int i) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, sqlite3_column_bytes(s_, i)) : std::string();
  }
  int64_t i64(int i) const { return sqlite3_column_int64(s_, i); }
  bool is_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  double real(int i) const { return sqlite3_column_double(s_, i); }

 private:
  sqlite3* db_;
  const char* what_;
  sqlite3_stmt* s_ = nullptr;
  int next_ = 0;
};

// Opens a SQLite database for the results store and the perf store alike,
// with a 10 s busy timeout. Read-write creates the file; read-only never
// does, and reads a WAL database in a folder it may not write (no -shm
// file can be made) as an immutable file. `flags` are added to the open's.
// Throws StoreOpenError naming `path`.
inline sqlite3* open_sqlite(const std::string& path, StoreMode mode, int flags = 0) {
  sqlite3* db = nullptr;
  auto open = [&](const std::string& name, int how) {
    if (sqlite3_open_v2(name.c_str(), &db, how | flags, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 10000);
      return;
    }
    const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StoreOpenError(fmt::format("cannot open database {}: {}", path, why));
  };
  if (mode == StoreMode::kReadWrite) {
    open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    return db;
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw StoreOpenError(fmt::format("no database at {} (check --db; reading never creates one)", path));
  }
  open(path, SQLITE_OPEN_READONLY);
  if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    db = nullptr;
    open("file:" + path + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  }
  return db;
}

// Runs SQL without results; throws with `what` and SQLite's message.
inline void sqlite_exec(sqlite3* db, const char* sql, const char* what = "sqlite") {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("{}: {}", what, msg));
  }
}

}  // namespace rigor
