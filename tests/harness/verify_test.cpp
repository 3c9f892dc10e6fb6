// rigor verify with scripted endpoints: the tokenizer test's decisions from
// the real fingerprint cards, the sequential accuracy test's error rates, and
// the whole command (what it sends, stores, spends and decides).
#include "harness/verify.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "base/betting_test.h"
#include "base/rng.h"
#include "base/sprt.h"
#include "harness/engines/fake_engine.h"
#include "harness/verify_compare.h"
#include "scorers/scorer.h"
#include "suites/registry.h"

namespace rigor {
namespace {

// What a server with `family`'s tokenizer reports for the probe of (unit, k):
// the card's count per repetition over a fixed template overhead.
int64_t card_tokens(const std::string& family, const std::string& unit, int k, int64_t overhead = 16) {
  return overhead + k * bundled_fingerprint_cards().family(family)->counts.at(unit);
}

std::vector<ProbeReading> readings_of(const std::string& family) {
  std::vector<ProbeReading> out;
  for (const auto& step : plan_probes(bundled_fingerprint_cards())) {
    for (int k : step.ks) out.push_back({step.unit->id, k, card_tokens(family, step.unit->id, k)});
  }
  return out;
}

TEST(VerifyTokenizer, TheClaimedFamilysOwnCountsAreConsistent) {
  const auto& cards = bundled_fingerprint_cards();
  for (const auto& family : cards.family_names()) {
    VerifyTest t = decide_tokenizer(cards, family, readings_of(family), {});
    EXPECT_EQ(t.verdict, VerifyVerdict::kConsistent) << family << ": " << t.summary;
  }
}

TEST(VerifyTokenizer, EveryOtherFamilyIsInconsistentWithTheMismatchNamed) {
  const auto& cards = bundled_fingerprint_cards();
  for (const auto& claimed : cards.family_names()) {
    for (const auto& actual : cards.family_names()) {
      if (actual == claimed) continue;
      VerifyTest t = decide_tokenizer(cards, claimed, readings_of(actual), {});
      EXPECT_EQ(t.verdict, VerifyVerdict::kInconsistent) << claimed << " vs " << actual;
      EXPECT_NE(t.summary.find(actual), std::string::npos) << t.summary;
      // The claimed card's own count beside the measured one.
      EXPECT_TRUE(std::any_of(t.evidence.begin(), t.evidence.end(),
                              [&](const std::string& e) { return e.rfind(claimed + ":", 0) == 0; }))
          << ::testing::PrintToString(t.evidence);
    }
  }
}

TEST(VerifyTokenizer, NoUsageMeansTheTestDoesNotRun) {
  auto r = readings_of("deepseek-v3");
  r[1].prompt_tokens = -1;
  VerifyTest t = decide_tokenizer(bundled_fingerprint_cards(), "deepseek-v3", r, {});
  EXPECT_EQ(t.verdict, VerifyVerdict::kNotRun);
}

TEST(VerifyTokenizer, AnInexactLineIsUndecidedThenNotRunWhenRepeatsAgree) {
  // A proxy estimating usage (a point off the line), the same on a repeat.
  auto r = readings_of("deepseek-v3");
  r[1].prompt_tokens += 1;
  const auto& cards = bundled_fingerprint_cards();
  EXPECT_EQ(decide_tokenizer(cards, "deepseek-v3", r, {}).verdict, VerifyVerdict::kUndecided);
  VerifyTest t = decide_tokenizer(cards, "deepseek-v3", r, {r[0], r[1], r[2]});
  EXPECT_EQ(t.verdict, VerifyVerdict::kNotRun) << t.summary;
}

TEST(VerifyTokenizer, TheSamePromptCountedTwoWaysIsInconsistent) {
  // A router: one probe went to a Qwen-tokenizer model, its repeat to the claimed one.
  auto r = readings_of("deepseek-v3");
  ProbeReading routed = r[1];
  routed.prompt_tokens = card_tokens("qwen2", routed.unit, routed.k);
  ASSERT_NE(routed.prompt_tokens, r[1].prompt_tokens) << "the plan's units separate these families";
  std::vector<ProbeReading> first = r;
  first[1] = routed;
  VerifyTest t = decide_tokenizer(bundled_fingerprint_cards(), "deepseek-v3", first, {r[1]});
  EXPECT_EQ(t.verdict, VerifyVerdict::kInconsistent);
  EXPECT_NE(t.summary.find("more than one tokenizer"), std::string::npos) << t.summary;
}

TEST(VerifyTokenizer, AgainstALiveReferenceEqualSlopesAreConsistentForAnyFamily) {
  for (const auto& family : bundled_fingerprint_cards().family_names()) {
    auto mine = readings_of(family), theirs = readings_of(family);
    for (auto& r : theirs) r.prompt_tokens += 7;  // another chat template: only the intercept moves
    VerifyTest t = compare_tokenizers(mine, theirs, {}, "official");
    EXPECT_EQ(t.verdict, VerifyVerdict::kConsistent) << family << ": " << t.summary;
  }
  VerifyTest t = compare_tokenizers(readings_of("qwen2"), readings_of("deepseek-v3"), {}, "official");
  EXPECT_EQ(t.verdict, VerifyVerdict::kInconsistent);
  EXPECT_NE(t.summary.find("differently from the reference official"), std::string::npos) << t.summary;
}

TEST(VerifyTokenizer, AgainstALiveReferenceMissingUsageOrARouterIsSaid) {
  auto mine = readings_of("deepseek-v3"), theirs = readings_of("deepseek-v3");
  for (auto& r : theirs) r.prompt_tokens = -1;
  VerifyTest none = compare_tokenizers(mine, theirs, {}, "official");
  EXPECT_EQ(none.verdict, VerifyVerdict::kNotRun);
  EXPECT_NE(none.summary.find("the reference official reports no usage"), std::string::npos) << none.summary;
  // One probe failed as a request while the others were counted: the
  // reference does report usage, so the test is undecided, not "not run".
  theirs = readings_of("deepseek-v3");
  theirs[0].prompt_tokens = -1;
  VerifyTest failed = compare_tokenizers(mine, theirs, {}, "official");
  EXPECT_EQ(failed.verdict, VerifyVerdict::kUndecided);
  EXPECT_NE(failed.summary.find("some probe requests to the reference official failed"), std::string::npos)
      << failed.summary;
  theirs = readings_of("deepseek-v3");
  ProbeReading routed = mine[1];
  routed.prompt_tokens += 3;
  EXPECT_EQ(compare_tokenizers(mine, theirs, {routed}, "official").verdict, VerifyVerdict::kInconsistent);
}

// Fraction of seeded Bernoulli(p) sequences the SPRT rejects H0 on.
double reject_rate(double p, int runs, double p0 = 0.75, double p1 = 0.6, double alpha = 0.05) {
  Rng rng(12345);
  int rejected = 0;
  for (int i = 0; i < runs; ++i) {
    Sprt t(p0, p1, alpha, 0.05);
    for (int n = 0; n < 5000 && t.decision() == Sprt::Decision::kContinue; ++n) {
      t.add(static_cast<double>(rng.below(1u << 30)) / (1u << 30) < p);
    }
    rejected += t.decision() == Sprt::Decision::kRejectNull;
  }
  return static_cast<double>(rejected) / runs;
}

TEST(VerifySprt, AnEndpointAtTheBoundIsAccusedAtMostAlphaOfTheTime) {
  // alpha = 0.05 so that 4000 runs measure it: binomial sd ~0.35 points.
  EXPECT_LE(reject_rate(0.75, 4000), 0.05 + 0.01);
  EXPECT_LE(reject_rate(0.85, 2000), 0.01);  // better than the claim: almost never
}

TEST(VerifySprt, AnEndpointAtTheAlternativeIsDetectedAtLeast1MinusBeta) {
  EXPECT_GE(reject_rate(0.6, 2000), 0.95 - 0.015);
  EXPECT_GE(reject_rate(0.4, 500), 0.999);
}

TEST(VerifySprt, BadHypothesesAreRefused) {
  EXPECT_THROW(Sprt(0.5, 0.6, 0.01, 0.05), std::invalid_argument);
  EXPECT_THROW(Sprt(1.0, 0.6, 0.01, 0.05), std::invalid_argument);
  EXPECT_THROW(Sprt(0.7, 0.6, 0.0, 0.05), std::invalid_argument);
}

// A scripted endpoint: counts probe prompts with `family`'s card (or reports
// no usage), answers AIME prompts right with probability `accuracy` (a pure
// function of the request's seed and `salt`: two models with other salts
// sample independently), with about `reasoning` reasoning tokens; fails
// `fail_rate` of the AIME requests.
struct ScriptedModel {
  std::string family = "deepseek-v3";
  double accuracy = 0.9;
  bool usage = true;
  int64_t reasoning = 400;
  uint64_t salt = 0;
  double fail_rate = 0;
};

class VerifyCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rigor_verify_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cfg_ = parse_config(R"([run]
seed = 7
suites = ["aime24"]

[[models]]
name = "endpoint"
engine = "openai"
base_url = "http://127.0.0.1:9/v1"
model_id = "deepseek-r1"
concurrency = 4
[models.timeouts]
check_s = 0
[models.pricing]
input = 1.0
output = 4.0
)",
                        (dir_ / "cfg.toml").string());
    for (const auto& p : load_suite("aime24").problems) golds_.emplace_back(p.statement, p.gold);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CompletionResult answer(const ScriptedModel& m, const CompletionRequest& r) {
    const std::string& prompt = r.messages.at(0).content;
    Completion c = FakeEngine::completion("", "");
    c.usage.prompt_tokens = m.usage ? 100 : -1;
    c.usage.completion_tokens = m.usage ? 1 : -1;
    c.usage.reasoning_tokens = m.usage ? 0 : -1;
    if (auto probe = match_probe_prompt(bundled_fingerprint_cards(), prompt)) {
      EXPECT_EQ(r.max_tokens, 1) << "a probe asks for one token";
      c.usage.prompt_tokens = m.usage ? card_tokens(m.family, probe->unit->id, probe->k) : -1;
      c.finish_reason = "length";
      return c;
    }
    EXPECT_EQ(r.max_tokens, 32768) << "the card's protocol";
    EXPECT_DOUBLE_EQ(r.temperature, 0.6);
    for (const auto& [statement, gold] : golds_) {
      if (prompt.find(statement) == std::string::npos) continue;
      Rng rng(r.seed.value_or(0) ^ m.salt);
      const bool right = static_cast<double>(rng.below(1u << 30)) / (1u << 30) < m.accuracy;
      if (static_cast<double>(rng.below(1u << 30)) / (1u << 30) < m.fail_rate) {
        return FakeEngine::error(ErrorCode::kServer, "scripted failure", 500);
      }
      c.text = "So the answer is \\boxed{" + (right ? gold : std::string("1000")) + "}.";
      c.reasoning = "Let me think.";
      if (m.usage) {
        c.usage.reasoning_tokens = m.reasoning + static_cast<int64_t>(rng.below(50));
        c.usage.completion_tokens = c.usage.reasoning_tokens + 100;
      }
      return c;
    }
    ADD_FAILURE() << "not a probe and not an AIME problem: " << prompt.substr(0, 80);
    return c;
  }

