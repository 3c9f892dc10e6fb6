// A run against a dead or wrong endpoint says what is wrong, within seconds,
// before planning any sample, and exits 1 (never 0). Loopback servers play
// each kind of failure (tests/data/failing_endpoints.tsv); other tests here
// cover a model breaking mid-run, the end-of-run error summary, two runs of
// one run at once, budget stops and read-only reporting.
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "tests/case_table.h"
#include "tests/harness/engine_test_server.h"
#include "tests/integration/rigor_process.h"

namespace rigor {
namespace {

using test::ScriptedRequest;
using test::ScriptedResponse;
using test::ScriptedServer;
using testing::run_rigor;
using testing::RigorProcess;
using testing::TempDir;

const std::string kSource = RIGOR_SOURCE_DIR;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

std::string config_for(const std::string& base_url, const std::string& model_id, const std::string& extra_run = "") {
  return "[run]\nseed = 1\nn = 1\nk = [1]\nsuites = [\"aime24\"]\nlimit = 3\n" + extra_run +
         "\n[[models]]\nname = \"m\"\nengine = \"openai\"\nbase_url = \"" + base_url + "\"\nmodel_id = \"" + model_id +
         "\"\nconcurrency = 2\n[models.retry]\nmax_attempts = 2\nbase_delay_s = 0.05\n";
}

ScriptedResponse models_list(const std::string& id) {
  return test::status_response(200, R"({"object":"list","data":[{"id":")" + id + R"(","object":"model"}]})");
}

ScriptedResponse good_answer() {
  return test::sse_response({test::content_chunk("The answer is \\boxed{7}."),
                             R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],)"
                             R"("usage":{"prompt_tokens":10,"completion_tokens":5}})"});
}

// A server that plays one kind of failure for every request.
ScriptedResponse failing(const std::string& kind, const ScriptedRequest& r) {
  if (kind == "status 401") return test::status_response(401, R"({"error":{"message":"Incorrect API key provided"}})");
  if (kind == "status 404") {
    if (r.target.find("/models") != std::string::npos) return models_list("served-model");
    return test::status_response(404, R"({"error":{"message":"The model `no-such-model` does not exist"}})");
  }
  if (kind == "status 400") {
    if (r.target.find("/models") != std::string::npos) return models_list("served-model");
    return test::status_response(400, R"({"error":{"message":"max_tokens is too large"}})");
  }
  if (kind == "html") {
    const std::string page = "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>";
    return {{{0, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + std::to_string(page.size()) +
                     "\r\n\r\n" + page}}};
  }
  // silent: accepts, reads the request, never writes.
  return {{{600000, ""}}};
}

struct Case {
  std::string name, server;
  int exit = 0;
  std::string message;
  double max_s = 0;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const auto& row : testing::read_cases("failing_endpoints.tsv", 5)) {
    out.push_back({row[0], row[1], std::stoi(row[2]), row[3], std::stod(row[4])});
  }
  return out;
}

TEST(FailingEndpoint, EachKindIsNamedWithinSecondsBeforeAnySampleAndExitsOne) {
  const auto all = cases();
  ASSERT_EQ(all.size(), 6u);
  for (const Case& c : all) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    std::unique_ptr<ScriptedServer> server;
    std::string url = "http://127.0.0.1:9/v1";  // discard port: nothing listens
    if (c.server != "closed") {
      server = std::make_unique<ScriptedServer>([kind = c.server](const ScriptedRequest& r, int) { return failing(kind, r); });
      url = server->base_url();
    }
    write_file(dir / "bad.toml", config_for(url, "no-such-model"));
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run_rigor({"run", "-c", dir / "bad.toml", "--db", dir / "r.db"}, dir.path());
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.code, c.exit) << r.err;
    EXPECT_NE(r.err.find("endpoint check failed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("INCOMPLETE"), std::string::npos) << r.err;
    EXPECT_LE(took, c.max_s) << r.err;
    if (server) {
      // The check only: at most the model list and one chat request, no sample.
      int chats = 0;
      for (const auto& q : server->requests()) chats += q.target.find("/chat/completions") != std::string::npos;
      EXPECT_LE(chats, 1);
    }
    // The report on the stored run says so too.
    auto rep = run_rigor({"report", "--db", dir / "r.db"}, dir.path());
    EXPECT_EQ(rep.code, 0) << rep.err;
    EXPECT_NE(rep.out.find("0 of 3 problems — incomplete"), std::string::npos) << rep.out;
  }
}

