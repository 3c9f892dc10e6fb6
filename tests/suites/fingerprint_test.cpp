#include "suites/fingerprint.h"

#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "../case_table.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace rigor {
namespace {

const std::string kCardDir = std::string(RIGOR_SOURCE_DIR) + "/suites/cards/tokenizers";
const std::vector<std::string> kFamilies = {"deepseek-v3", "llama3", "qwen2"};

// The bundled card texts, by name ("units", "qwen2", ...).
std::map<std::string, std::string> bundled_texts() {
  std::map<std::string, std::string> out{{"units", detail::read_file_bytes(kCardDir + "/units.toml", "card")}};
  for (const auto& f : kFamilies) out[f] = detail::read_file_bytes(kCardDir + "/" + f + ".toml", "card");
  return out;
}

FingerprintCards parse_texts(const std::map<std::string, std::string>& texts) {
  std::vector<std::pair<std::string, std::string>> fams;
  for (const auto& f : kFamilies) fams.emplace_back(texts.at(f), f + ".toml");
  return parse_fingerprint_cards(texts.at("units"), "units.toml", fams);
}

// Usage a server counting with `family` reports for the probe of unit×k, with
// `overhead` tokens of template, lead and tail.
int64_t card_usage(const FingerprintCards& cards, const std::string& family, const ProbeUnit& u, int k,
                   int64_t overhead) {
  return overhead + k * cards.family(family)->counts.at(u.id);
}

TEST(Fingerprint, BundledCardsLoadWithEveryUnitCountedByEveryFamily) {
  FingerprintCards cards = load_fingerprint_cards();
  EXPECT_EQ(cards.family_names(), kFamilies);
  ASSERT_GE(cards.units.size(), 10u);
  EXPECT_GE(cards.max_k, 8);
  for (const auto& f : cards.families) {
    EXPECT_EQ(f.counts.size(), cards.units.size()) << f.family;
    EXPECT_EQ(f.sha256.size(), 64u) << f.family;
    EXPECT_FALSE(f.package.empty());
    EXPECT_FALSE(f.version.empty());
    for (const auto& u : cards.units) EXPECT_GE(f.counts.at(u.id), 1) << f.family << " " << u.id;
  }
  // The DeepSeek-R1 distills are on the card of their base model's tokenizer.
  auto lists = [&](const std::string& fam, const std::string& model) {
    const auto& m = cards.family(fam)->models;
    return std::find(m.begin(), m.end(), model) != m.end();
  };
  EXPECT_TRUE(lists("deepseek-v3", "DeepSeek-R1"));
  EXPECT_TRUE(lists("qwen2", "DeepSeek-R1-Distill-Qwen-32B"));
  EXPECT_TRUE(lists("llama3", "DeepSeek-R1-Distill-Llama-70B"));
  // Llama-3's own tokenizer file was counted too and agreed on every unit.
  EXPECT_EQ(cards.family("llama3")->also_counted.size(), 1u);
}

// What the issue says of the tokenizers, seen on the cards: Qwen splits
// digits one by one, DeepSeek-V3 and Llama-3 group them by three (after the
// leading space, a token of its own in all three).
TEST(Fingerprint, DigitRunCountsFollowEachFamilysDigitSplitting) {
  FingerprintCards cards = load_fingerprint_cards();
  for (int n : {1, 2, 3, 4, 7, 12}) {
    const ProbeUnit* u = cards.unit("digits-" + std::to_string(n));
    ASSERT_NE(u, nullptr) << n;
    EXPECT_EQ(cards.family("qwen2")->counts.at(u->id), 1 + n) << n;
    EXPECT_EQ(cards.family("deepseek-v3")->counts.at(u->id), 1 + (n + 2) / 3) << n;
    EXPECT_EQ(cards.family("llama3")->counts.at(u->id), 1 + (n + 2) / 3) << n;
  }
}

TEST(Fingerprint, BrokenCardsAreRejectedNamingFileLineAndKey) {
  const auto good = bundled_texts();
  ASSERT_NO_THROW(parse_texts(good));
  for (const auto& row : testing::read_cases("fingerprint_card_errors.tsv", 4)) {
    auto texts = good;
    std::string& text = texts.at(row[0]);
    size_t at = text.find(row[1]);
    ASSERT_NE(at, std::string::npos) << row[0] << ": " << row[1];
    text.replace(at, row[1].size(), row[2]);
    try {
      parse_texts(texts);
      ADD_FAILURE() << "accepted: " << row[0] << " with " << row[2];
    } catch (const SuiteError& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(row[3]), std::string::npos) << msg;
      const std::string file = row[0] == "units" ? "units.toml" : row[0] + ".toml";
      EXPECT_TRUE(std::regex_search(msg, std::regex("^" + std::regex_replace(file, std::regex("\\."), "\\.") +
                                                    ":[0-9]+: ")) ||
                  (msg.find(file) == 0 && row[3].find("already defined") != std::string::npos))
          << msg;
    }
  }
}