  // A second model "official" in the config, and options that verify
  // "endpoint" against it as a live reference.
  VerifyOptions with_official_reference() {
    cfg_.models.push_back(cfg_.models[0]);
    cfg_.models[1].name = "official";
    VerifyOptions o;
    o.model = "endpoint";
    o.claim = "DeepSeek-R1";
    o.reference = "official";
    o.progress = false;
    return o;
  }

  VerifyOutcome verify(Store& store, ScriptedModel m, VerifyOptions o = {}) {
    o.model = "endpoint";
    if (o.claim.empty()) o.claim = "DeepSeek-R1";
    o.progress = false;
    auto factory = [this, m](const ModelConfig& mc, const std::string&) -> std::unique_ptr<Engine> {
      return std::make_unique<FakeEngine>([this, m](const CompletionRequest& r) { return answer(m, r); },
                                          mc.concurrency, /*out_of_order=*/true);
    };
    return execute_verify(cfg_, o, store, nullptr, factory);
  }

  std::filesystem::path dir_;
  Config cfg_;
  std::vector<std::pair<std::string, std::string>> golds_;
};

TEST_F(VerifyCommand, AGenuineEndpointIsConsistentAndEveryRequestIsStored) {
  Store store((dir_ / "v.db").string());
  auto out = verify(store, {});
  ASSERT_EQ(out.tests.size(), 2u);
  EXPECT_EQ(out.tests[0].verdict, VerifyVerdict::kConsistent) << out.tests[0].summary;
  EXPECT_EQ(out.tests[1].verdict, VerifyVerdict::kConsistent) << out.tests[1].summary;
  EXPECT_EQ(out.verdict, VerifyVerdict::kConsistent);
  EXPECT_LE(out.tests[0].requests, 12);
  auto stored = store.verify_requests(out.id);
  EXPECT_EQ(static_cast<int>(stored.size()), out.requests);
  int probes = 0, judged = 0;
  for (const auto& r : stored) {
    probes += r.test == "tokenizer";
    judged += r.test == "accuracy" && r.correct >= 0;
    if (r.test == "accuracy" && r.status == "ok") {
      EXPECT_FALSE(r.gold.empty());
    }
  }
  EXPECT_EQ(probes, out.tests[0].requests);
  EXPECT_GT(judged, 5);
  auto v = store.get_verify(out.id);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->verdict, "consistent");
  EXPECT_FALSE(v->finished_at.empty());
  EXPECT_NE(v->detail_json.find("\"tokenizer\""), std::string::npos);
  // Spend is the sum of what was stored.
  double usd = 0;
  for (const auto& r : stored) usd += std::max(r.cost_usd, 0.0);
  EXPECT_NEAR(out.cost_usd, usd, 1e-9);
}

