#include "harness/config.h"


#include <gtest/gtest.h>

#include "tests/case_table.h"

namespace rigor {
namespace {

struct ErrorCase {
  std::string name, text, expected;
};

std::vector<ErrorCase> load_cases() {
  std::vector<ErrorCase> out;
  for (const auto& c : testing::read_cases("config_errors.tsv", 3)) out.push_back({c[0], c[1], c[2]});
  return out;
}

TEST(ConfigTest, EveryBadConfigNamesFileLineAndKey) {
  auto cases = load_cases();
  ASSERT_GE(cases.size(), 15u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    try {
      parse_config(c.text, "cfg.toml");
      ADD_FAILURE() << "accepted a bad config";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << "message: " << e.what();
    }
  }
}

TEST(ConfigTest, DefaultsFollowTheR1Protocol) {
  Config c = parse_config(R"([run]
seed = 7
suites = ["aime24"]
[[models]]
name = "local"
engine = "openai"
base_url = "http://127.0.0.1:8080/v1"
model_id = "qwen"
)",
                          "cfg.toml");
  ASSERT_EQ(c.models.size(), 1u);
  EXPECT_DOUBLE_EQ(c.models[0].temperature, 0.6);
  EXPECT_DOUBLE_EQ(c.models[0].top_p, 0.95);
  EXPECT_EQ(c.run.n, 4);
  EXPECT_EQ(c.run.k, std::vector<int>{1});
  EXPECT_EQ(c.run.seed, 7u);
}

TEST(ConfigTest, PricingAndExtraFieldsAreRead) {
  Config c = parse_config(R"([run]
seed = 1
n = 8
k = [1, 4, 8]
suites = ["aime24", "math500"]
[[models]]
name = "deepseek"
engine = "openai"
base_url = "https://api.deepseek.com/v1"
model_id = "deepseek-reasoner"
api_key_env = "DEEPSEEK_API_KEY"
headers = ["X-Team: evals"]
[models.pricing]
input = 0.55
cached_input = 0.14
output = 2.19
[models.extra]
reasoning_effort = "high"
provider = { order = ["a", "b"] }
[[models]]
name = "self"
engine = "openai"
base_url = "http://127.0.0.1:8000/v1"
model_id = "r1"
[models.pricing]
gpu_hour = 2.5
gpus = 8
)",
                          "cfg.toml");
  EXPECT_TRUE(c.models[0].pricing.is_api());
  EXPECT_DOUBLE_EQ(c.models[0].pricing.cached_input, 0.14);
  EXPECT_EQ(c.models[0].extra["reasoning_effort"], "high");
  EXPECT_EQ(c.models[0].extra["provider"]["order"][1], "b");
  EXPECT_TRUE(c.models[1].pricing.is_self_hosted());
  EXPECT_EQ(c.run.k, (std::vector<int>{1, 4, 8}));
}

TEST(ConfigTest, ResolvedConfigHoldsNoSecrets) {
  Config c = parse_config(R"([run]
seed = 1
suites = ["aime24"]
[[models]]
name = "api"
engine = "openai"
base_url = "https://api.example.com/v1"
model_id = "m"
api_key_env = "EXAMPLE_KEY"
headers = ["Authorization: Bearer sk-header-secret"]
)",
                          "cfg.toml");
  std::string dump = c.resolved().dump();
  EXPECT_NE(dump.find("EXAMPLE_KEY"), std::string::npos);  // the variable's name, not its value
  EXPECT_EQ(dump.find("sk-header-secret"), std::string::npos);
}

TEST(ConfigTest, SimProfilesResolveAgainstTheConfigFolder) {
  Config c = parse_config(R"([run]
seed = 1
suites = ["aime24"]
[[models]]
name = "full"
engine = "sim"
model_id = "full"
sim_profiles = "sim_profiles.toml"
)",
                          "/etc/rigor/demo.toml");
  EXPECT_EQ(c.models[0].sim_profiles, "/etc/rigor/sim_profiles.toml");
  EXPECT_EQ(c.models[0].sim_seed, 0u);
  EXPECT_EQ(c.resolved().dump().find("sim_seed"), std::string::npos) << "unset: old configs keep their hash";
}

TEST(ConfigTest, ASimSeedIsASimulatorsOnlyAndNotNegative) {
  const std::string head = "[run]\nseed = 1\nsuites = [\"aime24\"]\n[[models]]\nname = \"m\"\nmodel_id = \"full\"\n";
  Config c = parse_config(head + "engine = \"sim\"\nsim_profiles = \"p.toml\"\nsim_seed = 3\n", "c.toml");
  EXPECT_EQ(c.models[0].sim_seed, 3u);
  EXPECT_NE(c.resolved().dump().find("\"sim_seed\":3"), std::string::npos);
  EXPECT_THROW(parse_config(head + "engine = \"sim\"\nsim_profiles = \"p.toml\"\nsim_seed = -1\n", "c.toml"),
               ConfigError);
  EXPECT_THROW(parse_config(head + "engine = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\nsim_seed = 3\n",
                            "c.toml"),
               ConfigError);
}

TEST(ConfigTest, ExampleConfigsParse) {
  for (const char* name : {"demo.toml", "llama_server.toml", "deepseek_api.toml"}) {
    SCOPED_TRACE(name);
    EXPECT_NO_THROW(load_config(std::string(RIGOR_SOURCE_DIR) + "/configs/" + name));
  }
}

}  // namespace
}  // namespace rigor