TEST(Fingerprint, MissingDirectoryOrUnitsFileIsAnError) {
  EXPECT_THROW(load_fingerprint_cards("/nonexistent/rigor-cards"), SuiteError);
  EXPECT_THROW(parse_fingerprint_cards(bundled_texts().at("units"), "units.toml", {}), SuiteError);
}

TEST(Fingerprint, ProbePromptsRoundTripAndNothingElseMatches) {
  FingerprintCards cards = load_fingerprint_cards();
  for (const auto& u : cards.units) {
    for (int k = 1; k <= cards.max_k; ++k) {
      std::string prompt = probe_prompt(cards, u, k);
      auto m = match_probe_prompt(cards, prompt);
      ASSERT_TRUE(m.has_value()) << u.id << " x" << k;
      // A unit that is another's repetition would be ambiguous; none is.
      EXPECT_EQ(m->unit->id, u.id);
      EXPECT_EQ(m->k, k);
    }
  }
  const ProbeUnit& first = cards.units.front();
  EXPECT_THROW(probe_prompt(cards, first, 0), std::invalid_argument);
  EXPECT_THROW(probe_prompt(cards, first, cards.max_k + 1), std::invalid_argument);
  EXPECT_FALSE(match_probe_prompt(cards, cards.lead + cards.tail));
  EXPECT_FALSE(match_probe_prompt(cards, cards.lead + first.text + first.text.substr(1) + cards.tail));
  EXPECT_FALSE(match_probe_prompt(cards, "What is 1+1?"));
  std::string too_many = cards.lead;
  for (int k = 0; k <= cards.max_k; ++k) too_many += first.text;
  EXPECT_FALSE(match_probe_prompt(cards, too_many + cards.tail));
}

std::vector<ProbePoint> parse_points(const std::string& cell) {
  std::vector<ProbePoint> out;
  std::istringstream in(cell);
  std::string item;
  while (in >> item) {
    size_t colon = item.find(':');
    out.push_back({std::stoll(item.substr(0, colon)), std::stoll(item.substr(colon + 1))});
  }
  return out;
}

TEST(Fingerprint, LineFitIsExactOrSaysWhatIsWrong) {
  for (const auto& row : testing::read_cases("fingerprint_fits.tsv", 4)) {
    auto points = parse_points(row[0]);
    LineFit fit = fit_probe_line(points);
    EXPECT_EQ(to_string(fit.status), row[1]) << row[0] << ": " << fit.detail;
    if (fit.exact()) {
      EXPECT_EQ(fit.slope, std::stoll(row[2])) << row[0];
      EXPECT_EQ(fit.intercept, std::stoll(row[3])) << row[0];
    } else {
      EXPECT_FALSE(fit.detail.empty()) << row[0];
    }
  }
}

// Any one-token change of one point of an exact line is caught, whatever
// the point and the direction: a proxy cannot shade one answer unseen.
TEST(Fingerprint, EveryOneTokenPerturbationOfAnExactLineIsRejected) {
  for (int64_t slope : {1, 2, 5, 16}) {
    for (const std::vector<int64_t>& ks : {std::vector<int64_t>{1, 3, 8}, {1, 2, 4, 8}, {2, 3, 4}}) {
      std::vector<ProbePoint> pts;
      for (int64_t k : ks) pts.push_back({k, 21 + slope * k});
      ASSERT_TRUE(fit_probe_line(pts).exact());
      for (size_t i = 0; i < pts.size(); ++i) {
        for (int64_t d : {-1, 1}) {
          auto bad = pts;
          bad[i].prompt_tokens += d;
          LineFit fit = fit_probe_line(bad);
          EXPECT_FALSE(fit.exact()) << "slope " << slope << " point " << i << " by " << d;
        }
      }
    }
  }
}

// The decision from observations made as the cards say each family counts,
// through the same fit a real measurement goes through.
FamilyDecision decide_from_observations(const FingerprintCards& cards, const std::vector<ProbeStep>& plan,
                                        const std::string& family, int64_t overhead) {
  std::vector<UnitSlope> slopes;
  for (const auto& step : plan) {
    std::vector<ProbePoint> pts;
    for (int k : step.ks) pts.push_back({k, card_usage(cards, family, *step.unit, k, overhead)});
    LineFit fit = fit_probe_line(pts);
    EXPECT_TRUE(fit.exact()) << fit.detail;
    EXPECT_EQ(fit.intercept, overhead);
    slopes.push_back({step.unit->id, fit.slope});
  }
  return decide_family(cards, slopes);
}