TEST_F(VerifyCommand, ADistillWithAnotherTokenizerIsCaughtByTheProbesAlone) {
  Store store((dir_ / "v.db").string());
  auto out = verify(store, {"qwen2", 0.9, true});
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent);
  EXPECT_EQ(out.tests[0].verdict, VerifyVerdict::kInconsistent);
  EXPECT_EQ(out.tests[1].verdict, VerifyVerdict::kNotRun) << "no accuracy sample is needed";
  EXPECT_LE(out.requests, 12);
  EXPECT_LT(out.cost_usd, 0.01);
}

TEST_F(VerifyCommand, AWeakModelWithTheRightTokenizerIsCaughtByAccuracy) {
  Store store((dir_ / "v.db").string());
  auto out = verify(store, {"deepseek-v3", 0.35, true});
  EXPECT_EQ(out.tests[0].verdict, VerifyVerdict::kConsistent);
  EXPECT_EQ(out.tests[1].verdict, VerifyVerdict::kInconsistent) << out.tests[1].summary;
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent);
  EXPECT_LT(out.tests[1].requests, 100);
}

TEST_F(VerifyCommand, WithoutUsageAccuracyDecidesAloneAndSpendIsEstimated) {
  Store store((dir_ / "v.db").string());
  auto out = verify(store, {"deepseek-v3", 0.9, false});
  EXPECT_EQ(out.tests[0].verdict, VerifyVerdict::kNotRun);
  EXPECT_EQ(out.verdict, VerifyVerdict::kConsistent);
  EXPECT_GT(out.estimated, 0);
  EXPECT_GT(out.cost_usd, 0) << "estimated from the text, never negative";
}

TEST_F(VerifyCommand, TheBudgetStopsItUndecidedWithinTheBudget) {
  Store store((dir_ / "v.db").string());
  VerifyOptions o;
  o.budget_usd = 0.012;  // probes, then about five samples of $0.0021
  auto out = verify(store, {"deepseek-v3", 0.75, true}, o);
  EXPECT_EQ(out.verdict, VerifyVerdict::kUndecided);
  EXPECT_TRUE(out.budget_spent);
  EXPECT_LE(out.cost_usd, o.budget_usd);
  EXPECT_NE(out.next_step.find("more accuracy samples"), std::string::npos) << out.next_step;
}

