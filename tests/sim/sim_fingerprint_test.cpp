// The simulator impersonates tokenizers: probe prompts sent over loopback by
// the real engine (max_tokens = 1) give usage.prompt_tokens lines whose
// slopes name the family the profile says, and a router's lines break.
#include <map>
#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/engine_factory.h"
#include "sim/sim_generate.h"
#include "sim/sim_profile.h"
#include "sim/sim_server.h"
#include "sim/sim_wire.h"
#include "suites/fingerprint.h"

namespace rigor {
namespace {

std::map<std::string, SimProfile> shipped_profiles() {
  auto profiles = load_sim_profiles(std::string(RIGOR_SOURCE_DIR) + "/configs/sim_profiles.toml");
  // A Llama-tokenizer distill, so that all three families are served.
  SimProfile llama = profiles.at("distill");
  llama.name = "distill-llama";
  llama.tokenizer = "llama3";
  profiles.emplace(llama.name, llama);
  return profiles;
}

// What one fingerprint measurement saw.
struct Measured {
  std::vector<LineFit> fits;     // one per planned unit
  FamilyDecision decision;       // over the units whose fit is exact
  bool all_exact = true;
  int requests = 0;
};

class SimFingerprint : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SimOptions opts;
    opts.threads = 2;
    opts.seed = 5;
    server_ = new SimServer(opts, shipped_profiles(), std::make_shared<SimIndex>());
    port_ = server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // Sends every planned probe to `model` through the OpenAI engine, with
  // request seeds from `seed`, and fits and decides as verify will.
  static Measured measure(const std::string& model, uint64_t seed = 1) {
    const FingerprintCards& cards = bundled_fingerprint_cards();
    const auto plan = plan_probes(cards);
    ModelConfig m;
    m.name = model;
    m.engine = "openai";
    m.dialect = "vllm";
    m.base_url = fmt::format("http://127.0.0.1:{}/v1", port_);
    m.model_id = model;
    m.max_tokens = 1;
    m.concurrency = 2;
    auto engine = make_default_engine(m, m.base_url);

    std::vector<EngineJob> jobs;
    std::vector<std::pair<size_t, int>> what;  // job tag -> (plan step, k)
    for (size_t s = 0; s < plan.size(); ++s) {
      for (int k : plan[s].ks) {
        EngineJob job;
        job.tag = jobs.size();
        job.request.model = model;
        job.request.messages = {{"user", probe_prompt(cards, *plan[s].unit, k)}};
        job.request.max_tokens = 1;
        job.request.seed = seed + jobs.size();
        jobs.push_back(job);
        what.emplace_back(s, k);
      }
    }
    std::vector<std::vector<ProbePoint>> points(plan.size());
    size_t next = 0;
    engine->run([&]() -> std::optional<EngineJob> { return next < jobs.size() ? std::optional(jobs[next++]) : std::nullopt; },
                [&](uint64_t tag, CompletionResult r) {
                  EXPECT_TRUE(r.has_value()) << r.error().message;
                  if (!r) return;
                  EXPECT_EQ(r->finish_reason, "length");
                  points[what[tag].first].push_back({what[tag].second, r->usage.prompt_tokens});
                });
    Measured out;
    out.requests = static_cast<int>(jobs.size());
    std::vector<UnitSlope> slopes;
    for (size_t s = 0; s < plan.size(); ++s) {
      out.fits.push_back(fit_probe_line(points[s]));
      if (out.fits.back().exact()) slopes.push_back({plan[s].unit->id, out.fits.back().slope});
      else out.all_exact = false;
    }
    out.decision = decide_family(cards, slopes);
    return out;
  }