TEST(Fingerprint, PlanSeparatesTheThreeFamiliesWithinTwelveRequests) {
  FingerprintCards cards = load_fingerprint_cards();
  auto plan = plan_probes(cards);
  size_t requests = 0;
  for (const auto& step : plan) requests += step.ks.size();
  EXPECT_LE(requests, 12u);
  EXPECT_GE(plan.size(), 2u);  // each family told apart twice over
  // The plan suites/cards/README.md describes.
  std::vector<std::string> ids;
  for (const auto& step : plan) ids.push_back(step.unit->id);
  EXPECT_EQ(ids, (std::vector<std::string>{"arabic-indic-digits", "cjk-common"}));
  EXPECT_EQ(requests, 6u);
  // Every planned unit on its own tells all three apart.
  for (const auto& step : plan) {
    std::set<int64_t> counts;
    for (const auto& f : cards.families) counts.insert(f.counts.at(step.unit->id));
    EXPECT_EQ(counts.size(), cards.families.size()) << step.unit->id;
  }
  for (const auto& family : kFamilies) {
    for (int64_t overhead : {9, 27, 130}) {
      FamilyDecision d = decide_from_observations(cards, plan, family, overhead);
      EXPECT_EQ(d.family, family) << overhead;
      EXPECT_EQ(d.consistent, std::vector<std::string>{family});
      EXPECT_EQ(d.mismatches.size(), cards.families.size() - 1);
    }
  }
}

TEST(Fingerprint, SlopesNoCardHasAreUnknownAndSharedCountsAreAmbiguous) {
  FingerprintCards cards = load_fingerprint_cards();
  auto plan = plan_probes(cards);
  // Each family's counts, plus one: a tokenizer none of the cards describe.
  for (const auto& family : kFamilies) {
    std::vector<UnitSlope> slopes;
    for (const auto& step : plan) slopes.push_back({step.unit->id, cards.family(family)->counts.at(step.unit->id) + 1});
    FamilyDecision d = decide_family(cards, slopes);
    // One unit may coincide with another family's count; all of them cannot.
    EXPECT_TRUE(d.unknown()) << family;
    EXPECT_TRUE(d.family.empty());
    EXPECT_EQ(d.mismatches.size(), cards.families.size());
    for (const auto& m : d.mismatches) {
      if (m.rfind(family + ":", 0) != 0) continue;
      // Off by one on every unit: the line names them all.
      for (const auto& s : slopes) EXPECT_NE(m.find(s.unit + " is "), std::string::npos) << m;
    }
  }
  // A mix: the first unit counted like deepseek-v3, the second like qwen2.
  std::vector<UnitSlope> mixed{{plan[0].unit->id, cards.family("deepseek-v3")->counts.at(plan[0].unit->id)},
                               {plan[1].unit->id, cards.family("qwen2")->counts.at(plan[1].unit->id)}};
  EXPECT_TRUE(decide_family(cards, mixed).unknown());
  // A unit every family counts alike decides nothing.
  const ProbeUnit* same = nullptr;
  for (const auto& u : cards.units) {
    std::set<int64_t> counts;
    for (const auto& f : cards.families) counts.insert(f.counts.at(u.id));
    if (counts.size() == 1) same = &u;
  }
  ASSERT_NE(same, nullptr);
  std::vector<UnitSlope> one{{same->id, cards.families[0].counts.at(same->id)}};
  FamilyDecision d = decide_family(cards, one);
  EXPECT_TRUE(d.ambiguous());
  EXPECT_EQ(d.consistent, kFamilies);
  std::vector<UnitSlope> bogus{{"no-such-unit", 3}};
  EXPECT_THROW(decide_family(cards, bogus), std::invalid_argument);
}

TEST(Fingerprint, PlanRejectsTooFewRepetitionCounts) {
  FingerprintCards cards = load_fingerprint_cards();
  EXPECT_THROW(plan_probes(cards, 2, {1, 8}), std::invalid_argument);
  EXPECT_THROW(plan_probes(cards, 2, {1, 1, 8}), std::invalid_argument);
  EXPECT_THROW(plan_probes(cards, 2, {0, 1, 8}), std::invalid_argument);
  EXPECT_THROW(plan_probes(cards, 2, {1, 2, cards.max_k + 1}), std::invalid_argument);
  EXPECT_THROW(plan_probes(cards, 1000), std::invalid_argument);
}

}  // namespace
}  // namespace rigor
