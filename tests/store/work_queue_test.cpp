// The PostgreSQL work queue against a real server: claims are disjoint,
// leases expire and are claimed again, nothing stored is sampled twice.
#include <algorithm>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/pg_server.h"

namespace rigor {
namespace {

using testing::PgServer;

class WorkQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RIGOR_PG_DATABASE(url_, "queue");
  }

  std::vector<WorkKey> plan(Store& st, int problems, int n) {
    std::vector<WorkKey> keys;
    for (int p = 0; p < problems; ++p) {
      for (int i = 0; i < n; ++i) keys.push_back({"m", "aime24", "p" + std::to_string(p), i});
    }
    st.plan_work("r", keys);
    return keys;
  }

  static SampleRecord result(const WorkKey& k, bool ok, const std::string& response) {
    SampleRecord s;
    s.run_id = "r";
    s.model = k.model;
    s.suite = k.suite;
    s.problem_id = k.problem_id;
    s.sample_idx = k.sample_idx;
    s.status = ok ? SampleStatus::kOk : SampleStatus::kError;
    s.response = response;
    return s;
  }

  static WorkCount count(Store& st) {
    auto models = st.work_status("r").models;
    return models.empty() ? WorkCount{} : models[0];
  }

  std::string url_;
};

TEST_F(WorkQueueTest, PlanningTwiceAddsNothingAndMarksStoredSamplesDone) {
  Store st(url_);
  st.put_sample(result({"m", "aime24", "p0", 0}, true, "stored before the queue"));
  EXPECT_EQ(st.plan_work("r", {{"m", "aime24", "p0", 0}, {"m", "aime24", "p0", 1}}), 2);
  EXPECT_EQ(st.plan_work("r", {{"m", "aime24", "p0", 0}, {"m", "aime24", "p0", 1}}), 0);
  const WorkCount c = count(st);
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.waiting, 1);
  EXPECT_EQ(c.total(), 2);
}

TEST_F(WorkQueueTest, ConcurrentClaimersNeverGetTheSameSample) {
  {
    Store st(url_);
    plan(st, 50, 8);  // 400 items
  }
  std::vector<std::vector<WorkKey>> got(4);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      Store st(url_);  // a connection each, as separate workers have
      while (true) {
        auto batch = st.claim_work("r", "m", "w" + std::to_string(w), 7, 60);
        if (batch.empty()) break;
        got[w].insert(got[w].end(), batch.begin(), batch.end());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& g : got) {
    total += g.size();
    for (const auto& k : g) all.insert(sample_key(k.model, k.suite, k.problem_id, k.sample_idx));
  }
  EXPECT_EQ(total, 400u);
  EXPECT_EQ(all.size(), 400u) << "a sample was claimed twice";
  Store st(url_);
  EXPECT_EQ(count(st).leased, 400);
}

TEST_F(WorkQueueTest, ExpiredLeaseIsClaimedAgainAndTheFirstStoredResultStands) {
  Store st(url_);
  plan(st, 1, 1);
  auto a = st.claim_work("r", "m", "dead", 5, 0.2);  // a worker that then dies
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(st.claim_work("r", "m", "alive", 5, 60).empty()) << "a live lease is not claimable";
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(count(st).expired, 1);
  auto b = st.claim_work("r", "m", "alive", 5, 60);
  ASSERT_EQ(b.size(), 1u);
  st.complete_work({result(b[0], true, "from alive")}, "alive");
  // The dead worker was only stalled: its late result must not replace the stored one.
  st.complete_work({result(a[0], true, "from the stalled one")}, "dead");
  auto samples = st.samples("r");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].response, "from alive");
  const WorkCount c = count(st);
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.resent, 1);
}