// Dollars count at per-token prices: a self-hosted endpoint's spend is not
// priced, so a dollar budget is refused before any request, and the verdict
// says "not priced per token" rather than $0.
TEST_F(VerifyCommand, ASelfHostedEndpointIsNotPricedAndRefusesADollarBudget) {
  cfg_.models[0].pricing = Pricing{};
  cfg_.models[0].pricing.gpu_hour = 2.0;
  cfg_.models[0].pricing.gpus = 1;
  ASSERT_TRUE(cfg_.models[0].pricing.is_self_hosted());
  Store store((dir_ / "v.db").string());
  VerifyOptions o;
  o.budget_usd = 1;
  try {
    verify(store, {"deepseek-v3", 0.9, true}, o);
    FAIL() << "a dollar budget over an unpriced endpoint was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--budget-tokens"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(store.list_verifies().empty()) << "refused before anything was sent or stored";
  VerifyOptions tokens;
  tokens.budget_tokens = 100000;
  const auto out = verify(store, {"deepseek-v3", 0.9, true}, tokens);
  EXPECT_FALSE(out.priced);
  EXPECT_EQ(out.cost_usd, 0);
  const std::string text = format_verify(out);
  EXPECT_NE(text.find("tokens, not priced per token)"), std::string::npos) << text;
  EXPECT_EQ(text.find("$0.0000"), std::string::npos) << text;
}

// A reference run in the store: `model` answered every aime24 problem
// `n` times, right with probability `accuracy`, with about `length` reasoning
// tokens and 100 answer tokens each (as ScriptedModel does).
void put_reference_run(Store& store, const std::string& id, double accuracy, int64_t length, int n = 8,
                       const std::string& data_hash = "") {
  const Suite suite = load_suite("aime24");
  nlohmann::json cfg = {
      {"models", {{{"name", "official"}, {"temperature", 0.6}, {"top_p", 0.95}, {"max_tokens", 32768}}}},
      {"suites",
       {{"aime24",
         {{"data_hash", data_hash.empty() ? suite.data_hash : data_hash},
          {"template", suite.template_id},
          {"scorer_version", make_scorer(suite.scorer)->version()}}}}}};
  RunRecord r;
  r.id = id;
  r.config_json = cfg.dump();
  r.config_hash = "h";
  r.version = "test";
  r.started_at = "2026-12-04T00:00:00Z";
  store.put_run(r);
  Rng rng(99);
  std::vector<SampleRecord> samples;
  for (const auto& p : suite.problems) {
    for (int i = 0; i < n; ++i) {
      SampleRecord s;
      s.run_id = id;
      s.model = "official";
      s.suite = "aime24";
      s.problem_id = p.id;
      s.sample_idx = i;
      s.correct = static_cast<double>(rng.below(1u << 30)) / (1u << 30) < accuracy;
      s.extracted_ok = true;
      s.reasoning = "Let me think.";
      s.response = "So the answer is \\boxed{" + (s.correct ? p.gold : std::string("1000")) + "}.";
      s.reasoning_tokens = length + static_cast<int64_t>(rng.below(50));
      s.completion_tokens = s.reasoning_tokens + 100;
      samples.push_back(s);
    }
  }
  store.put_samples(samples);
}

const std::vector<std::string> kReferenceTests = {"paired accuracy", "reasoning length", "answer length", "truncation",
                                                  "extraction failures"};

// The tests after the tokenizer's, by name.
std::map<std::string, const VerifyTest*> by_name(const VerifyOutcome& out) {
  std::map<std::string, const VerifyTest*> m;
  for (const auto& t : out.tests) m[t.name] = &t;
  return m;
}

TEST_F(VerifyCommand, AgainstAReferenceRunTheSameModelIsConsistent) {
  Store store((dir_ / "v.db").string());
  put_reference_run(store, "ref", 0.9, 400);
  VerifyOptions o;
  o.reference = "ref";
  auto out = verify(store, {"deepseek-v3", 0.9, true}, o);
  ASSERT_EQ(out.tests.size(), 6u);
  for (size_t i = 0; i < kReferenceTests.size(); ++i) {
    EXPECT_EQ(out.tests[i + 1].name, kReferenceTests[i]);
    EXPECT_EQ(out.tests[i + 1].verdict, VerifyVerdict::kConsistent) << out.tests[i + 1].summary;
    EXPECT_NE(out.tests[i + 1].error_rate.find("alpha/5 = 0.002"), std::string::npos) << out.tests[i + 1].error_rate;
  }
  EXPECT_EQ(out.verdict, VerifyVerdict::kConsistent);
  int paired = 0;
  for (const auto& r : store.verify_requests(out.id)) paired += r.test == "paired";
  EXPECT_EQ(paired, out.tests[1].requests) << "the pairs' requests are on the first test's account";
  EXPECT_LE(paired, 8 * 30) << "each stored sample is paired once";
}

TEST_F(VerifyCommand, AgainstAReferenceRunAWeakerCopyIsInconsistent) {
  Store store((dir_ / "v.db").string());
  put_reference_run(store, "ref", 0.9, 400);
  VerifyOptions o;
  o.reference = "ref:official";
  auto out = verify(store, {"deepseek-v3", 0.45, true}, o);
  EXPECT_EQ(by_name(out).at("paired accuracy")->verdict, VerifyVerdict::kInconsistent)
      << by_name(out).at("paired accuracy")->summary;
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent);
}

