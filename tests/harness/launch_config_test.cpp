// [models.launch] in a config: read into ModelConfig::launch, shown in the
// resolved config, and every malformed table is an error naming file, line
// and key (cases in tests/data/launch_config_errors.tsv).
#include <gtest/gtest.h>

#include "harness/config.h"
#include "harness/launch_model.h"
#include "tests/case_table.h"

namespace rigor {
namespace {

TEST(LaunchConfig, ALaunchTableIsReadAndResolved) {
  Config c = parse_config(R"([run]
seed = 1
suites = ["aime24"]
[[models]]
name = "local"
engine = "openai"
base_url = "http://127.0.0.1:{port}/v1"
model_id = "m"
[models.launch]
command = ["vllm", "serve", "m", "--port", "{port}"]
health_url = "http://127.0.0.1:{port}/health"
startup_timeout_s = 900
)",
                          "cfg.toml");
  ASSERT_TRUE(c.models[0].launch);
  const LaunchConfig& l = *c.models[0].launch;
  EXPECT_EQ(l.command, (std::vector<std::string>{"vllm", "serve", "m", "--port", "{port}"}));
  EXPECT_EQ(l.health_url, "http://127.0.0.1:{port}/health");
  EXPECT_EQ(l.startup_timeout_s, 900);
  EXPECT_EQ(c.resolved()["models"][0]["launch"]["command"][0], "vllm");
}

TEST(LaunchConfig, WithoutLaunchTheBaseUrlIsUsedAsIs) {
  ModelConfig m;
  m.name = "remote";
  m.base_url = "http://127.0.0.1:8000/v1";
  std::string url;
  EXPECT_EQ(launch_model_engine(m, "cfg.toml", &url), nullptr);
  EXPECT_EQ(url, "http://127.0.0.1:8000/v1");
}

TEST(LaunchConfig, EveryBadLaunchTableNamesFileLineAndKey) {
  const auto cases = testing::read_cases("launch_config_errors.tsv", 3);
  ASSERT_GE(cases.size(), 7u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c[0]);
    try {
      parse_config(c[1], "cfg.toml");
      ADD_FAILURE() << "accepted a bad launch table";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(c[2]), std::string::npos) << "message: " << e.what();
    }
  }
}

}  // namespace
}  // namespace rigor
