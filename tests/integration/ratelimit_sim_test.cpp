// Rate limits end to end: the simulator answers 429 + Retry-After above its
// request budget. With the matching client-side budget a run sees no 429 at
// all; without it the run still completes, every sample as the limited run
// scored it, and the time spent waiting on limits is recorded per sample.
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "tests/integration/rigor_process.h"

namespace rigor {
namespace {

using testing::run_rigor;
using testing::slurp;
using testing::TempDir;

const std::string kSource = RIGOR_SOURCE_DIR;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

// 10 requests per 2 s sliding window = 300 requests per minute.
const char* kLimitedProfile = R"(
[profiles.limited]
base = "full"
time_scale = 0
rpm_limit = 10
rpm_window_s = 2
)";

std::string config(const std::string& rate_keys) {
  return R"([run]
seed = 3
n = 2
suites = ["aime24"]
limit = 10

[[models]]
name = "m"
engine = "sim"
model_id = "limited"
sim_profiles = "profiles.toml"
concurrency = 8
)" + rate_keys + R"(
[models.retry]
max_attempts = 8
)";
}

std::vector<SampleRecord> samples_of(const std::string& db) {
  Store st(db);
  auto runs = st.list_runs();
  EXPECT_EQ(runs.size(), 1u);
  return runs.empty() ? std::vector<SampleRecord>{} : st.samples(runs[0].id);
}

TEST(RateLimitIntegration, MatchingBudgetSeesNo429AndNoBudgetStillCompletesWithWaitRecorded) {
  TempDir tmp;
  write_file(tmp / "profiles.toml", slurp(kSource + "/configs/sim_profiles.toml") + kLimitedProfile);
  // The budget is the simulator's published limit at face value.
  write_file(tmp / "paced.toml", config("rpm = 300"));
  write_file(tmp / "unpaced.toml", config(""));

  auto paced = run_rigor({"run", "-c", tmp / "paced.toml", "--db", tmp / "paced.db", "-q"}, tmp.path());
  ASSERT_EQ(paced.code, 0) << paced.err;
  auto unpaced = run_rigor({"run", "-c", tmp / "unpaced.toml", "--db", tmp / "unpaced.db", "-q"}, tmp.path());
  ASSERT_EQ(unpaced.code, 0) << unpaced.err;

  auto a = samples_of(tmp / "paced.db");
  auto b = samples_of(tmp / "unpaced.db");
  ASSERT_EQ(a.size(), 20u);
  ASSERT_EQ(b.size(), 20u);

  std::map<std::string, const SampleRecord*> by_key;
  double paced_wait = 0;
  for (const auto& s : a) {
    ASSERT_EQ(s.status, SampleStatus::kOk) << s.error;
    EXPECT_EQ(s.attempts, 1) << s.problem_id << ": a paced request was refused with 429";
    paced_wait += s.limit_wait_s;
    by_key[s.problem_id + "/" + std::to_string(s.sample_idx)] = &s;
  }
  // 20 requests at 300/min: the later ones waited on the client's budget.
  EXPECT_GT(paced_wait, 1.0);

  int refused = 0;
  double unpaced_wait = 0;
  for (const auto& s : b) {
    ASSERT_EQ(s.status, SampleStatus::kOk) << s.error;
    refused += s.attempts > 1;
    unpaced_wait += s.limit_wait_s;
    if (s.attempts > 1) {
      EXPECT_GT(s.limit_wait_s, 0) << s.problem_id << ": 429 backoff not recorded as limit wait";
    }
    const SampleRecord* twin = by_key[s.problem_id + "/" + std::to_string(s.sample_idx)];
    ASSERT_NE(twin, nullptr);
    EXPECT_EQ(s.correct, twin->correct) << s.problem_id;
    EXPECT_EQ(s.extracted, twin->extracted) << s.problem_id;
    // Waiting is not server latency: a refused-then-served sample's latency is its last attempt's.
    EXPECT_LT(s.latency_s, 1.0) << s.problem_id;
  }
  EXPECT_GE(refused, 5) << "the unpaced run should have hit the simulator's limit";
  EXPECT_GT(unpaced_wait, 1.0);

  // The report shows the waiting apart from latency: in JSON as numbers,
  // in Markdown as its own row.
  auto json = run_rigor({"report", "--db", tmp / "unpaced.db", "--format", "json"}, tmp.path());
  ASSERT_EQ(json.code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["summaries"].size(), 1u);
  EXPECT_NEAR(j["summaries"][0]["limit_wait_s"].get<double>(), unpaced_wait, 1e-6);
  int limited = 0;
  for (const auto& s : b) limited += s.limit_wait_s > 0;
  EXPECT_EQ(j["summaries"][0]["limited_samples"].get<int>(), limited);
  auto md = run_rigor({"report", "--db", tmp / "unpaced.db", "--format", "md"}, tmp.path());
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_NE(md.out.find("| waited on rate limits |"), std::string::npos) << md.out;
}

}  // namespace
}  // namespace rigor