TEST_F(VerifyCommand, AgainstAReferenceRunLongerReasoningIsInconsistent) {
  Store store((dir_ / "v.db").string());
  put_reference_run(store, "ref", 0.9, 300);  // the reference reasoned ~300 tokens, the endpoint ~400
  VerifyOptions o;
  o.reference = "ref";
  auto out = verify(store, {"deepseek-v3", 0.9, true}, o);
  const VerifyTest& t = *by_name(out).at("reasoning length");
  EXPECT_EQ(t.verdict, VerifyVerdict::kInconsistent) << t.summary;
  EXPECT_NE(t.summary.find("longer than run ref (official)'s in the same pair 100%"), std::string::npos) << t.summary;
  EXPECT_NE(t.evidence[0].find("usage reasoning tokens where both sides report them ("), std::string::npos)
      << t.evidence[0];
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent);
}

TEST_F(VerifyCommand, AgainstAReferenceRunWithoutUsageLengthsAreComparedInBytes) {
  Store store((dir_ / "v.db").string());
  put_reference_run(store, "ref", 0.9, 400);
  VerifyOptions o;
  o.reference = "ref";
  auto out = verify(store, {"deepseek-v3", 0.9, false}, o);
  EXPECT_EQ(out.verdict, VerifyVerdict::kConsistent) << format_verify(out);
  EXPECT_NE(by_name(out).at("answer length")->evidence[0].find("(0 pairs), else in bytes"), std::string::npos)
      << by_name(out).at("answer length")->evidence[0];
  out = verify(store, {"deepseek-v3", 0.4, false}, o);
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent) << format_verify(out);
}

TEST_F(VerifyCommand, AReferenceRunWhoseSamplesAreAllPairedIsUndecided) {
  Store store((dir_ / "v.db").string());
  put_reference_run(store, "ref", 0.9, 400, 1);  // 30 samples: too few pairs to decide
  VerifyOptions o;
  o.reference = "ref";
  auto out = verify(store, {"deepseek-v3", 0.9, true}, o);
  EXPECT_EQ(out.verdict, VerifyVerdict::kUndecided) << format_verify(out);
  EXPECT_NE(out.next_step.find("every stored sample of run ref was paired once"), std::string::npos) << out.next_step;
  int paired = 0;
  for (const auto& r : store.verify_requests(out.id)) paired += r.test == "paired";
  EXPECT_EQ(paired, 30);
}

TEST_F(VerifyCommand, AgainstALiveReferenceModelTheTokenizersAreCompared) {
  Store store((dir_ / "v.db").string());
  VerifyOptions o = with_official_reference();
  // The endpoint counts like Qwen, the trusted reference like DeepSeek-V3.
  auto factory = [this](const ModelConfig& mc, const std::string&) -> std::unique_ptr<Engine> {
    ScriptedModel m{mc.name == "official" ? "deepseek-v3" : "qwen2", 0.9, true};
    return std::make_unique<FakeEngine>([this, m](const CompletionRequest& r) { return answer(m, r); },
                                        mc.concurrency);
  };
  auto out = execute_verify(cfg_, o, store, nullptr, factory);
  EXPECT_EQ(out.tests[0].verdict, VerifyVerdict::kInconsistent) << out.tests[0].summary;
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent);
  for (const auto& e : out.tests[0].evidence) EXPECT_EQ(e.find("note:"), std::string::npos) << e;
  int reference_probes = 0;
  for (const auto& r : store.verify_requests(out.id)) reference_probes += r.test == "tokenizer-reference";
  EXPECT_EQ(reference_probes, 6) << "the reference's probes are stored too";
  o.reference = "endpoint";
  EXPECT_THROW(execute_verify(cfg_, o, store, nullptr, factory), ConfigError) << "the model under test";
}

// The reference is trusted, but not blindly: one that does not count like
// the claim's tokenizer card either is pointed out.
TEST_F(VerifyCommand, ALiveReferenceOffTheClaimsCardIsPointedOut) {
  Store store((dir_ / "v.db").string());
  VerifyOptions o = with_official_reference();
  o.max_samples = 4;
  auto factory = [this](const ModelConfig& mc, const std::string&) -> std::unique_ptr<Engine> {
    return std::make_unique<FakeEngine>(
        [this](const CompletionRequest& r) { return answer(ScriptedModel{"qwen2", 0.9, true}, r); }, mc.concurrency);
  };
  auto out = execute_verify(cfg_, o, store, nullptr, factory);
  EXPECT_EQ(out.tests[0].verdict, VerifyVerdict::kConsistent) << "the endpoint counts as the reference does";
  std::string evidence;
  for (const auto& e : out.tests[0].evidence) evidence += e + "\n";
  EXPECT_NE(evidence.find("note: the reference official does not count prompt tokens like the claim's tokenizer "
                          "deepseek-v3 either (like qwen2)"),
            std::string::npos)
      << evidence;
}

// verify against a live trusted reference: the config's second model
// "official", at other prices, scripted by `reference`.
class VerifyLive : public VerifyCommand {
 protected:
  VerifyOutcome verify_live(Store& store, ScriptedModel endpoint, ScriptedModel reference, VerifyOptions o = {}) {
    if (cfg_.models.size() == 1) {
      cfg_.models.push_back(cfg_.models[0]);
      cfg_.models[1].name = "official";
      cfg_.models[1].pricing.input = 2.0;
      cfg_.models[1].pricing.output = 8.0;
    }
    o.model = "endpoint";
    o.claim = "DeepSeek-R1";
    o.reference = "official";
    o.progress = false;
    auto factory = [=, this](const ModelConfig& mc, const std::string&) -> std::unique_ptr<Engine> {
      ScriptedModel m = mc.name == "official" ? reference : endpoint;
      return std::make_unique<FakeEngine>([this, m](const CompletionRequest& r) { return answer(m, r); },
                                          mc.concurrency, /*out_of_order=*/true);
    };
    return execute_verify(cfg_, o, store, nullptr, factory);
  }
  static ScriptedModel model(double accuracy, int64_t reasoning, uint64_t salt, double fail_rate = 0) {
    return {"deepseek-v3", accuracy, true, reasoning, salt, fail_rate};
  }
};

