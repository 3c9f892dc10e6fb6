// Simulator profiles: the shipped example loads; every malformed file is
// rejected with an error naming the file, line and key path.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/sim_profile.h"

namespace rigor {
namespace {

struct Case {
  std::vector<std::string> expect;
  std::string toml;
};

// Reads tests/data/sim_profile_errors.txt: a prelude, then cases.
std::pair<std::string, std::vector<Case>> read_cases() {
  std::ifstream in(std::string(RIGOR_TEST_DATA) + "/sim_profile_errors.txt");
  EXPECT_TRUE(in);
  std::string prelude, line;
  std::vector<Case> cases;
  bool in_prelude = false;
  while (std::getline(in, line)) {
    if (line.rfind("=== ", 0) == 0) {
      std::string header = line.substr(4);
      in_prelude = header == "prelude";
      if (in_prelude) continue;
      Case c;
      for (size_t pos = 0;;) {
        size_t amp = header.find(" && ", pos);
        c.expect.push_back(header.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos));
        if (amp == std::string::npos) break;
        pos = amp + 4;
      }
      cases.push_back(c);
    } else if (in_prelude) {
      prelude += line + "\n";
    } else if (!cases.empty()) {
      cases.back().toml += line + "\n";
    }
  }
  return {prelude, cases};
}

TEST(SimProfile, MalformedFilesAreRejectedNamingTheKeyPath) {
  auto [prelude, cases] = read_cases();
  ASSERT_GT(cases.size(), 15u);
  ASSERT_EQ(parse_sim_profiles(prelude, "prelude.toml").size(), 1u);
  for (const Case& c : cases) {
    try {
      parse_sim_profiles(prelude + c.toml, "case.toml");
      ADD_FAILURE() << "accepted:\n" << c.toml;
    } catch (const SimProfileError& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.rfind("case.toml", 0), 0u) << msg;
      for (const auto& want : c.expect) EXPECT_NE(msg.find(want), std::string::npos) << "want '" << want << "' in: " << msg;
    }
  }
}

// A whole profile "a" whose tokens_per_s (line 10) is `tokens_per_s`.
std::string profile_a(const std::string& tokens_per_s) {
  return R"([profiles.a]
label = "simulated a"
dialect = "vllm"
reasoning = "reasoning"
accuracy = { default = 0.5 }
difficulty_slope = 8
reasoning_tokens = { mean = 100, sd = 20, min = 10, max = 500 }
answer_tokens = { mean = 20, sd = 5, min = 5, max = 50 }
ttft_ms = 100
tokens_per_s = )" + tokens_per_s + R"(
tokens_per_chunk = 4
time_scale = 0
)";
}

TEST(SimProfile, ErrorNamesTheLineOfTheOffendingKey) {
  try {
    parse_sim_profiles(profile_a("true"), "x.toml");
    FAIL();
  } catch (const SimProfileError& e) {
    EXPECT_STREQ(e.what(), "x.toml:10: profiles.a.tokens_per_s: expected a number, got a boolean");
  }
}

TEST(SimProfile, StampChunksIsABooleanOffByDefault) {
  const std::string head = profile_a("10");
  EXPECT_FALSE(parse_sim_profiles(head, "x.toml").at("a").stamp_chunks);
  EXPECT_TRUE(parse_sim_profiles(head + "stamp_chunks = true\n", "x.toml").at("a").stamp_chunks);
  try {
    parse_sim_profiles(head + "stamp_chunks = 1\n", "x.toml");
    FAIL();
  } catch (const SimProfileError& e) {
    EXPECT_STREQ(e.what(), "x.toml:13: profiles.a.stamp_chunks: expected a boolean, got an integer");
  }
}

TEST(SimProfile, MissingFileIsAnErrorNamingIt) {
  EXPECT_THROW(
      {
        try {
          load_sim_profiles("/nonexistent/sim.toml");
        } catch (const SimProfileError& e) {
          EXPECT_NE(std::string(e.what()).find("/nonexistent/sim.toml"), std::string::npos);
          throw;
        }
      },
      SimProfileError);
}

TEST(SimProfile, ShippedExampleLoadsWithBaseInheritance) {
  auto profiles = load_sim_profiles(std::string(RIGOR_SOURCE_DIR) + "/configs/sim_profiles.toml");
  ASSERT_TRUE(profiles.count("full") && profiles.count("distill") && profiles.count("flaky") && profiles.count("llamacpp"));
  const SimProfile& full = profiles.at("full");
  EXPECT_EQ(full.accuracy.at("aime24"), 0.75);
  EXPECT_EQ(full.accuracy.at("math500"), 0.95);
  EXPECT_EQ(full.tokens_per_s, 35);
  EXPECT_FALSE(full.faults.any());
  const SimProfile& flaky = profiles.at("flaky");
  EXPECT_EQ(flaky.accuracy, full.accuracy);  // inherited
  EXPECT_EQ(flaky.ttft_ms, full.ttft_ms);
  EXPECT_EQ(flaky.reasoning, ReasoningDelivery::kReasoning);  // overridden
  EXPECT_GT(flaky.faults.rate_429, 0);
  EXPECT_GT(flaky.faults.rate_500, 0);
  EXPECT_GT(flaky.faults.rate_cut, 0);
  EXPECT_GT(flaky.faults.rate_stall, 0);
  EXPECT_GT(flaky.faults.rate_malformed, 0);
  const SimProfile& llama = profiles.at("llamacpp");
  EXPECT_EQ(llama.dialect, Dialect::kLlamaCpp);
  EXPECT_EQ(llama.reasoning, ReasoningDelivery::kThinkTags);
  EXPECT_LT(profiles.at("distill").accuracy.at("aime24"), full.accuracy.at("aime24"));
  for (const auto& [name, p] : profiles) EXPECT_NE(p.label.find("simulated"), std::string::npos) << name;
}

}  // namespace
}  // namespace rigor

namespace rigor {
namespace {

TEST(SimProfile, ShippedImpostorsAreWhatTheySayTheyAre) {
  auto profiles = load_sim_profiles(std::string(RIGOR_SOURCE_DIR) + "/configs/sim_profiles.toml");
  const SimProfile& full = profiles.at("full");
  EXPECT_EQ(full.tokenizer, "deepseek-v3");
  EXPECT_EQ(profiles.at("distill").tokenizer, "qwen2");
  const SimProfile& distill = profiles.at("impostor-distill");
  EXPECT_EQ(distill.tokenizer, "qwen2");
  EXPECT_LT(distill.accuracy.at("aime24"), full.accuracy.at("aime24") - 0.2);
  const SimProfile& quantized = profiles.at("impostor-quantized");
  EXPECT_EQ(quantized.tokenizer, full.tokenizer);
  for (const char* suite : {"aime24", "aime25", "math500"}) {
    EXPECT_LT(quantized.accuracy.at(suite), full.accuracy.at(suite)) << suite;
    EXPECT_GT(quantized.accuracy.at(suite), full.accuracy.at(suite) - 0.1) << suite;  // a few points, not a distill
  }
  EXPECT_GT(quantized.reasoning_tokens.mean, full.reasoning_tokens.mean);
  const SimProfile& router = profiles.at("impostor-router");
  EXPECT_EQ(router.tokenizer, "deepseek-v3");
  EXPECT_EQ(router.route_to, "distill");
  EXPECT_DOUBLE_EQ(router.route_fraction, 0.3);
  for (const auto& [name, p] : profiles) {
    if (name != "impostor-router") {
      EXPECT_TRUE(p.route_to.empty()) << name;
    }
  }
}

}  // namespace
}  // namespace rigor
