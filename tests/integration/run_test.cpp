// End-to-end: the real rigor binary against the real simulator over loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/sim_process.h"
#include "store/store.h"
#include "tests/integration/report_accuracy.h"
#include "tests/integration/rigor_process.h"

namespace rigor {
namespace {

using testing::accuracy_of;
using testing::run_rigor;
using testing::RigorProcess;
using testing::slurp;
using testing::TempDir;

const std::string kSource = RIGOR_SOURCE_DIR;
const std::string kProfiles = kSource + "/configs/sim_profiles.toml";

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::map<std::string, int> count_by_status(const std::string& db, const std::string& run) {
  Store st(db);
  std::map<std::string, int> out;
  for (const auto& s : st.samples(run)) out[s.status == SampleStatus::kOk ? "ok" : "error"]++;
  return out;
}

std::string only_run_id(const std::string& db) {
  Store st(db);
  auto runs = st.list_runs();
  EXPECT_EQ(runs.size(), 1u);
  return runs.empty() ? "" : runs[0].id;
}

bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

int sim_port_from(const std::string& err) {
  std::smatch m;
  static const std::regex re(R"(simulator for .* on http://127\.0\.0\.1:([0-9]+)/v1)");
  return std::regex_search(err, m, re) ? std::stoi(m[1].str()) : 0;
}

TEST(RunIntegration, DemoConfigEndToEnd) {
  TempDir tmp;
  auto r = run_rigor({"run", "-c", kSource + "/configs/demo.toml", "--db", tmp / "demo.db"}, tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;
  // The comparison table on the terminal: both models, both suites.
  for (const char* want : {"== aime24 ==", "== math500 ==", "r1-full", "distill-7b", "pass@1", "SIMULATED", "$ / solved"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  // The Markdown report on disk, relative to where rigor ran.
  std::string md = slurp(tmp.path() / "rigor-demo-report.md");
  EXPECT_NE(md.find("SIMULATED"), std::string::npos);
  EXPECT_NE(md.find("distill-7b"), std::string::npos);
  // Every sample kept: 2 models x (30 + 500) problems x 4.
  std::string run = only_run_id(tmp / "demo.db");
  auto counts = count_by_status(tmp / "demo.db", run);
  EXPECT_EQ(counts["ok"], 2 * 530 * 4);
  EXPECT_EQ(counts["error"], 0);

  // The full model beats the distill on AIME, and the paired comparison says so.
  auto json = run_rigor({"report", "--db", tmp / "demo.db", "--format", "json"}, tmp.path());
  ASSERT_EQ(json.code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  std::map<std::string, double> pass1;
  for (const auto& s : j["summaries"]) pass1[s["model"].get<std::string>() + "/" + s["suite"].get<std::string>()] = s["pass1"];
  EXPECT_GT(pass1["r1-full/aime24"], pass1["distill-7b/aime24"] + 0.15);
  EXPECT_GT(pass1["r1-full/math500"], pass1["distill-7b/math500"]);
  EXPECT_TRUE(j["simulated"].get<bool>());

  auto cmp = run_rigor({"compare", "--db", tmp / "demo.db", run, run, "--pair", "r1-full:distill-7b"}, tmp.path());
  ASSERT_EQ(cmp.code, 0) << cmp.err;
  EXPECT_NE(cmp.out.find("aime24"), std::string::npos) << cmp.out;

  // Re-running the same command resumes: nothing is redone.
  auto again = run_rigor({"run", "-c", kSource + "/configs/demo.toml", "--db", tmp / "demo.db", "-q"}, tmp.path());
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.err.find("4240 already stored, 0 finished now"), std::string::npos) << again.err;
}

TEST(RunIntegration, InjectedFaultsAreRetriedAndNeverStoredAsAnswers) {
  TempDir tmp;
  // "flaky" fails first attempts with 429, 500, cut streams, stalls and
  // malformed chunks. A second simulator serves the same profile without its
  // faults table: every flaky sample must end exactly as its clean twin.
  std::string profiles = slurp(kProfiles);
  auto faults = profiles.find("[profiles.flaky.faults]");
  ASSERT_NE(faults, std::string::npos);
  auto next = profiles.find("\n[profiles.", faults);
  write_file(tmp / "nofaults.toml",
             profiles.substr(0, faults) + (next == std::string::npos ? "" : profiles.substr(next)));
  write_file(tmp / "faults.toml", R"([run]
seed = 11
n = 2
k = [1, 2]
suites = ["aime24", "math500"]
limit = 40

[[models]]
name = "flaky"
engine = "sim"
model_id = "flaky"
sim_profiles = ")" + kProfiles + R"("
concurrency = 16
[models.timeouts]
idle_s = 0.5
[models.retry]
max_attempts = 6
base_delay_s = 0.05
max_delay_s = 0.5

[[models]]
name = "clean"
engine = "sim"
model_id = "flaky"
sim_profiles = "nofaults.toml"
concurrency = 16
)");
  auto r = run_rigor({"run", "-c", tmp / "faults.toml", "--db", tmp / "f.db", "-q"}, tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;
  Store st(tmp / "f.db");
  auto samples = st.samples(only_run_id(tmp / "f.db"));
  ASSERT_EQ(samples.size(), 2u * 70 * 2);
  std::map<std::string, const SampleRecord*> clean;
  for (const auto& s : samples) {
    if (s.model == "clean") clean[s.suite + "/" + s.problem_id + "/" + std::to_string(s.sample_idx)] = &s;
  }
  int retried = 0;
  for (const auto& s : samples) {
    ASSERT_EQ(s.status, SampleStatus::kOk) << s.problem_id << ": " << s.error;
    EXPECT_FALSE(s.finish_reason.empty()) << "a sample without a finish was stored as complete";
    if (s.model != "flaky") continue;
    retried += s.attempts > 1;
    const SampleRecord* c = clean[s.suite + "/" + s.problem_id + "/" + std::to_string(s.sample_idx)];
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(s.correct, c->correct) << s.problem_id << " sample " << s.sample_idx << " attempts " << s.attempts;
    EXPECT_EQ(s.extracted, c->extracted) << s.problem_id;
    EXPECT_EQ(s.completion_tokens, c->completion_tokens) << s.problem_id;
  }
  // 140 flaky samples with ~14% first-attempt faults: some must have been retried.
  EXPECT_GE(retried, 5);
}

TEST(RunIntegration, KillNineThenResumeEndsWithExactlyOneOfEachSample) {
  TempDir tmp;
  std::string profiles = slurp(kProfiles) + R"(
[profiles.slowish]
base = "full"
time_scale = 0.05
)";
  write_file(tmp / "profiles.toml", profiles);
  std::string cfg = R"([run]
seed = 5
n = 4
k = [1, 2, 4]
suites = ["aime24", "math500"]
limit = 60

[[models]]
name = "m"
engine = "sim"
model_id = "slowish"
sim_profiles = "profiles.toml"
concurrency = 24
)";
  write_file(tmp / "run.toml", cfg);
  const int kTotal = (30 + 60) * 4;
  std::vector<std::string> args = {"run", "-c", tmp / "run.toml", "--db", tmp / "k.db"};
  int sim_port = 0;
  {
    RigorProcess p(args, tmp.path());
    // Wait until part of the run is stored, then kill -9 mid-flight.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int stored = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      try {
        Store st(tmp / "k.db");
        auto keys = st.list_runs().empty() ? std::vector<std::string>{} : st.finished_keys(st.list_runs()[0].id);
        stored = static_cast<int>(keys.size());
      } catch (const std::exception&) {
      }
      if (stored >= kTotal / 4) break;
    }
    ASSERT_GE(stored, kTotal / 4);
    ASSERT_LT(stored, kTotal) << "the run finished before it could be killed";
    p.kill_hard();
    auto killed = p.wait();
    EXPECT_EQ(killed.code, 128 + SIGKILL);
    sim_port = sim_port_from(killed.err);
  }
  // The simulator child died with its parent.
  ASSERT_GT(sim_port, 0);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = !port_open(sim_port);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << "the simulator outlived a kill -9 of rigor";

  auto resumed = run_rigor(args, tmp.path());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  std::string run = only_run_id(tmp / "k.db");
  auto counts = count_by_status(tmp / "k.db", run);
  EXPECT_EQ(counts["ok"], kTotal);
  EXPECT_EQ(counts["error"], 0);

  // Same metrics as an uninterrupted run with the same seed.
  auto fresh = run_rigor({"run", "-c", tmp / "run.toml", "--db", tmp / "fresh.db", "-q"}, tmp.path());
  ASSERT_EQ(fresh.code, 0) << fresh.err;
  auto a = run_rigor({"report", "--db", tmp / "k.db", "--format", "json"}, tmp.path());
  auto b = run_rigor({"report", "--db", tmp / "fresh.db", "--format", "json"}, tmp.path());
  ASSERT_EQ(a.code, 0);
  ASSERT_EQ(b.code, 0);
  EXPECT_EQ(accuracy_of(a.out), accuracy_of(b.out));
}

TEST(RunIntegration, ApiKeyNeverReachesDatabaseReportsOrLogs) {
  TempDir tmp;
  SimProcess sim(RIGOR_BINARY, kProfiles);
  const std::string secret = "sk-rigor-test-7f3a9c1e5b";
  write_file(tmp / "api.toml", R"([run]
seed = 3
n = 2
suites = ["aime24"]
limit = 6
report = "report.md"

[[models]]
name = "hosted"
engine = "openai"
base_url = ")" + sim.base_url() + R"("
model_id = "distill"
api_key_env = "RIGOR_TEST_API_KEY"
[models.pricing]
input = 1.0
output = 2.0
)");
  std::vector<std::string> env = {"RIGOR_TEST_API_KEY=" + secret};
  auto r = run_rigor({"run", "-c", tmp / "api.toml", "--db", tmp / "k.db"}, tmp.path(), env);
  ASSERT_EQ(r.code, 0) << r.err;
  std::string everything = r.out + r.err + slurp(tmp.path() / "report.md");
  for (const char* f : {"table", "md", "csv", "json", "html"}) {
    auto rep = run_rigor({"report", "--db", tmp / "k.db", "--format", f}, tmp.path(), env);
    everything += rep.out + rep.err;
  }
  for (const char* file : {"k.db", "k.db-wal"}) everything += slurp(tmp.path() / file);
  EXPECT_EQ(everything.find(secret), std::string::npos);
  EXPECT_NE(everything.find("RIGOR_TEST_API_KEY"), std::string::npos);  // the variable's name is kept

  // A named but unset variable is a config error, before any request.
  auto unset = run_rigor({"run", "-c", tmp / "api.toml", "--db", tmp / "k2.db", "--run-id", "other"}, tmp.path());
  EXPECT_EQ(unset.code, 2);
  EXPECT_NE(unset.err.find("RIGOR_TEST_API_KEY"), std::string::npos) << unset.err;
}

TEST(RunIntegration, BadConfigExitsTwoNamingFileLineAndKey) {
  TempDir tmp;
  write_file(tmp / "bad.toml", "[run]\nseed = 1\nsuites = [\"aime24\"]\n[[models]]\nname = \"a\"\nengine = \"sim\"\n"
                               "model_id = \"full\"\nsim_profiles = \"x.toml\"\nconcurency = 4\n");
  auto r = run_rigor({"run", "-c", tmp / "bad.toml"}, tmp.path());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.toml:9: models[0].concurency: unknown key"), std::string::npos) << r.err;

  auto unknown_suite = run_rigor({"run", "-c", kSource + "/configs/demo.toml", "--suites", "aime23"}, tmp.path());
  EXPECT_EQ(unknown_suite.code, 2);
  EXPECT_NE(unknown_suite.err.find("aime23"), std::string::npos);
}

TEST(RunIntegration, ScoreReadsJsonlAndScoresOnlyTheAnswerPart) {
  TempDir tmp;
  write_file(tmp / "in.jsonl",
             R"({"id": 1, "gold": "204", "response": "<think>maybe \\boxed{100}</think>So \\boxed{204}."})" "\n"
             R"({"id": 2, "gold": "204", "response": "<think>still thinking \\boxed{204}"})" "\n"
             R"({"id": "x", "gold": 33, "response": "The final answer is \\boxed{033}"})" "\n");
  auto r = run_rigor({"score", "--scorer", "aime", "--input", tmp / "in.jsonl"}, tmp.path());
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<nlohmann::json> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["id"], 1);
  EXPECT_TRUE(lines[0]["correct"].get<bool>());
  EXPECT_FALSE(lines[1]["correct"].get<bool>());  // the answer was never reached
  EXPECT_TRUE(lines[1]["extracted"].is_null());
  EXPECT_TRUE(lines[2]["correct"].get<bool>());

  write_file(tmp / "bad.jsonl", "{\"id\": 1, \"gold\": \"1\", \"response\": \"\\\\boxed{1}\"}\n{\"id\": 2}\n");
  auto bad = run_rigor({"score", "--scorer", "aime", "--input", tmp / "bad.jsonl"}, tmp.path());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.jsonl:2"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace rigor