TEST_F(VerifyLive, TheSameModelIsConsistentAndBothSidesAreStoredAndCharged) {
  Store store((dir_ / "v.db").string());
  auto out = verify_live(store, model(0.9, 400, 1), model(0.9, 400, 2));
  ASSERT_EQ(out.tests.size(), 6u) << format_verify(out);
  for (size_t i = 0; i < kReferenceTests.size(); ++i) {
    EXPECT_EQ(out.tests[i + 1].name, kReferenceTests[i]);
    EXPECT_EQ(out.tests[i + 1].verdict, VerifyVerdict::kConsistent) << out.tests[i + 1].summary;
  }
  EXPECT_EQ(out.verdict, VerifyVerdict::kConsistent);
  int paired = 0, reference = 0, reference_requests = 0;
  double usd = 0, reference_usd = 0;
  for (const auto& r : store.verify_requests(out.id)) {
    paired += r.test == "paired";
    reference += r.test == "paired-reference";
    usd += r.cost_usd;
    if (r.test.ends_with("-reference")) {
      ++reference_requests;
      reference_usd += r.cost_usd;
      if (r.status == "ok" && r.test == "paired-reference") {
        EXPECT_NEAR(r.cost_usd, (100 * 2.0 + static_cast<double>(r.completion_tokens) * 8.0) / 1e6, 1e-12)
            << "at the reference's own prices";
        EXPECT_GE(r.correct, 0) << "the reference's answers are judged too";
      }
    }
  }
  EXPECT_GT(paired, 20);
  EXPECT_GT(reference, 20);
  EXPECT_EQ(out.reference_requests, reference_requests);
  EXPECT_NEAR(out.reference_cost_usd, reference_usd, 1e-9);
  EXPECT_NEAR(out.cost_usd, usd, 1e-9) << "both sides are in the total";
  const std::string text = format_verify(out);
  EXPECT_NE(text.find("of which the reference"), std::string::npos) << text;
  EXPECT_NE(text.find("both count against --budget-usd"), std::string::npos) << text;
}

TEST_F(VerifyLive, AWeakerEndpointIsInconsistentByPairedAccuracy) {
  Store store((dir_ / "v.db").string());
  auto out = verify_live(store, model(0.45, 400, 1), model(0.9, 400, 2));
  EXPECT_EQ(by_name(out).at("paired accuracy")->verdict, VerifyVerdict::kInconsistent) << format_verify(out);
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent);
}

TEST_F(VerifyLive, LongerReasoningIsInconsistentWhateverTheAccuracy) {
  Store store((dir_ / "v.db").string());
  auto out = verify_live(store, model(0.9, 460, 1), model(0.9, 400, 2));
  EXPECT_EQ(by_name(out).at("reasoning length")->verdict, VerifyVerdict::kInconsistent) << format_verify(out);
  EXPECT_NE(by_name(out).at("answer length")->verdict, VerifyVerdict::kInconsistent) << "answers as long";
  EXPECT_EQ(out.verdict, VerifyVerdict::kInconsistent);
}

TEST_F(VerifyLive, AFailedReferenceRequestDropsItsPairAndSaysSo) {
  Store store((dir_ / "v.db").string());
  auto out = verify_live(store, model(0.9, 400, 1), model(0.9, 400, 2, 0.2));
  EXPECT_EQ(out.verdict, VerifyVerdict::kConsistent) << format_verify(out);
  const VerifyTest& t = *by_name(out).at("paired accuracy");
  std::string evidence;
  for (const auto& e : t.evidence) evidence += e + "\n";
  EXPECT_NE(evidence.find("reference requests failed: their pairs are dropped, not counted"), std::string::npos)
      << evidence;
  int failed = 0;
  for (const auto& r : store.verify_requests(out.id)) failed += r.test == "paired-reference" && r.status == "error";
  EXPECT_GT(failed, 0);
}

TEST_F(VerifyLive, TheBudgetCountsBothSides) {
  Store store((dir_ / "v.db").string());
  VerifyOptions o;
  o.budget_usd = 0.05;  // probes, then a few pairs of ~$0.0022 + ~$0.0042
  auto out = verify_live(store, model(0.9, 400, 1), model(0.9, 400, 2), o);
  EXPECT_EQ(out.verdict, VerifyVerdict::kUndecided) << format_verify(out);
  EXPECT_TRUE(out.budget_spent);
  double stored_usd = 0;
  for (const auto& r : store.verify_requests(out.id)) stored_usd += r.cost_usd;
  EXPECT_LE(stored_usd, o.budget_usd) << "both sides' requests together";
  EXPECT_NEAR(out.cost_usd, stored_usd, 1e-9);
  EXPECT_GT(out.reference_cost_usd, 0.4 * out.cost_usd) << "the reference's half, at its higher prices";
  EXPECT_NE(out.next_step.find("the budget ran out"), std::string::npos) << out.next_step;
}

