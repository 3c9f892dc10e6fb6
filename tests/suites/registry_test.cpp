#include "suites/registry.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/case_table.h"

namespace rigor {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Each bundled suite: count, scorer, template, a pinned data hash (so a
// silent data change fails here), unique ids, difficulty in [0,1].
TEST(RegistryTest, BundledSuitesLoadAsPinned) {
  int suites = 0;
  for (const auto& c : testing::read_cases("suites_bundled.tsv", 5)) {
    const std::string &name = c[0], &count = c[1], &scorer = c[2], &tmpl = c[3], &hash = c[4];
    SCOPED_TRACE(name);
    Suite s = load_suite(name);
    EXPECT_EQ(s.name, name);
    EXPECT_EQ(s.problems.size(), std::stoul(count));
    EXPECT_EQ(s.scorer, scorer);
    EXPECT_EQ(s.template_id, tmpl);
    EXPECT_EQ(s.data_hash, hash);
    EXPECT_FALSE(s.source.empty());
    std::set<std::string> ids;
    for (const auto& p : s.problems) {
      EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
      EXPECT_FALSE(p.statement.empty()) << p.id;
      EXPECT_FALSE(p.gold.empty()) << p.id;
      ASSERT_TRUE(p.meta.contains("difficulty")) << p.id;
      double d = p.meta["difficulty"].get<double>();
      EXPECT_GE(d, 0.0) << p.id;
      EXPECT_LE(d, 1.0) << p.id;
      EXPECT_TRUE(p.meta.contains("difficulty_source")) << p.id;
    }
    EXPECT_EQ(load_suite(name).data_hash, s.data_hash) << "hash must be stable across loads";
    ++suites;
  }
  EXPECT_EQ(suites, 3);
}

TEST(RegistryTest, DataHashIsTheFileSha256) {
  Suite s = load_suite("math500");
  EXPECT_EQ(s.data_hash, sha256_hex(slurp(suites_data_dir() + "/math500/test.jsonl")));
}

const Problem& find(const Suite& s, const std::string& id) {
  for (const auto& p : s.problems) {
    if (p.id == id) return p;
  }
  throw std::runtime_error("no problem " + id);
}

// aime24 ids sort problems as strings (60 = I/1, 61 = I/10), so position
// comes from the url: I/1 is easiest, I/15 and II/15 hardest.
TEST(RegistryTest, AimeDifficultyFollowsPositionInTheExam) {
  Suite a24 = load_suite("aime24");
  EXPECT_EQ(find(a24, "aime24/60").meta["difficulty"], 0.0);
  EXPECT_EQ(find(a24, "aime24/61").meta["number"], 10);
  EXPECT_EQ(find(a24, "aime24/66").meta["difficulty"], 1.0);
  EXPECT_EQ(find(a24, "aime24/75").meta["contest"], "2024 AIME II");
  EXPECT_EQ(find(a24, "aime24/60").gold, "204");

  Suite a25 = load_suite("aime25");
  EXPECT_EQ(find(a25, "aime25/1").meta["difficulty"], 0.0);
  EXPECT_EQ(find(a25, "aime25/15").meta["difficulty"], 1.0);
  EXPECT_EQ(find(a25, "aime25/16").meta["contest"], "2025 AIME II");
  EXPECT_EQ(find(a25, "aime25/16").meta["difficulty"], 0.0);
  EXPECT_EQ(find(a25, "aime25/1").gold, "70");
}

TEST(RegistryTest, Math500KeepsLevelAndSubject) {
  Suite s = load_suite("math500");
  const Problem& p = find(s, "test/precalculus/807.json");
  EXPECT_EQ(p.meta["level"], 2);
  EXPECT_EQ(p.meta["subject"], "Precalculus");
  EXPECT_DOUBLE_EQ(p.meta["difficulty"].get<double>(), 0.25);
  EXPECT_EQ(p.gold, "\\left( 3, \\frac{\\pi}{2} \\right)");
}

// The aime25 source lost "\f" of \frac and "\t" of \triangle to JSON escapes.
TEST(RegistryTest, Aime25LostBackslashesAreRestored) {
  Suite s = load_suite("aime25");
  for (const auto& p : s.problems) {
    EXPECT_EQ(p.statement.find('\f'), std::string::npos) << p.id;
  }
  EXPECT_NE(find(s, "aime25/19").statement.find("\\frac{\\log_k"), std::string::npos);
  EXPECT_NE(find(s, "aime25/20").statement.find("$\\triangle DEF$"), std::string::npos);
  EXPECT_TRUE(find(s, "aime25/20").meta.contains("repaired_backslashes"));
}

TEST(RegistryTest, UnknownSuiteListsKnownNames) {
  try {
    load_suite("aime23");
    FAIL() << "expected SuiteError";
  } catch (const SuiteError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("aime23"), std::string::npos) << msg;
    for (const auto& n : known_suite_names()) EXPECT_NE(msg.find(n), std::string::npos) << msg;
  }
}

TEST(RegistryTest, GpqaWithoutCsvSaysItIsNotBundled) {
  try {
    load_suite("gpqa-diamond");
    FAIL() << "expected SuiteError";
  } catch (const SuiteError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("not bundled"), std::string::npos) << msg;
    EXPECT_NE(msg.find("gpqa_csv"), std::string::npos) << msg;
  }
}

