// Which configuration differences make two runs incomparable.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reports/comparability.h"

namespace rigor {
namespace {

nlohmann::json base_config() {
  return nlohmann::json::parse(R"({
    "run": {"id": "a", "tag": "nightly", "seed": 1, "n": 4, "k": [1]},
    "models": [{"name": "m", "engine": "sim", "model_id": "full", "temperature": 0.6, "top_p": 0.95,
                "max_tokens": 32768, "send_seed": true, "extra": {}, "pricing": {"input": 1}}],
    "suites": {"math500": {"scorer": "math", "scorer_version": "math-2", "template": "r1-boxed",
                           "data_hash": "abc", "problems": 500, "source": "bundled"}}
  })");
}

RunRecord run_of(const std::string& id, const nlohmann::json& cfg) {
  RunRecord r;
  r.id = id;
  r.config_json = cfg.dump();
  return r;
}

std::vector<std::string> whats(const std::vector<ConfigDifference>& d) {
  std::vector<std::string> out;
  for (const auto& x : d) out.push_back(x.what);
  return out;
}

TEST(Comparability, SeedTagEngineAndPricingMayDiffer) {
  auto b = base_config();
  b["run"]["seed"] = 2;
  b["run"]["tag"] = "";
  b["models"][0]["model_id"] = "distill";
  b["models"][0]["pricing"] = {{"input", 9}};
  EXPECT_TRUE(config_differences(run_of("a", base_config()), run_of("b", b), {{"m", "m"}}).empty());
}

TEST(Comparability, ListsEveryExperimentChangingDifference) {
  auto b = base_config();
  b["run"]["n"] = 8;
  b["suites"]["math500"]["data_hash"] = "def";
  b["suites"]["math500"]["template"] = "other";
  b["suites"]["math500"]["scorer_version"] = "math-3";
  b["models"][0]["temperature"] = 1.0;
  b["models"][0]["extra"] = {{"reasoning_effort", "high"}};
  auto d = config_differences(run_of("a", base_config()), run_of("b", b), {{"m", "m"}});
  EXPECT_EQ(whats(d), (std::vector<std::string>{"run: n (samples per problem)", "suite math500: template",
                                                "suite math500: scorer_version", "suite math500: data_hash",
                                                "model m: temperature", "model m: extra"}));
  const std::string text = describe(d);
  EXPECT_NE(text.find("- suite math500: data_hash: \"abc\" vs \"def\""), std::string::npos) << text;
}

TEST(Comparability, OnlySuitesBothRunsHoldAndOnlyComparedModels) {
  auto b = base_config();
  b["suites"]["aime24"] = {{"scorer", "aime"}};
  b["models"].push_back({{"name", "other"}, {"temperature", 0.0}});
  EXPECT_TRUE(config_differences(run_of("a", base_config()), run_of("b", b), {{"m", "m"}}).empty());
}

TEST(Comparability, PairOfDifferentModelsComparesTheirSampling) {
  auto cfg = base_config();
  cfg["models"].push_back(cfg["models"][0]);
  cfg["models"][1]["name"] = "d";
  cfg["models"][1]["max_tokens"] = 4096;
  auto d = config_differences(run_of("r", cfg), run_of("r", cfg), {{"m", "d"}});
  EXPECT_EQ(whats(d), std::vector<std::string>{"model m / d: max_tokens"});
}

TEST(Comparability, MalformedStoredConfigIsAnErrorNamingTheRun) {
  RunRecord bad;
  bad.id = "broken";
  bad.config_json = "not json";
  try {
    config_differences(bad, run_of("b", base_config()), {});
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos);
  }
}

}  // namespace
}  // namespace rigor
