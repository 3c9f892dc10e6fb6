// The throwaway PostgreSQL server fixture (tests/pg_server.h): it starts as a
// non-root user, hands out distinct databases whose URLs a plain psql can use,
// and leaves nothing running behind it, even when its process is killed.
#include "tests/pg_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace rigor {
namespace {

using testing::PgServer;

#define REQUIRE_SHARED_PG(pg)                                                  \
  PgServer& pg = PgServer::shared();                                           \
  if (!pg.unavailable_reason().empty()) {                                      \
    if (PgServer::optional()) GTEST_SKIP() << pg.unavailable_reason();         \
    FAIL() << "no PostgreSQL server: " << pg.unavailable_reason();             \
  }

bool accepts_connections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// What a plain psql prints for sql on url (stdout only), and its exit code.
std::pair<int, std::string> psql(const PgServer& pg, const std::string& url, const std::string& sql) {
  const std::string cmd = "'" + pg.psql_path() + "' -X -A -t -v ON_ERROR_STOP=1 -d '" + url + "' -c \"" + sql + "\"";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return {-1, ""};
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, f)) out.append(buf, n);
  const int st = pclose(f);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

TEST(PgServer, StartsOnLoopbackAsANonRootUser) {
  REQUIRE_SHARED_PG(pg);
  std::cout << "[ pg      ] server started in " << pg.start_seconds() << " s on 127.0.0.1:" << pg.port() << " from "
            << pg.bin_dir() << "\n";
  ASSERT_GT(pg.port(), 0);
  EXPECT_TRUE(accepts_connections(pg.port()));
  EXPECT_TRUE(std::filesystem::exists(pg.dir() + "/data/PG_VERSION"));

  // The postmaster's pid is the first line of postmaster.pid; its owner is
  // who the server runs as.
  std::ifstream pidfile(pg.dir() + "/data/postmaster.pid");
  int pid = 0;
  ASSERT_TRUE(pidfile >> pid) << "no postmaster.pid in " << pg.dir();
  struct stat st{};
  ASSERT_EQ(stat(("/proc/" + std::to_string(pid)).c_str(), &st), 0) << "postmaster " << pid << " not running";
  EXPECT_NE(st.st_uid, 0u) << "the server runs as root";
  if (geteuid() != 0) {
    EXPECT_EQ(st.st_uid, geteuid());
  }

  const std::string url = pg.url("postgres");
  EXPECT_EQ(pg.query(url, "SHOW listen_addresses"), "127.0.0.1");
  EXPECT_EQ(pg.query(url, "SHOW max_connections"), "200");
  EXPECT_EQ(pg.query(url, "SHOW fsync"), "off");
  EXPECT_EQ(pg.query(url, "SHOW full_page_writes"), "off");
  EXPECT_EQ(pg.query(url, "SHOW synchronous_commit"), "on");
  EXPECT_EQ(pg.query(url, "SELECT current_user"), "rigor");
}