TEST(RegistryTest, KnownNames) {
  EXPECT_EQ(known_suite_names(),
            (std::vector<std::string>{"aime24", "aime25", "math500", "gpqa-diamond", "humaneval", "stdio-basic"}));
}

// A data directory given through RIGOR_SUITES_DIR, holding broken files.
class DataDirOverride : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rigor_suites_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "aime24");
    fs::create_directories(dir_ / "aime25");
    fs::create_directories(dir_ / "math500");
    ::setenv("RIGOR_SUITES_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("RIGOR_SUITES_DIR");
    fs::remove_all(dir_);
  }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  std::string error_of(const std::string& suite) {
    try {
      load_suite(suite);
    } catch (const SuiteError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(DataDirOverride, EnvironmentVariableChangesTheDataDirectory) {
  EXPECT_EQ(suites_data_dir(), dir_.string());
  write("math500/test.jsonl",
        R"({"problem":"1+1?","answer":"2","subject":"Algebra","level":1,"unique_id":"t/1"})" "\n");
  Suite s = load_suite("math500");
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0].id, "t/1");
  EXPECT_EQ(s.problems[0].meta["difficulty"], 0.0);
}

struct BadData {
  const char* suite;
  const char* file;
  std::string text;
  const char* expect;  // must appear in the message
};

TEST_F(DataDirOverride, MalformedDataNamesFileLineAndField) {
  const std::string ok =
      R"({"problem":"p","answer":"1","subject":"Algebra","level":1,"unique_id":"t/1"})";
  const BadData cases[] = {
      {"math500", "math500/test.jsonl", "{\"problem\":\"p\"\n", "test.jsonl:1: not valid JSON"},
      {"math500", "math500/test.jsonl",
       R"({"problem":"p","answer":"1","subject":"Algebra","level":9,"unique_id":"t/1"})",
       "test.jsonl:1: field \"level\" must be 1..5"},
      {"math500", "math500/test.jsonl",
       R"({"problem":"p","answer":1,"subject":"Algebra","level":1,"unique_id":"t/1"})",
       "test.jsonl:1: field \"answer\" must be a string"},
      {"math500", "math500/test.jsonl",
       R"({"problem":"p","answer":"1","level":1,"unique_id":"t/1"})",
       "test.jsonl:1: missing field \"subject\""},
      {"math500", "math500/test.jsonl", (ok + "\n" + ok + "\n").c_str(),
       "test.jsonl:2: duplicate problem id \"t/1\""},
      {"math500", "math500/test.jsonl", (ok + "\n\n" + ok + "\n").c_str(),
       "test.jsonl:2: blank line"},
      {"aime24", "aime24/test.jsonl",
       R"({"id":1,"problem":"p","answer":"12","url":"https://example.org/x"})",
       "test.jsonl:1: field \"url\""},
      {"aime24", "aime24/test.jsonl",
       R"({"id":1,"problem":"p","answer":"1.5","url":"2024_AIME_I_Problems/Problem_1"})",
       "test.jsonl:1: field \"answer\" must be an integer 0..999"},
      {"aime25", "aime25/test.jsonl", R"({"problem":"p","answer":"1"})",
       "expected 30 lines"},
      {"aime24", "nothing", "", "aime24/test.jsonl"},
  };
  for (const auto& c : cases) {
    fs::remove(dir_ / "aime24" / "test.jsonl");
    write(c.file, c.text);
    std::string msg = error_of(c.suite);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "got: " << msg;
    EXPECT_NE(msg.find(dir_.string()), std::string::npos) << "message names the file: " << msg;
  }
}

TEST_F(DataDirOverride, MissingDirectoryIsAnErrorNamingIt) {
  ::setenv("RIGOR_SUITES_DIR", "/nonexistent/rigor-data", 1);
  std::string msg = error_of("aime24");
  EXPECT_NE(msg.find("/nonexistent/rigor-data"), std::string::npos) << msg;
  EXPECT_NE(msg.find("RIGOR_SUITES_DIR"), std::string::npos) << msg;
}

}  // namespace
}  // namespace rigor
