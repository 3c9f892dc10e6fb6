// rigor verify's tokenizer test: probe lines fitted per unit, decided
// against the fingerprint cards or against a live reference's counts.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/rng.h"
#include "harness/verify_internal.h"

namespace rigor {

namespace {

constexpr const char* kTokenizerErrorRate =
    "0 for an endpoint that reports its tokenizer's own prompt token counts (deterministic)";

bool lacks_usage(const std::vector<ProbeReading>& readings) {
  return std::any_of(readings.begin(), readings.end(), [](const auto& r) { return r.prompt_tokens < 0; });
}

// When a repeated probe was counted otherwise than the first time: what that
// says (two tokenizers behind one endpoint).
std::optional<std::string> counted_two_ways(const std::vector<ProbeReading>& readings,
                                            const std::vector<ProbeReading>& repeats) {
  std::map<std::pair<std::string, int>, int64_t> first;
  for (const auto& r : readings) first.emplace(std::pair{r.unit, r.k}, r.prompt_tokens);
  for (const auto& r : repeats) {
    auto it = first.find({r.unit, r.k});
    if (r.prompt_tokens >= 0 && it != first.end() && it->second != r.prompt_tokens) {
      return fmt::format("the same probe ({} x{}) was counted as {} and then {} prompt tokens: more than one "
                         "tokenizer answers for this endpoint (a router or a mix of models)",
                         r.unit, r.k, it->second, r.prompt_tokens);
    }
  }
  return std::nullopt;
}

// The probe plan's requests, none measured yet.
std::vector<ProbeReading> planned_probes(const FingerprintCards& cards) {
  std::vector<ProbeReading> out;
  for (const auto& step : plan_probes(cards)) {
    for (int k : step.ks) out.push_back({step.unit->id, k, -1});
  }
  return out;
}

std::map<std::string, std::vector<ProbePoint>> points_by_unit(const std::vector<ProbeReading>& readings) {
  std::map<std::string, std::vector<ProbePoint>> out;
  for (const auto& r : readings) out[r.unit].push_back({r.k, r.prompt_tokens});
  return out;
}

// The comparison with a live reference trusts it. When the reference itself
// does not count like the claim's tokenizer card, a line that says so.
std::optional<std::string> reference_off_card(const FingerprintCards& cards, const std::string& family,
                                              const std::vector<ProbeReading>& reference, const std::string& name) {
  if (family.empty() || !cards.family(family) || lacks_usage(reference)) return std::nullopt;
  std::vector<UnitSlope> slopes;
  for (const auto& [unit, points] : points_by_unit(reference)) {
    const LineFit fit = fit_probe_line(points);
    if (!fit.exact()) return std::nullopt;
    slopes.push_back({unit, fit.slope});
  }
  const FamilyDecision d = decide_family(cards, slopes);
  if (std::find(d.consistent.begin(), d.consistent.end(), family) != d.consistent.end()) return std::nullopt;
  return fmt::format("note: the reference {} does not count prompt tokens like the claim's tokenizer {} either ({}): "
                     "check that it is the model claimed",
                     name, family,
                     d.consistent.empty() ? "like no carded tokenizer"
                                          : fmt::format("like {}", fmt::join(d.consistent, ", ")));
}

}  // namespace

VerifyTest decide_tokenizer(const FingerprintCards& cards, const std::string& claimed_family,
                            const std::vector<ProbeReading>& readings, const std::vector<ProbeReading>& repeats) {
  VerifyTest t;
  t.name = "tokenizer";
  t.error_rate = kTokenizerErrorRate;
  if (lacks_usage(readings)) {
    t.verdict = VerifyVerdict::kNotRun;
    t.summary = "the endpoint reports no usage.prompt_tokens, so its tokenizer cannot be measured";
    return t;
  }
  if (auto router = counted_two_ways(readings, repeats)) {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = *router;
    t.evidence.push_back(t.summary);
    return t;
  }
  std::vector<UnitSlope> slopes;
  for (const auto& [unit, points] : points_by_unit(readings)) {
    LineFit fit = fit_probe_line(points);
    std::string pts;
    for (const auto& p : points) pts += fmt::format("{}{}:{}", pts.empty() ? "" : " ", p.k, p.prompt_tokens);
    if (!fit.exact()) {
      // Sent again and counted the same: usage that is not a tokenizer's
      // count (a proxy estimating it), so nothing to measure.
      t.verdict = repeats.empty() ? VerifyVerdict::kUndecided : VerifyVerdict::kNotRun;
      t.summary = fmt::format(
          "usage is not an exact token count ({}: {}){}; the tokenizer cannot be measured through it", unit,
          fit.detail.empty() ? to_string(fit.status) : fit.detail,
          repeats.empty() ? "" : ", and the same prompts sent again were counted the same: a proxy may estimate it");
      t.evidence.push_back(fmt::format("{} (k:prompt_tokens) {}", unit, pts));
      return t;
    }
    slopes.push_back({unit, fit.slope});
    t.evidence.push_back(
        fmt::format("{}: {} tokens a repetition (k:prompt_tokens {}; exact line, intercept {})", unit, fit.slope, pts,
                    fit.intercept));
  }
  FamilyDecision d = decide_family(cards, slopes);
  const bool claimed_fits = std::find(d.consistent.begin(), d.consistent.end(), claimed_family) != d.consistent.end();
  std::string fits = d.consistent.empty() ? "no carded tokenizer" : fmt::format("{}", fmt::join(d.consistent, ", "));
  if (claimed_fits) {
    t.verdict = VerifyVerdict::kConsistent;
    t.summary = fmt::format("counts prompt tokens like {}, the claim's tokenizer", claimed_family);
    if (d.ambiguous()) t.summary += fmt::format(" (so do: {})", fits);
  } else {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = fmt::format("counts prompt tokens like {}, not like the claim's tokenizer {}", fits, claimed_family);
    for (const auto& m : d.mismatches) {
      if (m.rfind(claimed_family + ":", 0) == 0) t.evidence.push_back(m);
    }
  }
  return t;
}

VerifyTest compare_tokenizers(const std::vector<ProbeReading>& endpoint, const std::vector<ProbeReading>& reference,
                              const std::vector<ProbeReading>& repeats, const std::string& reference_name) {
  VerifyTest t;
  t.name = "tokenizer";
  t.error_rate = kTokenizerErrorRate;
  if (lacks_usage(endpoint) || lacks_usage(reference)) {
    const bool endpoint_side = lacks_usage(endpoint);
    const auto& side = endpoint_side ? endpoint : reference;
    const std::string who = endpoint_side ? "the endpoint" : "the reference " + reference_name;
    if (std::any_of(side.begin(), side.end(), [](const auto& r) { return r.prompt_tokens >= 0; })) {
      // It does report usage: the probes without a count failed as requests.
      t.verdict = VerifyVerdict::kUndecided;
      t.summary = fmt::format("some probe requests to {} failed (see the stored requests); the tokenizers cannot "
                              "be compared",
                              who);
    } else {
      t.summary = fmt::format("{} reports no usage.prompt_tokens, so the tokenizers cannot be compared", who);
    }
    return t;
  }
  if (auto router = counted_two_ways(endpoint, repeats)) {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = *router;
    return t;
  }
  auto fits = [](const std::vector<ProbeReading>& rs) {
    std::map<std::string, LineFit> out;
    for (const auto& [unit, points] : points_by_unit(rs)) out[unit] = fit_probe_line(points);
    return out;
  };
  const auto mine = fits(endpoint), theirs = fits(reference);
  for (const auto& [side, lines] : {std::pair{std::string("the endpoint"), &mine},
                                    std::pair{"the reference " + reference_name, &theirs}}) {
    for (const auto& [unit, fit] : *lines) {
      if (fit.exact()) continue;
      t.verdict = side == "the endpoint" && repeats.empty() ? VerifyVerdict::kUndecided : VerifyVerdict::kNotRun;
      t.summary = fmt::format("usage of {} is not an exact token count ({}: {}); the tokenizers cannot be compared",
                              side, unit, fit.detail.empty() ? to_string(fit.status) : fit.detail);
      return t;
    }
  }
  std::vector<std::string> differ;
  for (const auto& [unit, fit] : mine) {
    auto it = theirs.find(unit);
    if (it == theirs.end()) continue;
    t.evidence.push_back(fmt::format("{}: {} tokens a repetition here, {} at the reference", unit, fit.slope,
                                     it->second.slope));
    if (fit.slope != it->second.slope) differ.push_back(unit);
  }
  if (differ.empty()) {
    t.verdict = VerifyVerdict::kConsistent;
    t.summary = fmt::format("counts every probe unit as the reference {} does", reference_name);
  } else {
    t.verdict = VerifyVerdict::kInconsistent;
    t.summary = fmt::format("counts {} differently from the reference {}: another tokenizer", fmt::join(differ, ", "),
                            reference_name);
  }
  return t;
}

namespace verify_detail {

void Verifier::measure_probes(std::vector<ProbeReading>& probes, Engine* engine, const ModelConfig* to) {
  const FingerprintCards& cards = bundled_fingerprint_cards();
  const ModelConfig& mc = to ? *to : model();
  size_t next_i = 0;
  std::map<uint64_t, CompletionRequest> sent;
  drive(
      [&]() -> std::optional<EngineJob> {
        if (next_i >= probes.size() || stop_) return std::nullopt;
        // A probe costs its prompt and one output token; a few hundred tokens at most.
        if (over_budget(0, 256)) {
          budget_spent_ = true;
          return std::nullopt;
        }
        const auto& r = probes[next_i];
        // A seed of its own per request: a router that picks by seed, as the
        // simulator's does, must get an independent pick for a repeated prompt.
        const uint64_t seed = sample_seed(opts_.seed, "tokenizer", r.unit, static_cast<int>(seq_ + next_i));
        EngineJob job{next_i++, request(probe_prompt(cards, *cards.unit(r.unit), r.k), 1, seed, &mc)};
        sent[job.tag] = job.request;
        return job;
      },
      [&](uint64_t tag, CompletionResult res) {
        auto rec = record(to ? "tokenizer-reference" : "tokenizer",
                          fmt::format("{} x{}", probes[tag].unit, probes[tag].k), sent[tag], res, &mc);
        store_.put_verify_request(rec);
        spend_.add(rec, mc.pricing);
        if (to) reference_spend_.add(rec, mc.pricing);
        if (res) probes[tag].prompt_tokens = res->usage.prompt_tokens;
      },
      engine);
}

VerifyTest Verifier::live_tokenizer_test() {
  const FingerprintCards& cards = bundled_fingerprint_cards();
  std::vector<ProbeReading> mine = planned_probes(cards), theirs = mine;
  const Spend before = spend_;
  measure_probes(mine);
  measure_probes(theirs, reference_engine_.get(), live_reference_);
  std::vector<ProbeReading> repeats;
  VerifyTest t = compare_tokenizers(mine, theirs, {}, live_reference_->name);
  if (t.verdict == VerifyVerdict::kUndecided && !cancelled_) {
    // The endpoint's line was not exact: measure it again to tell a router from an estimate.
    repeats = mine;
    for (auto& r : repeats) r.prompt_tokens = -1;
    measure_probes(repeats);
    t = compare_tokenizers(mine, theirs, repeats, live_reference_->name);
  }
  if (t.verdict == VerifyVerdict::kConsistent || t.verdict == VerifyVerdict::kInconsistent) {
    if (auto note = reference_off_card(cards, card_.tokenizer, theirs, live_reference_->name)) {
      t.evidence.push_back(*note);
    }
  }
  if (cancelled_ || budget_spent_) {
    const bool complete = !lacks_usage(mine) && !lacks_usage(theirs);
    if (!complete) t = tokenizer_cut_short();
  }
  charge(t, before);
  progress(fmt::format("tokenizer against {}: {} ({} requests)", live_reference_->name, to_string(t.verdict),
                       t.requests));
  return t;
}

VerifyTest Verifier::tokenizer_test() {
  VerifyTest t;
  t.name = "tokenizer";
  if (live_reference_) return live_tokenizer_test();
  if (card_.tokenizer.empty()) {
    t.summary = fmt::format("the card of {} names no tokenizer", card_.name);
    return t;
  }
  const FingerprintCards& cards = bundled_fingerprint_cards();
  if (!cards.family(card_.tokenizer)) {
    t.summary = fmt::format("no fingerprint card for the claim's tokenizer \"{}\" (cards: {})", card_.tokenizer,
                            fmt::join(cards.family_names(), ", "));
    return t;
  }
  std::vector<ProbeReading> planned = planned_probes(cards);
  const Spend before = spend_;
  measure_probes(planned);
  std::vector<ProbeReading> repeats;
  if (!lacks_usage(planned) && !cancelled_) {
    // A line that is not exact: send its points again, to tell a router (the
    // same prompt counted two ways) from a proxy that estimates usage.
    t = decide_tokenizer(cards, card_.tokenizer, planned, {});
    if (t.verdict == VerifyVerdict::kUndecided) {
      auto by_unit = points_by_unit(planned);
      for (const auto& r : planned) {
        if (!fit_probe_line(by_unit[r.unit]).exact()) repeats.push_back({r.unit, r.k, -1});
      }
      measure_probes(repeats);
    }
  }
  const bool errored = lacks_usage(planned);
  if (errored && (budget_spent_ || cancelled_)) {
    t = tokenizer_cut_short();
  } else if (errored && std::any_of(planned.begin(), planned.end(), [](const auto& r) { return r.prompt_tokens >= 0; })) {
    // Some probes failed as requests while others were counted: not "no usage".
    t = VerifyTest{};
    t.name = "tokenizer";
    t.verdict = VerifyVerdict::kUndecided;
    t.summary = "some probe requests failed (see the stored requests); the tokenizer test cannot decide";
  } else {
    t = decide_tokenizer(cards, card_.tokenizer, planned, repeats);
  }
  charge(t, before);
  progress(fmt::format("tokenizer: {} ({} requests)", to_string(t.verdict), t.requests));
  return t;
}

}  // namespace verify_detail
}  // namespace rigor
