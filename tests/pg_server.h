// A real, throwaway PostgreSQL server for tests: initdb into a temporary
// folder, started on a free loopback port, stopped and removed when the test
// process exits. No mock: the store is tested against the server it serves.
//
// Postgres refuses to run as root; tests run as root in CI, so the server
// commands then run as the `postgres` user the Debian package creates.
// A test process killed with -9 leaves its server running in /tmp (the
// server stops itself when its data folder is removed on the next boot);
// nothing else depends on it.
#pragma once

#include <pwd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>

namespace rigor::testing {

class PgServer {
 public:
  // The server of this test process, started on first use.
  static PgServer& shared() {
    static PgServer server;
    return server;
  }

  // RIGOR_PG_OPTIONAL=1: a machine without PostgreSQL skips these tests
  // instead of failing them (CI installs it, so CI never skips).
  static bool optional() {
    const char* v = std::getenv("RIGOR_PG_OPTIONAL");
    return v && std::string(v) == "1";
  }

  // "" when running; else why there is no server.
  const std::string& unavailable_reason() const { return why_; }
  int port() const { return port_; }
  std::string url(const std::string& db) const {
    return "postgresql://rigor@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

  // A fresh, empty database; returns its URL.
  std::string create_database(const std::string& name) {
    std::lock_guard lock(mu_);
    const std::string cmd = psql_ + " -X -q -h 127.0.0.1 -p " + std::to_string(port_) +
                            " -U rigor -d postgres -c 'CREATE DATABASE \"" + name + "\"' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot create database " + name);
    return url(name);
  }

  // A database name unique in this process and across concurrent ones.
  static std::string unique_name(const std::string& prefix) {
    static std::atomic<int> n{0};
    return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(n++);
  }

  ~PgServer() {
    if (!started_) return;
    run_as_server_user(pg_ctl_ + " -D " + dir_ + "/data -m immediate stop >/dev/null 2>&1");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  PgServer() {
    try {
      start();
    } catch (const std::exception& e) {
      why_ = e.what();
    }
  }

  static std::string find_bin() {
    if (const char* v = std::getenv("RIGOR_PG_BIN")) return v;
    std::string best;
    int best_version = -1;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string bin = (e.path() / "bin").string();
      if (!std::filesystem::exists(bin + "/initdb")) continue;
      const int v = std::atoi(e.path().filename().c_str());
      if (v > best_version) best_version = v, best = bin;
    }
    return best;
  }

  static int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
  }

  int run_as_server_user(const std::string& cmd) const {
    const std::string full = geteuid() == 0 ? "runuser -u postgres -- sh -c '" + cmd + "'" : cmd;
    return std::system(full.c_str());
  }

  std::string log_tail() const {
    std::ifstream in(dir_ + "/log");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
  }

  void start() {
    const std::string bin = find_bin();
    if (bin.empty()) throw std::runtime_error("no PostgreSQL server binaries (apt-get install postgresql)");
    initdb_ = bin + "/initdb";
    pg_ctl_ = bin + "/pg_ctl";
    psql_ = std::filesystem::exists(bin + "/psql") ? bin + "/psql" : "psql";
    if (geteuid() == 0 && !getpwnam("postgres")) {
      throw std::runtime_error("running as root and no `postgres` user to run the server as");
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/rigor-pg-XXXXXX";
    if (!mkdtemp(templ.data())) throw std::runtime_error("cannot make a temporary folder for PostgreSQL");
    dir_ = templ;
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot chown " + dir_);
    }
    // fsync off: a test server's data need not survive a power cut.
    if (run_as_server_user(initdb_ + " -D " + dir_ + "/data -U rigor --auth=trust -E UTF8 --no-sync >" + dir_ +
                           "/log 2>&1") != 0) {
      throw std::runtime_error("initdb failed: " + log_tail());
    }
    for (int attempt = 0; attempt < 5 && !started_; ++attempt) {
      port_ = free_port();
      const std::string opts = "-p " + std::to_string(port_) + " -k " + dir_ +
                               " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
                               "-c max_connections=200";
      // The port can be taken between free_port() and the bind: try another.
      started_ = run_as_server_user(pg_ctl_ + " -D " + dir_ + "/data -o \"" + opts + "\" -l " + dir_ +
                                    "/log -w -t 60 start >/dev/null 2>&1") == 0;
    }
    if (!started_) throw std::runtime_error("PostgreSQL did not start: " + log_tail());
  }

  std::string initdb_, pg_ctl_, psql_, dir_, why_;
  int port_ = 0;
  bool started_ = false;
  std::mutex mu_;
};

}  // namespace rigor::testing
