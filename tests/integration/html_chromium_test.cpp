// The HTML report of a real simulated run, opened in headless Chromium
// (Debian's chromium; scripts/install-deps installs it): no console errors,
// every chart present in the live DOM, an injected malicious model output
// inert, and a screenshot written to <build>/artifacts/report.png for a
// person to look at. Chromium gets no network: file:// only, every host
// mapped to nothing and a dead loopback proxy.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "store/store.h"
#include "tests/integration/rigor_process.h"

namespace rigor {
namespace {

namespace fs = std::filesystem;
using testing::run_rigor;
using testing::slurp;
using testing::TempDir;

const std::string kSource = RIGOR_SOURCE_DIR;

std::string find_chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

struct ChildRun {
  int code = -1;
  bool timed_out = false;
  std::string out, err;
};

// Runs argv with stdout/stderr to files in `dir`, killing it after `timeout`.
ChildRun run_with_timeout(const std::vector<std::string>& args, const fs::path& dir, std::chrono::seconds timeout) {
  const fs::path out = dir / "chromium.out", err = dir / "chromium.err";
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(o, 1);
    dup2(e, 2);
    dup2(devnull, 0);
    std::vector<char*> argv;
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  ChildRun r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(-pid, SIGKILL);  // helpers chromium left behind, if any
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::vector<std::string> chromium_args(const std::string& exe, const fs::path& profile) {
  return {exe,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-extensions",
          "--disable-dev-shm-usage",
          "--host-resolver-rules=MAP * ~NOTFOUND",
          "--proxy-server=http://127.0.0.1:9",
          "--enable-logging=stderr",
          "--v=0",
          "--user-data-dir=" + profile.string()};
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlChromium, SimulatedRunReportRendersInertlyWithEveryChart) {
  const std::string chromium = find_chromium();
  ASSERT_FALSE(chromium.empty()) << "Chromium not found (/usr/bin/chromium): install Debian's chromium package "
                                    "(scripts/install-deps does) to run the HTML report test";
  TempDir tmp;
  std::ofstream(tmp / "run.toml") << R"([run]
seed = 5
n = 4
k = [1, 4]
suites = ["aime24", "math500"]
limit = 12

[[models]]
name = "r1-full"
engine = "sim"
model_id = "full"
sim_profiles = ")" + kSource + R"(/configs/sim_profiles.toml"
concurrency = 16
[models.pricing]
input = 0.55
output = 2.19

[[models]]
name = "distill-7b"
engine = "sim"
model_id = "distill"
sim_profiles = ")" + kSource + R"(/configs/sim_profiles.toml"
concurrency = 16
[models.pricing]
input = 0.10
output = 0.20
)";
  const std::string db = tmp / "r.db";
  auto run = run_rigor({"run", "-c", tmp / "run.toml", "--db", db, "-q", "--tag", "nightly"}, tmp.path());
  ASSERT_EQ(run.code, 0) << run.err;

  // The tag reached the store; then inject hostile model output into one sample.
  {
    Store st(db);
    auto runs = st.list_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].tag, "nightly");
    auto samples = st.samples(runs[0].id);
    ASSERT_FALSE(samples.empty());
    SampleRecord evil = samples.front();
    evil.response = "<script>document.title='pwned'</script></textarea><a href=\"javascript:document.title='pwned'\">x</a>"
                    "<img src=x onerror=\"document.title='pwned'\">";
    evil.reasoning = "</pre></details><svg onload=\"document.title='pwned'\"></svg><script>document.title='pwned'</script>";
    evil.extracted = "<script>document.title='pwned'</script>";
    st.put_sample(evil);
  }
  const std::string report = tmp / "report.html";
  auto rep = run_rigor({"report", "--db", db, "--format", "html", "-o", report}, tmp.path());
  ASSERT_EQ(rep.code, 0) << rep.err;

  const std::string url = "file://" + report;
  auto dom_args = chromium_args(chromium, tmp.path() / "profile-dom");
  dom_args.push_back("--dump-dom");
  dom_args.push_back(url);
  ChildRun dom = run_with_timeout(dom_args, tmp.path(), std::chrono::seconds(120));
  ASSERT_FALSE(dom.timed_out) << dom.err;
  ASSERT_EQ(dom.code, 0) << dom.err;
  ASSERT_NE(dom.out.find("</html>"), std::string::npos) << "no DOM dumped:\n" << dom.err;

  // No console errors: any page console message, uncaught error or CSP refusal.
  for (const char* bad : {"CONSOLE", "Uncaught", "Refused to"}) {
    EXPECT_EQ(dom.err.find(bad), std::string::npos) << bad << " in chromium's log:\n" << dom.err;
  }
  // The injected output did not execute and created no live elements.
  EXPECT_NE(dom.out.find("<title>rigor report</title>"), std::string::npos);
  EXPECT_EQ(dom.out.find("pwned</title>"), std::string::npos);
  // In serialised DOM every text "<" is "&lt;", so a "<" starts a live element.
  EXPECT_EQ(dom.out.find("<script"), std::string::npos);
  EXPECT_EQ(dom.out.find("<img"), std::string::npos);
  EXPECT_EQ(dom.out.find("<a href=\"javascript:"), std::string::npos);
  for (const char* handler : {"onerror=", "onload=", "javascript:"}) {
    const std::regex in_tag(std::string("<[^>]*") + handler);
    EXPECT_FALSE(std::regex_search(dom.out, in_tag)) << handler << " inside a live element";
  }
  EXPECT_NE(dom.out.find("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), std::string::npos)
      << "the hostile text is shown as text";
  // Every chart of both suites is in the live DOM, with its drawing.
  for (const char* kind : {"accuracy-cost", "accuracy-speed", "pass-at-k", "output-length", "problem-grid",
                           "comparison-table"}) {
    EXPECT_EQ(count(dom.out, std::string("data-chart=\"") + kind + "\""), 2u) << kind;
  }
  EXPECT_EQ(count(dom.out, "<svg class=\"plot\""), 8u);
  EXPECT_GE(count(dom.out, "<g class=\"series\""), 2u * 3u * 2u);
  EXPECT_NE(dom.out.find("Pareto frontier"), std::string::npos);

  // The screenshot, an artifact in the build tree.
  const fs::path artifacts = fs::path(RIGOR_BINARY).parent_path() / "artifacts";
  fs::create_directories(artifacts);
  const fs::path png = artifacts / "report.png";
  fs::remove(png);
  auto shot_args = chromium_args(chromium, tmp.path() / "profile-shot");
  shot_args.push_back("--hide-scrollbars");
  shot_args.push_back("--window-size=1280,4000");
  shot_args.push_back("--screenshot=" + png.string());
  shot_args.push_back(url);
  ChildRun shot = run_with_timeout(shot_args, tmp.path(), std::chrono::seconds(120));
  ASSERT_FALSE(shot.timed_out) << shot.err;
  ASSERT_TRUE(fs::exists(png)) << shot.err;
  EXPECT_GT(fs::file_size(png), 20000u);
  fs::copy_file(report, artifacts / "report.html", fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace rigor