TEST_F(VerifyCommand, AnApiKeyEchoedInAnErrorNeverReachesTheStore) {
  const std::string key = "sk-verify-test-0123456789abcdef";
  setenv("RIGOR_VERIFY_TEST_KEY", key.c_str(), 1);
  cfg_.models[0].api_key_env = "RIGOR_VERIFY_TEST_KEY";
  Store store((dir_ / "v.db").string());
  VerifyOptions o;
  o.model = "endpoint";
  o.claim = "DeepSeek-R1";
  o.progress = false;
  o.max_samples = 12;
  auto factory = [&](const ModelConfig& mc, const std::string&) -> std::unique_ptr<Engine> {
    return std::make_unique<FakeEngine>(
        [&](const CompletionRequest& r) -> CompletionResult {
          if (match_probe_prompt(bundled_fingerprint_cards(), r.messages.at(0).content)) return answer({}, r);
          return FakeEngine::error(ErrorCode::kAuth, "invalid key " + key + " (Authorization: Bearer " + key + ")",
                                   401);
        },
        mc.concurrency);
  };
  auto out = execute_verify(cfg_, o, store, nullptr, factory);
  unsetenv("RIGOR_VERIFY_TEST_KEY");
  int errors = 0;
  for (const auto& r : store.verify_requests(out.id)) {
    errors += r.status == "error";
    EXPECT_EQ(r.error.find(key), std::string::npos) << r.error;
  }
  EXPECT_GT(errors, 0);
  EXPECT_EQ(store.get_verify(out.id)->detail_json.find(key), std::string::npos);
  EXPECT_EQ(out.verdict, VerifyVerdict::kUndecided) << "failed requests decide nothing";
}

TEST_F(VerifyCommand, AReferenceRunThatPosedTheProblemsDifferentlyIsRefused) {
  Store store((dir_ / "v.db").string());
  put_reference_run(store, "other-data", 0.9, 500, 4, "0000");
  VerifyOptions o;
  o.reference = "other-data";
  try {
    verify(store, {}, o);
    FAIL() << "a reference over other data was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("data_hash"), std::string::npos) << e.what();
  }
  o.reference = "missing";
  EXPECT_THROW(verify(store, {}, o), ConfigError);
  o.reference = "other-data:nobody";
  EXPECT_THROW(verify(store, {}, o), ConfigError);
}

TEST_F(VerifyCommand, AnUnknownClaimOrModelOrSuiteIsAConfigError) {
  Store store((dir_ / "v.db").string());
  VerifyOptions o;
  o.claim = "GPT-7";
  try {
    verify(store, {}, o);
    FAIL() << "an unknown claim was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("DeepSeek-R1"), std::string::npos) << "lists the cards: " << e.what();
  }
  o = {};
  o.suite = "humaneval";
  EXPECT_THROW(verify(store, {}, o), ConfigError);
  o = {};
  o.tolerance = 0.8;  // 79.8% - 80 points: no room
  EXPECT_THROW(verify(store, {}, o), ConfigError);
  cfg_.models[0].name = "other";
  EXPECT_THROW(verify(store, {}), ConfigError);
  EXPECT_TRUE(store.list_verifies().empty()) << "nothing is recorded for a refused verify";
}

}  // namespace
}  // namespace rigor

namespace rigor {
namespace {

// Fraction of seeded runs in which a betting test of E[Y] <= 0 rejects at
// alpha within `steps` observations of Y = a - b - shift, a, b in {0, 1} with
// rates pa (the reference) and pb (the endpoint).
double betting_reject_rate(double pa, double pb, double shift, int runs, int steps, double alpha) {
  Rng rng(777);
  int rejected = 0;
  auto coin = [&](double p) { return static_cast<double>(rng.below(1u << 30)) / (1u << 30) < p ? 1.0 : 0.0; };
  for (int i = 0; i < runs; ++i) {
    BettingTest t(-1 - shift, 1 - shift);
    for (int n = 0; n < steps && !t.rejects(alpha); ++n) t.add(coin(pa) - coin(pb) - shift);
    rejected += t.rejects(alpha);
  }
  return static_cast<double>(rejected) / runs;
}

TEST(VerifyBetting, UnderTheNullItRejectsAtMostAlphaHoweverLongItRuns) {
  // E[Y] = -shift exactly at the boundary of H0 (endpoint 5 points worse, allowed 5).
  EXPECT_LE(betting_reject_rate(0.75, 0.70, 0.05, 2000, 1000, 0.05), 0.05 + 0.01);
  EXPECT_LE(betting_reject_rate(0.75, 0.75, 0.05, 2000, 1000, 0.05), 0.01);  // inside H0: rarely
}

TEST(VerifyBetting, AClearlyWorseEndpointIsRejected) {
  EXPECT_GE(betting_reject_rate(0.75, 0.45, 0.05, 500, 400, 0.005), 0.95);
}

TEST(VerifyBetting, BadBoundsAreRefused) { EXPECT_THROW(BettingTest(0.1, 1), std::invalid_argument); }

}  // namespace
}  // namespace rigor

