// Is the store ever what limits a run? Samples committed per second through
// the PostgreSQL work queue (claim a batch, then store the results in the
// transaction that completes it) with 1, 2 and 4 workers, against SQLite's
// put_samples with as many writers on one file, in one run so the ratios
// compare like with like. Each worker is a thread with its own connection,
// which is what separate processes are to the database.
//
// Samples are realistic in size: a 1.5 KB answer and 8 KB of reasoning
// (a long chain of thought is longer; see the note printed below).
//
// Then the same end to end: `rigor run` into SQLite against 1, 2 and 4
// `rigor run --worker` processes into PostgreSQL, on the zero-delay
// simulator (MATH-500, one model), samples/s from the wall time. Each
// worker starts its own simulator, so on 2 cores more workers share the
// same CPU: the figure shows what the queue costs, not a speed-up.
//
//   build/tests/store_queue_bench [samples per configuration, default 20000]
//
// Measured 2026-12-04 on the 2-core VM, load 0.2-1.0, three runs: queue with
// 1 / 2 / 4 workers 3.75-3.91k / 7.09-7.99k / 6.88-7.43k samples/s (SQLite
// 13.0-14.9k / 15.9-17.4k / 16.2-18.2k), claim 40-42 / 38-44 / 66-69 us a
// sample; end to end SQLite 3.8-4.0k, workers 2.1-2.3k / 1.5k / 1.1k.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "tests/pg_server.h"

using namespace rigor;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBatch = 32;  // what a worker claims at once (its concurrency share)

SampleRecord make_sample(const WorkKey& k) {
  SampleRecord s;
  s.run_id = "bench";
  s.model = k.model;
  s.suite = k.suite;
  s.problem_id = k.problem_id;
  s.sample_idx = k.sample_idx;
  s.seed = 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(k.sample_idx);
  s.prompt = std::string(600, 'p');
  s.gold = "204";
  s.response = std::string(1500, 'a') + " \\boxed{204}";
  s.reasoning = std::string(8000, 'r');
  s.extracted = "204";
  s.extracted_ok = s.correct = true;
  s.score_reason = "boxed";
  s.finish_reason = "stop";
  s.prompt_tokens = 150;
  s.completion_tokens = 2400;
  s.ttft_s = 0.123456;
  s.latency_s = 12.345678;
  s.decode_tps = 80.5;
  s.cost_usd = 0.0052;
  return s;
}

std::vector<WorkKey> keys(int n) {
  std::vector<WorkKey> out;
  for (int i = 0; i < n; ++i) out.push_back({"m", "math500", "test/p" + std::to_string(i / 8), i % 8});
  return out;
}

struct Figure {
  double per_s = 0;
  double claim_us = 0;  // claim time per sample, averaged over workers
};

Figure run_postgres(const std::string& url, int workers, int samples) {
  {
    Store st(url);
    st.plan_work("bench", keys(samples));
  }
  std::atomic<int64_t> claim_ns{0};
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      Store st(url);
      const std::string id = "w" + std::to_string(w);
      while (true) {
        const auto c0 = Clock::now();
        auto batch = st.claim_work("bench", "m", id, kBatch, 60);
        claim_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - c0).count();
        if (batch.empty()) break;
        std::vector<SampleRecord> results;
        for (const WorkKey& k : batch) results.push_back(make_sample(k));
        st.complete_work(results, id);
        stored += static_cast<int>(results.size());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return {stored / s, claim_ns / 1e3 / stored};
}

Figure run_sqlite(const std::string& path, int writers, int samples) {
  { Store st(path); }
  const auto all = keys(samples);
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      Store st(path);
      for (size_t at; (at = next.fetch_add(kBatch)) < all.size();) {
        std::vector<SampleRecord> results;
        for (size_t i = at; i < std::min(all.size(), at + kBatch); ++i) results.push_back(make_sample(all[i]));
        st.put_samples(results);
      }
    });
  }
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return {samples / s, 0};
}