TEST(PgServer, CreateDatabaseReturnsItsUrl) {
  REQUIRE_SHARED_PG(pg);
  const std::string name = PgServer::unique_name("fixture_url");
  const std::string url = pg.create_database(name);
  EXPECT_EQ(url, "postgresql://rigor@127.0.0.1:" + std::to_string(pg.port()) + "/" + name);
  EXPECT_EQ(url, pg.url(name));
  EXPECT_EQ(pg.query(url, "SELECT current_database()"), name);
  EXPECT_EQ(pg.query(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0") << "not empty";
}

TEST(PgServer, APlainPsqlOnTheUrlCreatesInsertsAndCounts) {
  REQUIRE_SHARED_PG(pg);
  const std::string url = pg.create_database(PgServer::unique_name("fixture_psql"));
  EXPECT_EQ(psql(pg, url, "CREATE TABLE t (id int PRIMARY KEY, v text)").first, 0);
  EXPECT_EQ(psql(pg, url, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')").first, 0);
  EXPECT_EQ(psql(pg, url, "SELECT count(*) FROM t"), std::make_pair(0, std::string("3")));
  EXPECT_NE(psql(pg, url, "SELECT * FROM no_such_table").first, 0);
}

TEST(PgServer, TwoDatabasesAreDistinct) {
  REQUIRE_SHARED_PG(pg);
  const std::string a = pg.create_database(PgServer::unique_name("fixture_a"));
  const std::string b = pg.create_database(PgServer::unique_name("fixture_b"));
  ASSERT_NE(a, b);
  pg.query(a, "CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (7)");
  EXPECT_EQ(pg.query(a, "SELECT x FROM only_in_a"), "7");
  EXPECT_EQ(pg.query(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"), "0");
  try {
    pg.query(b, "SELECT x FROM only_in_a");
    FAIL() << "a table of one database is visible in another";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("only_in_a"), std::string::npos) << e.what();
  }
}

TEST(PgServer, CreatingADatabaseTwiceOrWithABadNameSaysWhy) {
  REQUIRE_SHARED_PG(pg);
  const std::string name = PgServer::unique_name("fixture_twice");
  pg.create_database(name);
  try {
    pg.create_database(name);
    FAIL() << "created " << name << " twice";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create database " + name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pg.create_database("Has-Dash"), std::runtime_error);
  EXPECT_THROW(pg.create_database("x\"; DROP DATABASE postgres; --"), std::runtime_error);
}

TEST(PgServer, UniqueNamesArePlainIdentifiersThatNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.insert(PgServer::unique_name("Some-Test.Name")).second);
  const std::string n = *seen.begin();
  EXPECT_EQ(n.rfind("some_test_name_" + std::to_string(getpid()) + "_", 0), 0u) << n;
  EXPECT_LE(PgServer::unique_name(std::string(200, 'x')).size(), 63u);
  EXPECT_EQ(PgServer::unique_name("9lives").rfind("db_9lives_", 0), 0u);
}

// A server of its own (not the shared one) stops and leaves no folder when
// it goes out of scope.
TEST(PgServer, AnOwnServerIsStoppedAndRemovedWhenDestroyed) {
  REQUIRE_SHARED_PG(shared);  // same machine requirements
  std::string dir;
  int port = 0;
  {
    PgServer own;
    ASSERT_EQ(own.unavailable_reason(), "");
    ASSERT_NE(own.port(), shared.port());
    dir = own.dir();
    port = own.port();
    EXPECT_EQ(own.query(own.create_database("scratch"), "SELECT 1 + 1"), "2");
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  EXPECT_FALSE(accepts_connections(port));
}

// kill -9 runs no destructor: the watchdog must stop the server and remove
// its folder once the process that started it is gone.
TEST(PgServer, AKilledTestProcessLeavesNoServerBehind) {
  REQUIRE_SHARED_PG(shared);
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(report[0]);
    PgServer own;
    const std::string line = own.unavailable_reason().empty()
                                 ? std::to_string(own.port()) + " " + own.dir() + "\n"
                                 : "error " + own.unavailable_reason() + "\n";
    (void)!write(report[1], line.data(), line.size());
    for (;;) pause();
  }
  close(report[1]);
  std::string line;
  pollfd p{report[0], POLLIN, 0};
  char buf[4096];
  while (line.find('\n') == std::string::npos && poll(&p, 1, 90'000) == 1) {
    const ssize_t n = read(report[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(report[0]);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);

  std::istringstream in(line);
  int port = 0;
  std::string dir;
  ASSERT_TRUE(in >> port >> dir) << "the child reported: " << line;
  EXPECT_TRUE(eventually([&] { return !std::filesystem::exists(dir); }, std::chrono::seconds(15)))
      << dir << " is still there";
  EXPECT_FALSE(accepts_connections(port)) << "a server still listens on " << port;
}

}  // namespace
}  // namespace rigor
