// Read-only opening (report, compare, gate) and the run lease (one process
// per run).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "store/run_lease.h"
#include "store/store.h"
#include "tests/pg_server.h"

namespace rigor {
namespace {

class StoreModes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rigor_store_modes_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

// The run lease on both backends: a SQLite file, and a PostgreSQL database.
class LeaseBackends : public StoreModes, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    StoreModes::SetUp();
    location_ = path("r.db");
    if (GetParam() != "postgres") return;
    RIGOR_PG_DATABASE(location_, "lease");
  }
  std::string location_;
};

INSTANTIATE_TEST_SUITE_P(Backends, LeaseBackends, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_F(StoreModes, ReadOnlyOpenOfAMissingFileNamesItAndCreatesNothing) {
  try {
    Store s(path("typo.db"), StoreMode::kReadOnly);
    FAIL() << "opened a missing database";
  } catch (const StoreOpenError& e) {
    EXPECT_NE(std::string(e.what()).find("no database at " + path("typo.db")), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path("typo.db")));
}

TEST_F(StoreModes, ReadOnlyOpenReadsRunsAndRefusesWrites) {
  {
    Store s(path("r.db"));
    RunRecord r;
    r.id = "run1";
    r.config_json = "{}";
    r.config_hash = "h";
    r.version = "v";
    r.started_at = "t";
    s.put_run(r);
  }
  Store ro(path("r.db"), StoreMode::kReadOnly);
  ASSERT_EQ(ro.list_runs().size(), 1u);
  EXPECT_EQ(ro.list_runs()[0].id, "run1");
  EXPECT_THROW(ro.finish_run("run1", "now"), std::runtime_error);
}

TEST_F(StoreModes, ANonRigorFileIsRefusedReadOnly) {
  std::ofstream(path("notes.txt")) << "hello";
  EXPECT_THROW(Store(path("notes.txt"), StoreMode::kReadOnly), StoreOpenError);
}

TEST_P(LeaseBackends, LeaseIsExclusiveUntilReleasedOrStale) {
  Store s(location_);
  const RunLeaseRecord a{"run1", 111, "host-a", 1000};
  const RunLeaseRecord b{"run1", 222, "host-b", 1010};
  EXPECT_FALSE(s.take_lease(a, 30).has_value());
  auto holder = s.take_lease(b, 30);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->pid, 111);
  EXPECT_TRUE(s.renew_lease(a, 1020));
  // b sees a's heartbeat 1020; at 1060 it is 40 s old: stale, b takes over.
  const RunLeaseRecord b_later{"run1", 222, "host-b", 1060};
  EXPECT_FALSE(s.take_lease(b_later, 30).has_value());
  EXPECT_FALSE(s.renew_lease(a, 1061));  // a learns it lost the lease
  s.release_lease(b_later);
  EXPECT_FALSE(s.take_lease(a, 30).has_value());
  // A holder named exactly (found dead by the caller) is taken over at once.
  const auto seen = s.take_lease(b, 30);
  ASSERT_TRUE(seen.has_value());
  EXPECT_FALSE(s.take_lease(b, 30, seen).has_value());
}

TEST_P(LeaseBackends, SecondRunLeaseInOneDatabaseIsRefusedNamingTheHolder) {
  Store s(location_);
  Store other(location_);
  // A holder on this host whose pid is alive: this very process.
  RunLease first(s, "run1");
  try {
    RunLease second(other, "run1");
    // Same pid and host as the holder: a process may re-take its own lease.
    SUCCEED();
  } catch (const RunBusyError&) {
    FAIL() << "a process was refused its own lease";
  }
  const RunLeaseRecord foreign{"run2", 1, "another-host", 1e12};
  ASSERT_FALSE(other.take_lease(foreign, 30).has_value());
  try {
    RunLease refused(s, "run2");
    FAIL() << "took a lease held by a live process";
  } catch (const RunBusyError& e) {
    EXPECT_NE(std::string(e.what()).find("pid 1 on another-host"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rigor