TEST(FailingEndpoint, ModelBrokenMidRunIsStoppedAfterIdenticalFailuresWithTheCauseGrouped) {
  TempDir dir;
  // The check passes; every sample afterwards is refused the same way.
  ScriptedServer server([](const ScriptedRequest& r, int index) {
    if (r.target.find("/models") != std::string::npos) return models_list("m");
    static std::atomic<int> chats{0};
    if (chats++ == 0) return good_answer();
    return test::status_response(400, R"({"error":{"message":"context length exceeded for key sk-secret12345678"}})");
  });
  write_file(dir / "c.toml",
             "[run]\nseed = 1\nn = 1\nk = [1]\nsuites = [\"math500\"]\nlimit = 40\nstop_after_errors = 3\n"
             "[[models]]\nname = \"m\"\nengine = \"openai\"\nbase_url = \"" + server.base_url() +
                 "\"\nmodel_id = \"m\"\nconcurrency = 1\napi_key_env = \"RIGOR_TEST_KEY\"\n");
  // The server echoes the key back in its error: it must not reach the terminal or the database.
  auto r = run_rigor({"run", "-c", dir / "c.toml", "--db", dir / "r.db"}, dir.path(), {"RIGOR_TEST_KEY=sk-secret12345678"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("stopped after 3 samples in a row failed with invalid_request (HTTP 400)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("3 x m: invalid_request (HTTP 400) [will not heal on a re-run]"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("re-run the same command to retry"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("sk-secret12345678"), std::string::npos) << r.err;
  EXPECT_LE(server.requests().size(), 6u);  // models list + check + 3 samples (+ slack), never all 40
  EXPECT_EQ(testing::slurp(dir / "r.db").find("sk-secret12345678"), std::string::npos);
}

TEST(FailingEndpoint, CheckTimeoutZeroSkipsTheCheckAndTheRunStopsTheModelInstead) {
  TempDir dir;
  ScriptedServer server([](const ScriptedRequest& r, int) { return failing("status 401", r); });
  write_file(dir / "c.toml", config_for(server.base_url(), "m") + "[models.timeouts]\ncheck_s = 0\n");
  auto r = run_rigor({"run", "-c", dir / "c.toml", "--db", dir / "r.db"}, dir.path());
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err.find("endpoint check failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 x m: auth (HTTP 401) [will not heal on a re-run]"), std::string::npos) << r.err;
}

TEST(FailingEndpoint, RateLimitedCheckPassesAndTheRunFinishesWithExitZero) {
  TempDir dir;
  ScriptedServer server([](const ScriptedRequest& r, int index) {
    if (r.target.find("/models") != std::string::npos) return models_list("m");
    static std::atomic<int> chats{0};
    if (chats++ == 0) return test::status_response(429, R"({"error":{"message":"slow down"}})");
    return good_answer();
  });
  write_file(dir / "c.toml", config_for(server.base_url(), "m"));
  auto r = run_rigor({"run", "-c", dir / "c.toml", "--db", dir / "r.db"}, dir.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find("endpoint check failed"), std::string::npos) << r.err;
}

bool lease_held(const std::string& db) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    return false;
  }
  bool held = false;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, "SELECT count(*) FROM run_leases", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    held = sqlite3_column_int(st, 0) > 0;
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return held;
}