TEST_F(WorkQueueTest, HeartbeatKeepsLeasesAliveAndNamesLiveWorkers) {
  Store st(url_);
  plan(st, 1, 2);
  WorkerRecord me{"w-a", "host", 1, "2026-01-01T00:00:00Z", 0, 0};
  st.worker_heartbeat("r", me, 0.3, 5);
  ASSERT_EQ(st.claim_work("r", "m", "w-a", 1, 0.3).size(), 1u);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    auto live = st.worker_heartbeat("r", me, 0.3, 5);
    EXPECT_EQ(live, std::vector<std::string>{"w-a"});
  }
  EXPECT_EQ(count(st).expired, 0) << "renewed leases do not run out";
  EXPECT_EQ(count(st).leased, 1);
  WorkerRecord other{"w-b", "host2", 2, "2026-01-01T00:00:00Z", 0, 0};
  EXPECT_EQ(st.worker_heartbeat("r", other, 0.3, 5), (std::vector<std::string>{"w-a", "w-b"}));
  auto status = st.work_status("r");
  ASSERT_EQ(status.workers.size(), 2u);
  EXPECT_EQ(status.workers[0].leased, 1);
  st.release_work("r", "w-a");
  st.remove_worker("r", "w-a");
  EXPECT_EQ(count(st).waiting, 2);
  EXPECT_EQ(st.work_status("r").workers.size(), 1u);
}

TEST_F(WorkQueueTest, FailedSamplesWaitUntilTheRunIsIdleThenAreRetried) {
  Store st(url_);
  auto keys = plan(st, 1, 2);
  auto got = st.claim_work("r", "m", "w", 2, 60);
  ASSERT_EQ(got.size(), 2u);
  st.complete_work({result(got[0], false, "")}, "w");
  EXPECT_EQ(count(st).failed, 1);
  st.plan_work("r", keys);  // another worker joins while one item is still leased
  EXPECT_EQ(count(st).failed, 1) << "not retried under a live run";
  st.complete_work({result(got[1], true, "ok")}, "w");
  st.plan_work("r", keys);  // a worker starting on the idle run: a resume
  EXPECT_EQ(count(st).failed, 0);
  EXPECT_EQ(count(st).waiting, 1);
  auto again = st.claim_work("r", "m", "w2", 5, 60);
  ASSERT_EQ(again.size(), 1u);
  st.complete_work({result(again[0], true, "second try")}, "w2");
  EXPECT_EQ(count(st).done, 2);
}

TEST_F(WorkQueueTest, ASessionTheServerDropsReconnectsAndStaysReadOnly) {
  {
    Store rw(url_);
    rw.put_sample(result({"m", "aime24", "p0", 0}, true, "x"));
  }
  Store ro(url_, StoreMode::kReadOnly);
  ASSERT_EQ(ro.samples("r").size(), 1u);
  PgServer::shared().query(url_,
                           "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND pid <> pg_backend_pid()");
  EXPECT_ANY_THROW(ro.samples("r"));       // the call that finds the session gone fails
  EXPECT_EQ(ro.samples("r").size(), 1u);   // the next one runs on a new session
  EXPECT_ANY_THROW(ro.put_sample(result({"m", "aime24", "p0", 1}, true, "y")))
      << "the new session lost the read-only setting";
}

TEST(WorkQueueSqlite, QueueCallsOnASqliteFileSayTheyNeedPostgres) {
  const std::string path = ::testing::TempDir() + "/queue_refused.db";
  std::filesystem::remove(path);
  Store st(path);
  EXPECT_FALSE(st.has_work_queue());
  try {
    st.claim_work("r", "m", "w", 1, 1);
    FAIL() << "claimed from SQLite";
  } catch (const StoreOpenError& e) {
    EXPECT_NE(std::string(e.what()).find("PostgreSQL"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(PostgresUrl, PasswordInTheUrlIsRefusedBeforeConnecting) {
  try {
    Store st("postgresql://rigor:hunter2@127.0.0.1:1/x");
    FAIL() << "opened";
  } catch (const StoreOpenError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("PGPASSWORD"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("hunter2"), std::string::npos) << "the message repeats the password: " << msg;
  }
}

TEST(PostgresUrl, UnreachableServerIsAnOpenErrorNamingTheUrl) {
  try {
    Store st("postgresql://rigor@127.0.0.1:1/nowhere?connect_timeout=2");
    FAIL() << "opened";
  } catch (const StoreOpenError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1/nowhere"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rigor