  static SimServer* server_;
  static int port_;
};

SimServer* SimFingerprint::server_ = nullptr;
int SimFingerprint::port_ = 0;

TEST_F(SimFingerprint, EachProfileIsSeenAsItsTokenizerFamilyWithinTwelveRequests) {
  const std::vector<std::pair<std::string, std::string>> expect = {
      {"full", "deepseek-v3"},             {"distill", "qwen2"},
      {"distill-llama", "llama3"},         {"impostor-distill", "qwen2"},
      {"impostor-quantized", "deepseek-v3"}, {"llamacpp", "qwen2"}};
  for (const auto& [model, family] : expect) {
    Measured got = measure(model);
    EXPECT_LE(got.requests, 12) << model;
    EXPECT_TRUE(got.all_exact) << model;
    EXPECT_EQ(got.decision.family, family) << model;
    // The intercept is the simulated template plus the lead's and tail's words.
    const FingerprintCards& cards = bundled_fingerprint_cards();
    for (const auto& fit : got.fits)
      EXPECT_EQ(fit.intercept, kSimTemplateTokens + count_words(cards.lead) + count_words(cards.tail)) << model;
  }
}

// A router answers some probes with the distill's tokenizer: over many
// measurements (different request seeds), most see a broken line or the wrong
// family, and the rest (every probe unrouted) see deepseek-v3. Deterministic:
// the server seed and request seeds are fixed.
TEST_F(SimFingerprint, RouterBreaksTheLineWhenAProbeIsRouted) {
  int flagged = 0, clean = 0;
  const int runs = 40;
  for (int run = 0; run < runs; ++run) {
    Measured got = measure("impostor-router", 1000 + 100 * static_cast<uint64_t>(run));
    if (got.all_exact && got.decision.family == "deepseek-v3") ++clean;
    else ++flagged;
  }
  // With 30% routing and 6 probes, P(all unrouted) = 0.7^6 ≈ 0.12.
  EXPECT_GE(flagged, runs * 3 / 4);
  EXPECT_GE(clean, 1);
}

// A proxy that guesses usage at four characters a token draws an exact line
// here (the planned units are 8 characters long), but with a slope no
// tokenizer on the cards has: the family is unknown, never deepseek-v3.
TEST_F(SimFingerprint, EstimatedUsageMatchesNoFamily) {
  Measured got = measure("proxy-estimated-usage");
  EXPECT_TRUE(got.decision.unknown());
  for (const auto& fit : got.fits) {
    EXPECT_TRUE(fit.exact()) << fit.detail;
    EXPECT_EQ(fit.slope, 2);
  }
}

TEST_F(SimFingerprint, MissingUsageIsSaidNotFitted) {
  Measured got = measure("proxy-no-usage");
  EXPECT_FALSE(got.all_exact);
  for (const auto& fit : got.fits) EXPECT_EQ(fit.status, FitStatus::kNoUsage) << fit.detail;
}

// usage = "none" drops usage from every response shape: vLLM and llama.cpp
// streams (even when asked for) and the non-streamed body.
TEST(SimUsage, NoneLeavesUsageOutOfEveryResponse) {
  auto profiles = shipped_profiles();
  for (const char* base : {"full", "llamacpp"}) {
    SimProfile p = profiles.at(base);
    SimScript script = SimModel(p, nullptr).generate("What is 2 + 2?", 1, 3);
    EXPECT_NE(sim::completion_body(p, "id", 0, script).find("\"usage\""), std::string::npos) << base;
    EXPECT_NE(sim::ChunkRenderer(p, "id", 0).finish_events(script, true, 1, 1).find("\"usage\""), std::string::npos);
    p.usage = UsageReport::kNone;
    EXPECT_EQ(sim::completion_body(p, "id", 0, script).find("\"usage\""), std::string::npos) << base;
    const std::string events = sim::ChunkRenderer(p, "id", 0).finish_events(script, true, 1, 1);
    EXPECT_EQ(events.find("\"usage\""), std::string::npos) << base;
    EXPECT_NE(events.find("[DONE]"), std::string::npos) << base;
  }
}

TEST(SimTokenizer, OnlyProbePromptsOfTokenizerProfilesChangeTheirCount) {
  auto profiles = shipped_profiles();
  const FingerprintCards& cards = bundled_fingerprint_cards();
  const ProbeUnit& unit = *cards.unit("hangul");
  const std::string probe = probe_prompt(cards, unit, 3);
  SimModel full(profiles.at("full"), nullptr);
  SimScript s = full.generate(probe, 1, 1);
  EXPECT_TRUE(s.probe);
  EXPECT_EQ(s.prompt_tokens, kSimTemplateTokens + count_words(cards.lead) + count_words(cards.tail) +
                                 3 * cards.family("deepseek-v3")->counts.at("hangul"));
  // Other messages' words come on top (a system prompt, say).
  EXPECT_EQ(full.generate(probe, count_words(probe) + 5, 1, 1).prompt_tokens, s.prompt_tokens + 5);
  // Not a probe: words, as before.
  const std::string other = "What is 2 + 2? Answer briefly.";
  EXPECT_FALSE(full.generate(other, 1, 1).probe);
  EXPECT_EQ(full.generate(other, 1, 1).prompt_tokens, count_words(other));
  // A profile without a tokenizer counts words even for a probe.
  SimProfile plain = profiles.at("full");
  plain.tokenizer.clear();
  EXPECT_EQ(SimModel(plain, nullptr).generate(probe, 1, 1).prompt_tokens, count_words(probe));
  // An unknown family is refused when the model is built.
  plain.tokenizer = "gpt2";
  EXPECT_THROW(SimModel(plain, nullptr), std::invalid_argument);
}

TEST(SimRouter, RoutesTheConfiguredFractionDeterministically) {
  auto profiles = shipped_profiles();
  auto distill = std::make_shared<const SimModel>(profiles.at("distill"), nullptr);
  const SimProfile& router_profile = profiles.at("impostor-router");
  ASSERT_EQ(router_profile.route_to, "distill");
  ASSERT_DOUBLE_EQ(router_profile.route_fraction, 0.3);
  SimModel router(router_profile, nullptr, 0, distill);
  int routed = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const std::string prompt = "question " + std::to_string(i);
    SimScript s = router.generate(prompt, static_cast<uint64_t>(i), 4);
    if (s.answered_by == "distill") ++routed;
    else EXPECT_EQ(s.answered_by, "impostor-router");
    // The same request goes the same way again (a retry is not re-routed).
    EXPECT_EQ(router.generate(prompt, static_cast<uint64_t>(i), 4).answered_by, s.answered_by);
  }
  // Binomial(4000, 0.3): sd ≈ 29; ±4 sd.
  EXPECT_NEAR(routed, 0.3 * n, 116);
  EXPECT_THROW(SimModel(router_profile, nullptr), std::invalid_argument);  // no target given
}

}  // namespace
}  // namespace rigor
