// A real, throwaway PostgreSQL server for tests: initdb into a fresh temporary
// folder, started on a free loopback port, stopped and removed when the test
// process exits. No mock: the store is tested against the server it serves.
//
// Usage (no gtest needed here; the skip-or-fail choice is the test's):
//   PgServer& pg = PgServer::shared();
//   if (!pg.unavailable_reason().empty()) {
//     if (PgServer::optional()) GTEST_SKIP() << pg.unavailable_reason();
//     FAIL() << "no PostgreSQL server: " << pg.unavailable_reason();
//   }
//   std::string url = pg.create_database(PgServer::unique_name("store"));
//
// Binaries: $RIGOR_PG_BIN if set, else the highest /usr/lib/postgresql/<ver>/bin
// (Debian's `postgresql` package).
//
// Root: postgres refuses to run as root, and CI runs tests as root, so then
// initdb, pg_ctl and the server run as the `postgres` user the Debian package
// creates (set in the forked child before exec; no runuser/sudo needed), and
// the temporary folder is handed to that user.
//
// Cleanup: normally the destructor (a function-local static for shared())
// stops the server with `pg_ctl stop -m immediate` and removes the folder.
// A test process that dies without running destructors (kill -9, abort, a
// ctest timeout) is covered by a small watchdog shell started beside the
// server: it waits for the end of a pipe only the test process holds, then
// does the same stop and removal. Limitation: if the watchdog itself is killed
// too (say kill -9 on it), the server stays up until its own lock-file check
// (about once a minute) finds the folder gone and it shuts itself down; the
// leftover is a loopback-only server in a temporary folder and nothing
// depends on it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace rigor::testing {

class PgServer {
 public:
  // The server of this test process, started on first use (thread-safe),
  // stopped and removed at process exit.
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

  // A database name unique in this process and across concurrent ones:
  // the prefix made a plain lower-case identifier, then pid and a counter.
  static std::string unique_name(const std::string& prefix) {
    static std::atomic<unsigned> counter{0};
    std::string p;
    for (unsigned char c : prefix) p += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
    if (p.empty() || std::isdigit(static_cast<unsigned char>(p[0]))) p = "db_" + p;
    const std::string suffix = "_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    if (p.size() + suffix.size() > kMaxName) p.resize(kMaxName - suffix.size());
    return p + suffix;
  }