pid_t spawn_rigor(const std::vector<std::string>& args, const std::string& log) {
  std::fflush(stdout);  // or the child flushes our buffered lines again
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(log.c_str(), "w", stderr) || !freopen("/dev/null", "w", stdout)) _exit(126);
    std::vector<char*> argv;
    std::string exe = RIGOR_BINARY;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Wall seconds for `processes` copies of the run to end; -1 if one failed.
double timed_run(const std::vector<std::string>& args, int processes, const std::string& dir) {
  const auto t0 = Clock::now();
  std::vector<pid_t> pids;
  for (int i = 0; i < processes; ++i) pids.push_back(spawn_rigor(args, dir + "/w" + std::to_string(i) + ".log"));
  bool ok = true;
  for (pid_t p : pids) {
    int status = 0;
    waitpid(p, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return ok ? std::chrono::duration<double>(Clock::now() - t0).count() : -1;
}

double loadavg() {
  double l[1] = {0};
  return getloadavg(l, 1) == 1 ? l[0] : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int samples = argc > 1 ? std::atoi(argv[1]) : 20000;
  auto& pg = testing::PgServer::shared();
  if (!pg.unavailable_reason().empty()) {
    std::fprintf(stderr, "no PostgreSQL server: %s\n", pg.unavailable_reason().c_str());
    return 1;
  }
  const std::string dir = std::filesystem::temp_directory_path() / ("store_queue_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::printf("%d samples per configuration (answer 1.5 KB + reasoning 8 KB each), claims of %d; load %.2f, %u cores\n",
              samples, kBatch, loadavg(), std::thread::hardware_concurrency());
  std::printf("%-8s %16s %18s %10s %16s\n", "workers", "sqlite samples/s", "postgres samples/s", "pg/sqlite",
              "claim us/sample");
  for (int workers : {1, 2, 4}) {
    const Figure lite = run_sqlite(dir + "/w" + std::to_string(workers) + ".db", workers, samples);
    const Figure post = run_postgres(pg.create_database(testing::PgServer::unique_name("bench")), workers, samples);
    std::printf("%-8d %16.0f %18.0f %10.2f %16.1f\n", workers, lite.per_s, post.per_s, post.per_s / lite.per_s,
                post.claim_us);
  }
  // End to end on the zero-delay simulator.
  constexpr int kRunSamples = 500 * 4;
  {
    std::ifstream in(std::string(RIGOR_SOURCE_DIR) + "/configs/sim_profiles.toml");
    std::ofstream(dir + "/profiles.toml") << in.rdbuf() << "\n[profiles.zero]\nbase = \"full\"\ntime_scale = 0\n";
  }
  std::ofstream(dir + "/run.toml") << "[run]\nid = \"e2e\"\nseed = 1\nn = 4\nk = [1]\nsuites = [\"math500\"]\n\n"
                                      "[[models]]\nname = \"m\"\nengine = \"sim\"\nmodel_id = \"zero\"\n"
                                      "sim_profiles = \"profiles.toml\"\nconcurrency = 32\n";
  const std::vector<std::string> base = {"run", "-c", dir + "/run.toml", "-q"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const double lite_s = timed_run(with({"--db", dir + "/e2e.db"}), 1, dir);
  std::printf("\nend to end, %d samples (MATH-500 x 4), zero-delay simulator: sqlite 1 process %.0f samples/s\n",
              kRunSamples, kRunSamples / lite_s);
  std::printf("%-8s %18s %10s\n", "workers", "postgres samples/s", "pg/sqlite");
  for (int workers : {1, 2, 4}) {
    const std::string url = pg.create_database(testing::PgServer::unique_name("e2e"));
    const double s = timed_run(with({"--db", url, "--worker"}), workers, dir);
    if (s < 0) {
      std::printf("%-8d a worker failed; see %s/w*.log\n", workers, dir.c_str());
      return 1;
    }
    std::printf("%-8d %18.0f %10.2f\n", workers, kRunSamples / s, lite_s / s);
  }
  std::printf("load after: %.2f. The PostgreSQL server runs with fsync=off (a test server); a production server\n"
              "with fsync on pays one WAL flush per commit, i.e. per claimed batch, not per sample.\n",
              loadavg());
  std::filesystem::remove_all(dir);
  return 0;
}