TEST(TwoRunsAtOnce, SecondIsRefusedWithTheHolderAndSendsNothing) {
  TempDir dir;
  // Slow answers keep the first run busy for a few seconds.
  ScriptedServer server([](const ScriptedRequest& r, int) {
    if (r.target.find("/models") != std::string::npos) return models_list("m");
    ScriptedResponse resp = good_answer();
    resp.steps.front().delay_ms = 1500;
    return resp;
  });
  write_file(dir / "c.toml", config_for(server.base_url(), "m"));
  RigorProcess first({"run", "-c", dir / "c.toml", "--db", dir / "r.db"}, dir.path());
  for (int i = 0; i < 100 && !lease_held(dir / "r.db"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(lease_held(dir / "r.db"));
  const size_t before = server.requests().size();
  auto second = run_rigor({"run", "-c", dir / "c.toml", "--db", dir / "r.db"}, dir.path());
  EXPECT_EQ(second.code, 5) << second.err;
  EXPECT_NE(second.err.find("is being run by another rigor (pid " + std::to_string(first.pid())), std::string::npos)
      << second.err;
  EXPECT_EQ(server.requests().size() - before <= 2, true);  // only the first run's own requests went on
  auto r1 = first.wait();
  EXPECT_EQ(r1.code, 0) << r1.err;
  // Every sample stored once, and the lease released: a re-run resumes with nothing to do.
  Store st(dir / "r.db");
  EXPECT_EQ(st.samples(st.list_runs().at(0).id).size(), 3u);
  auto again = run_rigor({"run", "-c", dir / "c.toml", "--db", dir / "r.db"}, dir.path());
  EXPECT_EQ(again.code, 0) << again.err;
}

TEST(TwoRunsAtOnce, LeaseOfAKilledRunIsTakenOverAtOnce) {
  TempDir dir;
  ScriptedServer server([](const ScriptedRequest& r, int) {
    if (r.target.find("/models") != std::string::npos) return models_list("m");
    ScriptedResponse resp = good_answer();
    resp.steps.front().delay_ms = 3000;
    return resp;
  });
  write_file(dir / "c.toml", config_for(server.base_url(), "m"));
  {
    RigorProcess first({"run", "-c", dir / "c.toml", "--db", dir / "r.db"}, dir.path());
    for (int i = 0; i < 100 && !lease_held(dir / "r.db"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(lease_held(dir / "r.db"));
    first.kill_hard();
    first.wait();
  }
  auto again = run_rigor({"run", "-c", dir / "c.toml", "--db", dir / "r.db", "-q"}, dir.path());
  EXPECT_EQ(again.code, 0) << again.err;
}

std::string sim_config(const std::string& extra_run) {
  return "[run]\nseed = 3\nn = 2\nk = [1]\nsuites = [\"math500\"]\nlimit = 40\n" + extra_run +
         "\n[[models]]\nname = \"sim-a\"\nengine = \"sim\"\nmodel_id = \"full\"\nsim_profiles = \"" + kSource +
         "/configs/sim_profiles.toml\"\nconcurrency = 2\n[models.pricing]\ninput = 100.0\noutput = 400.0\n";
}

TEST(BudgetStop, RunExitsOneAndEveryReportFormatSaysIncomplete) {
  TempDir dir;
  write_file(dir / "b.toml", sim_config("budget_usd = 0.5\n"));
  auto r = run_rigor({"run", "-c", dir / "b.toml", "--db", dir / "r.db"}, dir.path());
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("budget reached"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("can pass the budget by at most"), std::string::npos) << r.err;
  for (const std::string fmt : {"table", "md", "html", "json", "csv"}) {
    SCOPED_TRACE(fmt);
    auto rep = run_rigor({"report", "--db", dir / "r.db", "--format", fmt}, dir.path());
    EXPECT_EQ(rep.code, 0) << rep.err;
    if (fmt == "csv") {
      EXPECT_NE(rep.out.find(",40,false,"), std::string::npos) << rep.out;  // suite_problems, complete
    } else {
      EXPECT_NE(rep.out.find("of 40 problems — incomplete"), std::string::npos) << rep.out.substr(0, 3000);
    }
    // Machine formats carry it as a field; the others say it in words.
    EXPECT_NE(rep.out.find(fmt == "json" ? "\"simulated\": true" : fmt == "csv" ? ",true," : "SIMULATED"),
              std::string::npos);
  }
}

TEST(ReadOnlyCommands, MistypedDbIsAnErrorNamingThePathAndIsNotCreated) {
  TempDir dir;
  for (std::vector<std::string> args : {std::vector<std::string>{"report", "--db", "typo.db"},
                                        std::vector<std::string>{"compare", "--db", "typo.db", "a", "b"},
                                        std::vector<std::string>{"gate", "--db", "typo.db", "--baseline", "a", "--current", "b"}}) {
    auto r = run_rigor(args, dir.path());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("no database at typo.db"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "typo.db"));
  }
}

TEST(ReadOnlyCommands, ReportLeavesTheDatabaseFileUntouched) {
  TempDir dir;
  write_file(dir / "s.toml", sim_config(""));
  auto r = run_rigor({"run", "-c", dir / "s.toml", "--db", dir / "r.db", "-q"}, dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  chmod((dir / "r.db").c_str(), 0444);
  const std::string before = testing::slurp(dir / "r.db");
  for (const std::string fmt : {"table", "json"}) {
    auto rep = run_rigor({"report", "--db", dir / "r.db", "--format", fmt}, dir.path());
    EXPECT_EQ(rep.code, 0) << rep.err;
  }
  EXPECT_EQ(testing::slurp(dir / "r.db"), before);
}

TEST(ExitCodes, UnknownCommandIsNamedAndPerfFormatsAreRefused) {
  TempDir dir;
  auto r = run_rigor({"frobnicate"}, dir.path());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown command \"frobnicate\""), std::string::npos) << r.err;
  auto help = run_rigor({"--help"}, dir.path());
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("4 internal error"), std::string::npos) << help.out;
  write_file(dir / "s.toml", sim_config(""));
  ASSERT_EQ(run_rigor({"run", "-c", dir / "s.toml", "--db", dir / "r.db", "-q"}, dir.path()).code, 0);
  for (const std::string fmt : {"html", "csv", "json"}) {
    auto p = run_rigor({"report", "--db", dir / "r.db", "--perf", "--format", fmt, "-o", dir / ("p." + fmt)}, dir.path());
    EXPECT_EQ(p.code, 2) << p.err;
    EXPECT_FALSE(std::filesystem::exists(dir / ("p." + fmt)));
  }
}

TEST(ExitCodes, SamplesPerProblemBelowAConfiguredPassAtKIsRefused) {
  TempDir dir;
  write_file(dir / "k.toml", "[run]\nseed = 1\nn = 4\nk = [1, 2]\nsuites = [\"aime24\"]\n[[models]]\nname = \"a\"\n"
                             "engine = \"sim\"\nmodel_id = \"full\"\nsim_profiles = \"" + kSource + "/configs/sim_profiles.toml\"\n");
  auto r = run_rigor({"run", "-c", dir / "k.toml", "--db", dir / "r.db", "-n", "1"}, dir.path());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("pass@2"), std::string::npos) << r.err;
}

TEST(ExitCodes, ScoreLineWithoutIdIsAnError) {
  TempDir dir;
  write_file(dir / "in.jsonl", R"({"gold": "7", "response": "\\boxed{7}"})" "\n");
  auto r = run_rigor({"score", "--scorer", "aime", "--input", dir / "in.jsonl"}, dir.path());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("missing key \"id\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rigor