  // Starts a server of its own; never throws: on failure the reason is in
  // unavailable_reason() (includes the server log tail when the server failed).
  // Tests normally use shared(); a private instance is for tests of the fixture.
  PgServer() : owner_(getpid()) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      start();
      start_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } catch (const std::exception& e) {
      why_ = e.what();
      stop_and_remove();
      if (watch_fd_ >= 0) close(watch_fd_), watch_fd_ = -1;
    }
  }

  ~PgServer() {
    // A forked child that calls exit() runs static destructors too; only the
    // process that started the server may stop it.
    if (getpid() != owner_) return;
    stop_and_remove();
    if (watch_fd_ >= 0) close(watch_fd_);  // the watchdog wakes, finds nothing left, exits
  }

  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // "" when the server is running; else why there is none.
  std::string unavailable_reason() const { return why_; }
  int port() const { return port_; }
  std::string url(const std::string& dbname) const {
    return "postgresql://rigor@127.0.0.1:" + std::to_string(port_) + "/" + dbname;
  }
  // The temporary folder: data/ (the cluster), log (the server log), the socket.
  const std::string& dir() const { return dir_; }
  std::string log_path() const { return dir_ + "/log"; }
  const std::string& bin_dir() const { return bin_; }
  const std::string& psql_path() const { return psql_; }
  // Wall time of initdb + start, for the curious.
  double start_seconds() const { return start_seconds_; }

  // A fresh, empty database; returns its URL. Throws std::runtime_error
  // naming the database and psql's message (e.g. it already exists).
  std::string create_database(const std::string& name) {
    require_running();
    if (!plain_name(name)) {
      throw std::runtime_error("PgServer: database name '" + name +
                               "' is not a plain lower-case identifier (a-z, 0-9, _; at most 63 characters)");
    }
    // One at a time: concurrent CREATE DATABASE from template1 can trip over
    // each other ("source database is being accessed by other users").
    std::lock_guard lock(mu_);
    try {
      query(url("postgres"), "CREATE DATABASE \"" + name + "\"");
    } catch (const std::exception& e) {
      throw std::runtime_error("PgServer: cannot create database " + name + ": " + e.what());
    }
    return url(name);
  }

  // Runs SQL through psql on a connection URL; returns what psql printed
  // (unaligned, tuples only, trailing newline dropped). Throws on any error.
  std::string query(const std::string& conn_url, const std::string& sql) const {
    require_running();
    const Result r = run({psql_, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conn_url, "-c", sql}, {});
    if (r.status != 0) {
      throw std::runtime_error("psql on " + conn_url + " failed (" + describe(r.status) + "): " + trim(r.err) +
                               " [SQL: " + sql + "]");
    }
    std::string out = r.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

 private:
  static constexpr size_t kMaxName = 63;  // PostgreSQL's identifier limit (NAMEDATALEN - 1)

  struct Identity {
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
  };
  struct Result {
    int status = -1;  // exit code; 128 + signal if killed; -1 if unknown
    std::string out, err;
  };

  static bool plain_name(const std::string& s) {
    if (s.empty() || s.size() > kMaxName || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
  }

  static std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
  }

  static std::string describe(int status) {
    if (status == -1) return "exit status unknown";
    if (status > 128) return "killed by signal " + std::to_string(status - 128);
    return "exit " + std::to_string(status);
  }

  static std::string errno_text() { return std::strerror(errno); }

  void require_running() const {
    if (!why_.empty() || !started_) throw std::runtime_error("PgServer: no PostgreSQL server: " + why_);
  }

  static bool executable(const std::string& p) { return access(p.c_str(), X_OK) == 0; }

  // Highest /usr/lib/postgresql/<ver>/bin holding the server binaries.
  static std::string find_bin_dir() {
    if (const char* v = std::getenv("RIGOR_PG_BIN"); v && *v) {
      for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
        if (!executable(std::string(v) + "/" + tool)) {
          throw std::runtime_error("RIGOR_PG_BIN=" + std::string(v) + " has no executable " + tool);
        }
      }
      return v;
    }
    std::string best;
    std::pair<long, long> best_version{-1, -1};
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const std::string bin = (e.path() / "bin").string();
      if (!executable(bin + "/initdb") || !executable(bin + "/pg_ctl") || !executable(bin + "/postgres")) continue;
      // "15", or "9.6" for old majors.
      const std::string name = e.path().filename().string();
      char* end = nullptr;
      const long major = std::strtol(name.c_str(), &end, 10);
      const long minor = (end && *end == '.') ? std::strtol(end + 1, nullptr, 10) : 0;
      if (std::make_pair(major, minor) > best_version) best_version = {major, minor}, best = bin;
    }
    if (best.empty()) {
      throw std::runtime_error(
          "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/<version>/bin; "
          "install the Debian package `postgresql` or set RIGOR_PG_BIN to a folder holding them");
    }
    return best;
  }

  // The children's environment: ours without PG* variables (PGDATA, PGPORT,
  // PGHOST, PGOPTIONS... would redirect initdb, pg_ctl or psql), and the C
  // locale so initdb never trips on a missing locale and messages are English.
  static std::vector<std::string> child_env() {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
      const std::string kv = *e;
      if (kv.rfind("PG", 0) == 0 || kv.rfind("LC_ALL=", 0) == 0) continue;
      env.push_back(kv);
    }
    env.push_back("LC_ALL=C");
    return env;
  }

  static std::vector<char*> c_strings(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
  }

  // In a forked child only (async-signal-safe calls): nothing inherited but
  // stdin/stdout/stderr, so the server (which outlives its pg_ctl) holds none
  // of the test's sockets or pipes open.
  static void close_from_3() {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
    for (int fd = 3; fd < 65536; ++fd) close(fd);
  }

  static void become(const Identity& as) {
    if (!as.switch_user) return;
    if (setgroups(1, &as.gid) != 0 || setgid(as.gid) != 0 || setuid(as.uid) != 0) {
      static const char msg[] = "PgServer: cannot switch to the postgres user\n";
      (void)!write(2, msg, sizeof msg - 1);
      _exit(126);
    }
  }

  static int wait_for(pid_t pid) {
    int st = 0;
    while (waitpid(pid, &st, 0) < 0) {
      if (errno != EINTR) return -1;  // e.g. SIGCHLD ignored by the test: status lost
    }
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
  }

  static std::string read_all(int fd) {
    std::string s;
    if (lseek(fd, 0, SEEK_SET) < 0) return s;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) != 0;) {
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      s.append(buf, static_cast<size_t>(n));
    }
    return s;
  }

  // Runs argv[0] (a full path) with argv, as `as`, and waits. Output goes to
  // memory files, not pipes: pg_ctl's server child must not keep a pipe of
  // ours open, and a file needs no reader while the child runs.
  static Result run(std::vector<std::string> argv, const Identity& as) {
    std::vector<std::string> env = child_env();
    std::vector<char*> args = c_strings(argv), envp = c_strings(env);
    const int out = memfd_create("pg-out", MFD_CLOEXEC);
    const int err = memfd_create("pg-err", MFD_CLOEXEC);
    if (out < 0 || err < 0) {
      const std::string why = errno_text();
      if (out >= 0) close(out);
      if (err >= 0) close(err);
      throw std::runtime_error("PgServer: memfd_create failed: " + why);
    }
    const pid_t pid = fork();
    if (pid < 0) {
      const std::string why = errno_text();
      close(out), close(err);
      throw std::runtime_error("PgServer: fork failed for " + argv[0] + ": " + why);
    }
    if (pid == 0) {
      // Lift the memory files above 2 first, in case stdin..stderr were closed.
      const int o = fcntl(out, F_DUPFD, 10), e = fcntl(err, F_DUPFD, 10);
      const int null = open("/dev/null", O_RDONLY);
      if (null >= 0 && null != 0) dup2(null, 0);
      dup2(o, 1), dup2(e, 2);
      close_from_3();
      if (chdir("/") != 0) _exit(126);  // the postgres user may not enter our cwd
      become(as);
      execve(args[0], args.data(), envp.data());
      static const char msg[] = "PgServer: exec failed\n";
      (void)!write(2, msg, sizeof msg - 1);
      _exit(127);
    }
    Result r;
    r.status = wait_for(pid);
    r.out = read_all(out);
    r.err = read_all(err);
    close(out), close(err);
    if (r.status == 127 && r.err.find("PgServer: exec failed") != std::string::npos) {
      r.err = "cannot run " + argv[0] + ": " + r.err;
    }
    return r;
  }

  // A port free right now on 127.0.0.1 (the kernel picks it); it can be taken
  // again before the server binds it, hence the retries in start().
  static int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("PgServer: socket() failed: " + errno_text());
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
    if (port == 0) throw std::runtime_error("PgServer: cannot find a free port on 127.0.0.1");
    return port;
  }

  std::string log_tail(size_t from = 0) const {
    std::ifstream in(log_path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    s = from < s.size() ? s.substr(from) : std::string();
    if (s.size() > 3000) s = "..." + s.substr(s.size() - 3000);
    return s.empty() ? "(server log empty)" : s;
  }

  size_t log_size() const {
    std::error_code ec;
    const auto n = std::filesystem::file_size(log_path(), ec);
    return ec ? 0 : static_cast<size_t>(n);
  }

  // mkdtemp under base, handed to the server user when we are root.
  std::string make_dir(const std::string& base) {
    std::string templ = base + "/rigor-pg-XXXXXX";
    if (!mkdtemp(templ.data())) {
      throw std::runtime_error("PgServer: cannot make a temporary folder under " + base + ": " + errno_text());
    }
    if (as_.switch_user && chown(templ.c_str(), as_.uid, as_.gid) != 0) {
      const std::string why = errno_text();
      rmdir(templ.c_str());
      throw std::runtime_error("PgServer: cannot hand " + templ + " to the postgres user: " + why);
    }
    return templ;
  }

  // True when the server user can write the folder (as root, $TMPDIR may sit
  // under /root, which the postgres user cannot enter).
  bool server_user_can_write(const std::string& d) const {
    if (!as_.switch_user) return true;
    return run({"/bin/sh", "-c", "test -w \"$1\" && test -x \"$1\"", "sh", d}, as_).status == 0;
  }

  // A shell, detached from the test process (own session, reparented away by
  // a double fork, so neither Ctrl-C nor a kill of the test's process tree
  // reaches it), that blocks reading a pipe whose only writer is the test
  // process; end of file means the test process is gone, however it ended.
  void start_watchdog() {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("PgServer: pipe failed: " + errno_text());
    std::vector<std::string> argv = {
        "/bin/sh", "-c",
        "while read -r _; do :; done; \"$1\" -D \"$2/data\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"$2\"",
        "rigor-pg-watchdog", pg_ctl_, dir_};
    std::vector<std::string> env = child_env();
    std::vector<char*> args = c_strings(argv), envp = c_strings(env);
    const pid_t mid = fork();
    if (mid < 0) {
      const std::string why = errno_text();
      close(p[0]), close(p[1]);
      throw std::runtime_error("PgServer: fork failed for the watchdog: " + why);
    }
    if (mid == 0) {
      if (fork() != 0) _exit(0);
      setsid();
      const int r = fcntl(p[0], F_DUPFD, 10);
      dup2(r, 0);
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) dup2(null, 1), dup2(null, 2);
      close_from_3();
      if (chdir("/") != 0) _exit(126);
      become(as_);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    close(p[0]);
    wait_for(mid);
    watch_fd_ = p[1];
  }

  void start() {
    bin_ = find_bin_dir();
    pg_ctl_ = bin_ + "/pg_ctl";
    psql_ = executable(bin_ + "/psql") ? bin_ + "/psql" : "/usr/bin/psql";
    if (!executable(psql_)) throw std::runtime_error("no psql client in " + bin_ + " or /usr/bin");

    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (!pw) {
        throw std::runtime_error(
            "running as root, and there is no `postgres` user to run the server as "
            "(PostgreSQL refuses to run as root; the Debian package `postgresql` creates that user)");
      }
      as_ = {true, pw->pw_uid, pw->pw_gid};
    }

    const char* tmp = std::getenv("TMPDIR");
    const std::string base = tmp && *tmp ? tmp : "/tmp";
    dir_ = make_dir(base);
    if (!server_user_can_write(dir_)) {
      std::filesystem::remove_all(dir_);
      dir_.clear();
      if (base == "/tmp") throw std::runtime_error("the postgres user cannot write a folder made under /tmp");
      dir_ = make_dir("/tmp");
      if (!server_user_can_write(dir_)) {
        throw std::runtime_error("the postgres user cannot write " + dir_ + " (nor a folder under " + base + ")");
      }
    }
    start_watchdog();

    // Trust for local and host connections; superuser `rigor`; C locale so
    // sorting and messages are the same on every machine; no fsync of the
    // fresh cluster (a test server need not survive a power cut).
    const std::string data = dir_ + "/data";
    Result r = run({bin_ + "/initdb", "-D", data, "-U", "rigor", "--auth=trust", "-E", "UTF8", "--no-locale",
                    "--no-sync"},
                   as_);
    if (r.status != 0) {
      throw std::runtime_error("initdb failed (" + describe(r.status) + ") in " + data + ": " + trim(r.err) +
                               "\n" + trim(r.out));
    }

    // Settings in the config file rather than on pg_ctl's -o, which goes
    // through a shell: the folder path is then never shell-quoted.
    auto quote = [](const std::string& s) {
      std::string q = "'";
      for (char c : s) {
        if (c == '\'' || c == '\\') q += c;
        q += c;
      }
      return q + "'";
    };
    // A unix socket path is limited to 107 bytes; tests connect over TCP, so
    // a long temporary path just means no socket.
    const std::string socket_dir = dir_.size() + sizeof("/.s.PGSQL.65535") <= 107 ? dir_ : "";
    {
      std::ofstream conf(data + "/postgresql.conf", std::ios::app);
      conf << "\n# rigor test server (tests/pg_server.h)\n"
           << "listen_addresses = '127.0.0.1'\n"
           << "unix_socket_directories = " << quote(socket_dir) << "\n"
           << "max_connections = 200\n"
           // Speed only; a crash loses a throwaway cluster anyway.
           << "fsync = off\n"
           << "full_page_writes = off\n";
      if (!conf) throw std::runtime_error("PgServer: cannot append settings to " + data + "/postgresql.conf");
    }

    std::string last;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      const size_t log_from = log_size();
      r = run({pg_ctl_, "-D", data, "-l", log_path(), "-o", "-p " + std::to_string(port_), "-w", "-t", "60", "start"},
              as_);
      if (r.status == 0) {
        started_ = true;
        return;
      }
      const std::string log = log_tail(log_from);
      last = "pg_ctl start on 127.0.0.1:" + std::to_string(port_) + " failed (" + describe(r.status) + "): " +
             trim(r.out + "\n" + r.err) + "\nserver log tail:\n" + log;
      // A timed-out start can leave a postmaster behind.
      run({pg_ctl_, "-D", data, "-m", "immediate", "-w", "stop"}, as_);
      // Only a lost race for the port is worth another go.
      if (log.find("Address already in use") == std::string::npos &&
          log.find("could not create any TCP/IP sockets") == std::string::npos) {
        break;
      }
    }
    throw std::runtime_error("PostgreSQL did not start: " + last);
  }

  void stop_and_remove() {
    if (started_) {
      run({pg_ctl_, "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}, as_);
      started_ = false;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  pid_t owner_;
  Identity as_;
  std::string bin_, pg_ctl_, psql_, dir_, why_;
  int port_ = 0;
  bool started_ = false;
  int watch_fd_ = -1;
  double start_seconds_ = 0;
  std::mutex mu_;
};

}  // namespace rigor::testing

// In a test body or a fixture's SetUp (with gtest included): sets the string
// `url` to a fresh database on this process's server, named from `prefix`;
// when there is no server, skips the test (RIGOR_PG_OPTIONAL=1) or fails it
// with the reason, and returns.
#define RIGOR_PG_DATABASE(url, prefix)                                                        \
  do {                                                                                        \
    ::rigor::testing::PgServer& rigor_pg_ = ::rigor::testing::PgServer::shared();             \
    if (!rigor_pg_.unavailable_reason().empty()) {                                            \
      if (::rigor::testing::PgServer::optional()) GTEST_SKIP() << rigor_pg_.unavailable_reason(); \
      FAIL() << "no PostgreSQL server: " << rigor_pg_.unavailable_reason();                   \
    }                                                                                         \
    (url) = rigor_pg_.create_database(::rigor::testing::PgServer::unique_name(prefix));       \
  } while (0)