namespace rigor {
namespace {

double uniform(Rng& rng) { return static_cast<double>(rng.below(1u << 30)) / (1u << 30); }

// One side of a synthetic pair: `p` the chance of a right answer, lengths
// `scale` times a draw from a skewed distribution (coarse: a few values only,
// so ties are frequent), the given truncation and extraction failure rates.
SampleTraits synthetic(Rng& rng, double p, double reasoning_scale, double answer_scale, double truncation,
                       double extraction, bool coarse) {
  SampleTraits t;
  t.truncated = uniform(rng) < truncation;
  t.extraction_failed = !t.truncated && uniform(rng) < extraction;
  t.correct = !t.truncated && !t.extraction_failed && uniform(rng) < p;
  auto length = [&](double scale) {
    const double base = coarse ? static_cast<double>(1 + rng.below(4)) : 100 * std::exp(0.4 * (uniform(rng) + uniform(rng) + uniform(rng) - 1.5));
    return static_cast<int64_t>(std::round(scale * base));
  };
  t.reasoning_tokens = length(reasoning_scale);
  t.answer_tokens = length(answer_scale);
  t.reasoning_bytes = t.reasoning_tokens * 4;
  t.answer_bytes = t.answer_tokens * 4;
  return t;
}

struct Shift {
  double accuracy = 0;  // the endpoint's P(correct) minus the reference's, per problem
  double reasoning = 1, answer = 1;
  double truncation = 0.03, extraction = 0.02;  // the endpoint's rates (the reference's: 0.03, 0.02)
};

struct Rates {
  std::array<double, ReferenceComparison::kTests> accused{};
  double any = 0, consistent = 0;
};

// Over `runs` seeded streams of up to `pairs` pairs each (problems of 30
// difficulties drawn uniformly), how often each test accused the endpoint,
// any did, and the comparison reached "consistent" first. `to_the_end`: keep
// adding pairs after "consistent", so the accusation rates measure "however long it runs".
Rates compare_rates(const Shift& shift, int runs, int pairs, double alpha, bool to_the_end, uint64_t seed = 4242) {
  Rng rng(seed);
  Rates out;
  for (int i = 0; i < runs; ++i) {
    ReferenceComparison c({alpha, 0.05, 0.05, 0.15});
    const bool coarse = i % 2 == 1;
    bool consistent_first = false;
    for (int n = 0; n < pairs && !c.inconsistent(); ++n) {
      const double p = 0.05 + 0.9 * static_cast<double>(rng.below(30)) / 29;
      SampleTraits reference = synthetic(rng, p, 1, 1, 0.03, 0.02, coarse);
      SampleTraits endpoint = synthetic(rng, std::clamp(p + shift.accuracy, 0.0, 1.0), shift.reasoning, shift.answer,
                                        shift.truncation, shift.extraction, coarse);
      c.add(endpoint, reference);
      if (c.consistent()) {
        consistent_first = true;
        if (!to_the_end) break;
      }
    }
    for (int t = 0; t < ReferenceComparison::kTests; ++t) out.accused[t] += c.accused()[t];
    out.any += c.inconsistent();
    out.consistent += consistent_first && !c.inconsistent();
  }
  for (auto& a : out.accused) a /= runs;
  out.any /= runs;
  out.consistent /= runs;
  return out;
}

TEST(VerifyReferenceComparison, AGenuineEndpointIsAccusedByEachTestAtMostItsShareOfAlpha) {
  // alpha = 0.05, so each test's share is 0.01, measurable over 3000 streams
  // (binomial sd ~0.18 points); 1500 pairs each, past "consistent": always valid.
  const Rates r = compare_rates({}, 3000, 1500, 0.05, true);
  for (int t = 0; t < ReferenceComparison::kTests; ++t) {
    EXPECT_LE(r.accused[t], 0.01 + 0.0055) << "test " << t;
  }
  EXPECT_LE(r.any, 0.05) << "all five together";
}

TEST(VerifyReferenceComparison, AnEndpointExactlyTolerancePointsWorseIsAccusedAtMostItsShare) {
  Shift at_the_bound;
  at_the_bound.accuracy = -0.05;  // the boundary of the accuracy test's null (clamped near 0: a little inside it)
  const Rates r = compare_rates(at_the_bound, 3000, 1500, 0.05, true, 99);
  EXPECT_LE(r.accused[0], 0.01 + 0.0055);
}

TEST(VerifyReferenceComparison, AGenuineEndpointIsMostlyFoundConsistent) {
  const Rates r = compare_rates({}, 300, 600, 0.01, false);
  EXPECT_GE(r.consistent, 0.95);
}

TEST(VerifyReferenceComparison, EachKindOfSubstitutionIsDetectedByItsTest) {
  struct Case {
    const char* what;
    Shift shift;
    int test;
  };
  Shift worse, longer, shorter_answers, truncating, unextractable;
  worse.accuracy = -0.3;
  longer.reasoning = 1.25;
  shorter_answers.answer = 0.75;
  truncating.truncation = 0.2;
  unextractable.extraction = 0.15;
  for (const Case& c : {Case{"30 points worse", worse, 0}, Case{"reasoning 25% longer", longer, 1},
                        Case{"answers 25% shorter", shorter_answers, 2}, Case{"truncating 20%", truncating, 3},
                        Case{"no answer in 15%", unextractable, 4}}) {
    const Rates r = compare_rates(c.shift, 200, 400, 0.01, false);
    EXPECT_GE(r.accused[c.test], 0.95) << c.what;
  }
}

TEST(VerifyReferenceComparison, LengthsAreComparedInTokensWhenBothSidesHaveThemElseInBytes) {
  bool tokens = false;
  EXPECT_EQ(longer_share(10, 9, 1, 100, &tokens), 1.0);
  EXPECT_TRUE(tokens);
  EXPECT_EQ(longer_share(10, -1, 1, 100, &tokens), 0.0);
  EXPECT_FALSE(tokens);
  EXPECT_EQ(longer_share(-1, -1, 7, 7, &tokens), 0.5) << "a tie counts half";
  EXPECT_THROW(ReferenceComparison({0.01, 0.05, 0.5, 0.5}), std::invalid_argument);
}

}  // namespace
}  // namespace rigor
