#include "harness/verify.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "base/pricing.h"
#include "base/rng.h"
#include "base/sprt.h"
#include "base/utc_time.h"
#include "harness/endpoint_check.h"
#include "harness/error_summary.h"
#include "harness/launch_model.h"
#include "harness/sim_process.h"
#include "harness/verify_internal.h"
#include "rigor_version.h"
#include "scorers/scorer.h"
#include "suites/registry.h"

namespace rigor {

const char* to_string(VerifyVerdict v) {
  switch (v) {
    case VerifyVerdict::kConsistent: return "consistent";
    case VerifyVerdict::kInconsistent: return "inconsistent";
    case VerifyVerdict::kUndecided: return "undecided";
    case VerifyVerdict::kNotRun: return "not run";
  }
  return "?";
}

nlohmann::json VerifyTest::to_json() const {
  return {{"test", name},         {"verdict", to_string(verdict)}, {"summary", summary},
          {"evidence", evidence}, {"error_rate", error_rate},      {"requests", requests},
          {"tokens", tokens},     {"cost_usd", cost_usd}};
}

nlohmann::json VerifyOutcome::to_json() const {
  nlohmann::json t = nlohmann::json::array();
  for (const auto& x : tests) t.push_back(x.to_json());
  return {{"id", id},
          {"verdict", to_string(verdict)},
          {"claim", claim},
          {"card", card_source},
          {"tests", t},
          {"spent",
           {{"requests", requests},
            {"tokens", tokens},
            {"cost_usd", cost_usd},
            {"priced", priced},
            {"estimated", estimated},
            {"reference", {{"requests", reference_requests}, {"tokens", reference_tokens},
                           {"cost_usd", reference_cost_usd}}}}},
          {"budget_spent", budget_spent},
          {"cancelled", cancelled},
          {"next_step", next_step}};
}
std::pair<double, double> accuracy_hypotheses(const CardResult& result, const VerifyOptions& opts) {
  const double bound = result.percent / 100.0 - opts.tolerance;
  const double alternative = bound - opts.gap;
  if (!(bound < 1) || !(alternative > 0)) {
    throw ConfigError(fmt::format(
        "{} {} of {:.1f}% with --tolerance {:.1f} and --gap {:.1f} points leaves no room for a test (the bound "
        "must be below 100% and the alternative above 0%)",
        result.suite, result.metric, result.percent, opts.tolerance * 100, opts.gap * 100));
  }
  return {bound, alternative};
}

namespace verify_detail {

// Scores an answer that came back and writes the outcome into its record:
// the extraction, and whether it was correct or why the scorer could not
// judge it (the verdict's `error`). An answer whose <think> never closed is
// not scored: it is a wrong one.
Verdict judge_into(const Scorer& scorer, const Completion& c, const std::string& gold, VerifyRequestRecord& rec) {
  Verdict v = c.reasoning_unclosed ? Verdict{} : scorer.score(c.text, gold);
  rec.extracted = v.extracted;
  if (v.error) {
    rec.status = "error";
    rec.error = "scorer: " + v.reason;
  } else {
    rec.correct = v.correct ? 1 : 0;
  }
  return v;
}

CompletionRequest Verifier::request(const std::string& prompt, int max_tokens, uint64_t seed,
                                    const ModelConfig* to) const {
  const ModelConfig& mc = to ? *to : model();
  CompletionRequest r;
  r.model = mc.model_id;
  r.messages = {{"user", prompt}};
  r.temperature = card_.protocol.temperature;
  r.top_p = card_.protocol.top_p;
  r.max_tokens = mc.thinking_budget > 0 ? std::max(max_tokens, mc.thinking_budget + 1) : max_tokens;
  if (mc.send_seed) r.seed = seed;
  r.extra = mc.extra;
  return r;
}

void Verifier::watching_cancel(const std::function<void()>& body) {
  std::atomic<bool> done{false};
  std::thread watch([&] {  // the caller's Ctrl-C reaches requests in flight
    while (!done) {
      if (cancel_ && cancel_->load()) {
        cancelled_ = true;
        stop_ = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  try {
    body();
  } catch (...) {
    done = true;
    watch.join();
    throw;
  }
  done = true;
  watch.join();
}

void Verifier::drive(const NextJob& next, const OnResult& on_result, Engine* engine) {
  stop_ = false;
  watching_cancel([&] { (engine ? engine : engine_.get())->run(next, on_result, &stop_); });
}

void Verifier::drive_both(const NextJob& next, const OnResult& on_result, const NextJob& ref_next,
                          const OnResult& ref_on_result) {
  stop_ = false;
  watching_cancel([&] {
    std::exception_ptr failed;
    std::thread other([&] {
      try {
        reference_engine_->run(ref_next, ref_on_result, &stop_);
      } catch (...) {
        failed = std::current_exception();
        stop_ = true;
      }
    });
    try {
      engine_->run(next, on_result, &stop_);
    } catch (...) {
      stop_ = true;
      other.join();
      throw;
    }
    other.join();
    if (failed) std::rethrow_exception(failed);
  });
}

VerifyRequestRecord Verifier::record(const std::string& test, const std::string& item, const CompletionRequest& req,
                                     const CompletionResult& res, const ModelConfig* to) {
  VerifyRequestRecord r;
  r.verify_id = id_;
  r.seq = seq_++;
  r.test = test;
  r.item = item;
  r.seed = req.seed.value_or(0);
  r.prompt = req.messages.empty() ? "" : req.messages.back().content;
  if (res) {
    r.status = "ok";
    r.response = res->text;
    r.reasoning = res->reasoning;
    r.finish_reason = res->finish_reason;
    r.prompt_tokens = res->usage.prompt_tokens;
    r.cached_tokens = res->usage.cached_tokens;
    r.completion_tokens = res->usage.completion_tokens;
    r.reasoning_tokens = res->usage.reasoning_tokens;
    r.latency_s = res->total_s;
    r.cost_usd = cost_usd((to ? *to : model()).pricing, res->usage);
  } else {
    r.status = "error";
    // Neither key may reach the store through an echoed error message.
    r.error = redact_secrets(redact_secrets(fmt::format("{}: {}", to_string(res.error().code), res.error().message),
                                            secrets_[0]),
                             secrets_[1]);
  }
  return r;
}

bool Verifier::over_budget(double next_usd, int64_t next_tokens) const {
  if (opts_.budget_usd > 0 && spend_.usd + next_usd > opts_.budget_usd) return true;
  if (opts_.budget_tokens > 0 && spend_.tokens + next_tokens > opts_.budget_tokens) return true;
  return false;
}

std::optional<std::pair<CardResult, Suite>> accuracy_suite(const ModelCard& card, const VerifyOptions& opts,
                                                           const Config& cfg, std::vector<std::string>& skipped) {
  SuiteOptions sopts;
  sopts.gpqa_csv = cfg.run.gpqa_csv;
  bool named = false;
  for (const auto& r : card.results) {
    if (!opts.suite.empty() && r.suite != opts.suite) continue;
    named = true;
    if (r.metric != "pass@1") {
      skipped.push_back(fmt::format("{}: metric {} (verify tests pass@1)", r.suite, r.metric));
      continue;
    }
    try {
      Suite s = load_suite(r.suite, sopts);
      if (!make_scorer(s.scorer)) throw SuiteError(fmt::format("no scorer \"{}\" in this build", s.scorer));
      if (s.problems.empty()) throw SuiteError("no problems");
      return std::pair{r, std::move(s)};
    } catch (const SuiteError& e) {
      skipped.push_back(fmt::format("{}: {}", r.suite, e.what()));
      if (!opts.suite.empty()) throw ConfigError(fmt::format("--suite {}: {}", opts.suite, e.what()));
    }
  }
  if (!opts.suite.empty() && !named) {
    std::vector<std::string> have;
    for (const auto& r : card.results) have.push_back(r.suite);
    throw ConfigError(fmt::format("--suite {}: the card of {} ({}) has no result for it; it has: {}", opts.suite,
                                  card.name, card.source, fmt::join(have, ", ")));
  }
  return std::nullopt;
}

Verifier::SampleStats Verifier::sample(const std::string& test, const Suite& suite,
                                       const std::vector<const Problem*>& problems, const Sampling& sampling,
                                       const Observe& observe) {
  SampleStats st;
  auto scorer = make_scorer(suite.scorer);
  const Spend before = spend_;
  // Each test draws its own problems; the accuracy test's stream is the seed itself.
  const uint64_t stream = test == "accuracy" ? 0 : fnv1a64(test);  // its own draws per test
  Rng rng(opts_.seed ^ 0x7665726966790000ull ^ stream);
  struct Sent {
    CompletionRequest req;
    const Problem* problem = nullptr;
    PromptedSample prompt;
  };
  struct Arrived {
    const Problem* problem = nullptr;
    std::optional<bool> correct;  // nullopt: not an observation
    bool truncated = false;
    Completion completion;
  };
  std::map<uint64_t, Sent> sent;
  std::map<uint64_t, Arrived> arrived;
  uint64_t fed = 0;
  int in_flight = 0;
  bool decided = false;
  // With a budget, the first sample goes alone, so that the others know
  // what a sample costs.
  const bool budgeted = opts_.budget_usd > 0 || opts_.budget_tokens > 0;
  uint64_t round_limit = 0;
  auto next = [&]() -> std::optional<EngineJob> {
    if (stop_ || decided) return std::nullopt;
    if (static_cast<int>(st.dispatched) >= opts_.max_samples || st.dispatched >= round_limit) return std::nullopt;
    // Each sample in flight may cost what the ones so far cost on average.
    const int done = static_cast<int>(st.dispatched) - in_flight;
    const double mean_usd = done > 0 ? (spend_.usd - before.usd) / done : 0;
    const double mean_tokens = done > 0 ? static_cast<double>(spend_.tokens - before.tokens) / done : 0;
    if (over_budget(mean_usd * (in_flight + 1), static_cast<int64_t>(mean_tokens * (in_flight + 1)))) {
      budget_spent_ = true;
      return std::nullopt;
    }
    const Problem& p = *problems[rng.below(problems.size())];
    const uint64_t seed = sample_seed(opts_.seed ^ stream, suite.name, p.id, static_cast<int>(st.dispatched));
    Sent s{{}, &p, make_prompt(suite, p, seed)};
    s.req = request(s.prompt.user_message, sampling.max_tokens, seed);
    s.req.temperature = sampling.temperature;
    s.req.top_p = sampling.top_p;
    EngineJob job{st.dispatched++, s.req};
    sent.emplace(job.tag, std::move(s));
    ++in_flight;
    return job;
  };
  auto on_result = [&](uint64_t tag, CompletionResult res) {
    --in_flight;
    Sent& s = sent.at(tag);
    auto rec = record(test, s.problem->id, s.req, res);
    rec.gold = s.prompt.gold;
    Arrived got{s.problem, std::nullopt, {}};
    if (res) {
      const bool cut = res->finish_reason == "length" || res->reasoning_unclosed;
      Verdict v = judge_into(*scorer, *res, s.prompt.gold, rec);
      if (!v.error) {
        got.correct = v.correct;  // a truncated answer is a wrong one, as in the published pass@1
        got.truncated = cut;
        got.completion = *res;
      }
    }
    const bool cancelled = !res && res.error().code == ErrorCode::kCancelled;
    if (!got.correct && cancelled) ++st.cut_short;
    if (!got.correct && !cancelled) ++st.errors;
    if (st.errors >= 10 && st.errors > st.observed) st.failing = stop_ = true;
    store_.put_verify_request(rec);
    spend_.add(rec, model().pricing);
    arrived[tag] = std::move(got);
    // In dispatch order, so the order answers finish in cannot bias the test.
    while (!decided && arrived.count(fed)) {
      Arrived& a = arrived[fed];
      if (a.correct) {
        ++st.observed;
        st.truncated += a.truncated;  // of the samples the test saw, as the summary counts them
        decided = observe(*a.problem, *a.correct, a.completion);
      }
      arrived.erase(fed++);
    }
    if (decided) stop_ = true;
  };
  while (!decided && !cancelled_ && !budget_spent_ && !st.failing &&
         static_cast<int>(st.dispatched) < opts_.max_samples) {
    const uint64_t before_round = st.dispatched;
    round_limit = budgeted && st.dispatched == 0 ? 1 : static_cast<uint64_t>(opts_.max_samples);
    drive(next, on_result);
    if (st.dispatched == before_round) break;  // nothing could be sent
  }
  return st;
}

void Verifier::describe(const SampleStats& st, VerifyTest& t) const {
  if (st.truncated > 0) {
    t.evidence.push_back(fmt::format("{} hit max_tokens (counted as wrong)", count_of(st.truncated, "sample")));
  }
  if (st.errors > 0) t.evidence.push_back(fmt::format("{} failed (not counted)", count_of(st.errors, "request")));
  if (st.cut_short > 0) {
    t.evidence.push_back(
        fmt::format("cancelled when the test stopped: {} in flight", count_of(st.cut_short, "request")));
  }
}

std::string Verifier::why_undecided(const SampleStats& st) const {
  return budget_spent_ ? "the budget ran out"
         : cancelled_  ? "interrupted"
         : st.failing  ? fmt::format("{} requests failed (see the stored requests)", st.errors)
                       : fmt::format("--max-samples {} reached", opts_.max_samples);
}

VerifyTest Verifier::accuracy_test() {
  VerifyTest t;
  t.name = "accuracy";
  if (!card_suite_) {
    t.summary = fmt::format("no suite on the card of {} can run here", card_.name);
    t.evidence = card_suite_skipped_;
    return t;
  }
  const CardResult& result = card_suite_->first;
  const Suite& suite = card_suite_->second;
  auto [bound, alternative] = accuracy_hypotheses(result, opts_);
  Sprt sprt(bound, alternative, opts_.alpha, opts_.beta);
  t.error_rate = fmt::format("<= {:g} (Wald's SPRT; always valid by Ville's inequality for any endpoint at or above "
                             "{:.1f}%)", opts_.alpha, bound * 100);
  const Spend before = spend_;
  std::vector<const Problem*> problems;
  for (const auto& p : suite.problems) problems.push_back(&p);
  const Sampling protocol{card_.protocol.temperature, card_.protocol.top_p, card_.protocol.max_tokens};
  const SampleStats st = sample("accuracy", suite, problems, protocol, [&](const Problem&, bool correct, const Completion&) {
    sprt.add(correct);
    if (sprt.samples() % 20 == 0) {
      progress(fmt::format("accuracy: {} samples, {} correct, log LR {:+.2f} (inconsistent at {:+.2f}, consistent at "
                           "{:+.2f})",
                           sprt.samples(), sprt.successes(), sprt.log_lr(), sprt.upper(), sprt.lower()));
    }
    return sprt.decision() != Sprt::Decision::kContinue;
  });
  const int64_t n = sprt.samples(), s = sprt.successes();
  const double rate = n > 0 ? static_cast<double>(s) / static_cast<double>(n) : 0;
  t.summary = fmt::format("{}: {}/{} correct ({:.1f}%); the claim's {} is {:.1f}%", suite.name, s, n, rate * 100,
                          result.metric, result.percent);
  t.evidence.push_back(fmt::format(
      "SPRT of accuracy >= {:.1f}% (card {:.1f}% minus {:.1f} points) against <= {:.1f}%: log likelihood ratio "
      "{:+.2f}; inconsistent at {:+.2f}, consistent at {:+.2f}",
      bound * 100, result.percent, opts_.tolerance * 100, alternative * 100, sprt.log_lr(), sprt.upper(),
      sprt.lower()));
  t.evidence.push_back(fmt::format("problems drawn uniformly with replacement from {} ({} problems), one sample "
                                   "each at temperature {:g}, top-p {:g}, max_tokens {}",
                                   suite.name, suite.problems.size(), protocol.temperature, protocol.top_p,
                                   protocol.max_tokens));
  describe(st, t);
  if (!result.note.empty()) t.evidence.push_back("card note: " + result.note);
  switch (sprt.decision()) {
    case Sprt::Decision::kRejectNull: t.verdict = VerifyVerdict::kInconsistent; break;
    case Sprt::Decision::kAcceptNull: t.verdict = VerifyVerdict::kConsistent; break;
    case Sprt::Decision::kContinue: {
      t.verdict = VerifyVerdict::kUndecided;
      const double drift = sprt.drift(n > 0 ? rate : bound);
      const double left = drift > 0 ? (sprt.upper() - sprt.log_lr()) / drift : (sprt.log_lr() - sprt.lower()) / -drift;
      next_step_ = fmt::format(
          "{}; at the accuracy seen so far about {:.0f} more accuracy samples would decide it (raise --budget-usd "
          "or --max-samples)",
          why_undecided(st), std::isfinite(left) ? std::ceil(std::max(left, 1.0)) : 1.0);
      break;
    }
  }
  charge(t, before);
  progress(fmt::format("accuracy: {} after {} samples", to_string(t.verdict), n));
  return t;
}

VerifyOutcome Verifier::run() {
  for (const auto& m : cfg_.models) {
    if (m.name == opts_.model) model_ = &m;
  }
  if (!model_) {
    std::vector<std::string> names;
    for (const auto& m : cfg_.models) names.push_back(m.name);
    throw ConfigError(fmt::format("{}: no model \"{}\" (models: {})", cfg_.path, opts_.model, fmt::join(names, ", ")));
  }
  if (!(opts_.alpha > 0 && opts_.alpha < 0.5)) throw ConfigError("--alpha must be in (0, 0.5)");
  if (!(opts_.beta > 0 && opts_.beta < 0.5)) throw ConfigError("--beta must be in (0, 0.5)");
  std::vector<ModelCard> cards = opts_.cards_dir.empty() ? load_model_cards() : load_model_cards(opts_.cards_dir);
  const ModelCard* card = find_model_card(cards, opts_.claim);
  if (!card) {
    std::vector<std::string> names;
    for (const auto& c : cards) names.push_back(c.name);
    throw ConfigError(fmt::format("unknown claim \"{}\": no model card has that name or alias (cards: {}; add your "
                                  "own with --cards DIR)",
                                  opts_.claim, fmt::join(names, ", ")));
  }
  card_ = *card;
  // Options that cannot work fail before any request.
  for (const auto& m : cfg_.models) {
    if (!opts_.reference.empty() && m.name == opts_.reference) live_reference_ = &m;
  }
  if (!opts_.reference.empty() && opts_.tolerance + opts_.gap >= 1) {
    throw ConfigError("--tolerance plus --gap must stay below 100 points");
  }
  if (live_reference_) {
    if (live_reference_ == model_) throw ConfigError("--reference names the model under test; name a trusted one");
    if (store_.get_run(opts_.reference)) {
      throw ConfigError(fmt::format("--reference {} is both a model of {} and a run in {}; rename one",
                                    opts_.reference, cfg_.path, store_.path()));
    }
    // The card's suite and protocol, without its figures: the accuracy test
    // compares with the live reference instead.
    card_suite_ = accuracy_suite(card_, opts_, cfg_, card_suite_skipped_);
  } else if (!opts_.reference.empty()) {
    reference_ = load_reference(store_, cfg_, opts_);
  } else {
    choose_card_suite();
  }
  // Dollars are counted at per-token prices only: a self-hosted (gpu_hour)
  // or unpriced model would spend without the budget ever seeing it.
  for (const ModelConfig* m : {model_, live_reference_}) {
    if (m && opts_.budget_usd > 0 && !m->pricing.is_api()) {
      throw ConfigError(fmt::format(
          "--budget-usd: model {} is not priced per token ({}), so verify cannot count its spend in dollars; bound "
          "it with --budget-tokens",
          m->name, m->pricing.is_self_hosted() ? "self-hosted, pricing.gpu_hour" : "no [models.pricing]"));
    }
  }

  // Each endpoint: the configured URL, a launched engine, or rigor's simulator.
  struct Endpoint {
    std::unique_ptr<SimProcess> sim;
    std::unique_ptr<LaunchedEngine> launched;
  };
  std::vector<Endpoint> endpoints;
  auto start = [&](const ModelConfig& model) {
    Endpoint& e = endpoints.emplace_back();
    std::string url = model.base_url;
    if (model.engine == "sim") {
      try {
        e.sim = std::make_unique<SimProcess>(opts_.exe.empty() ? self_exe() : opts_.exe, model.sim_profiles, 15, 1,
                                             cfg_.run.gpqa_csv, model.sim_seed);
      } catch (const std::exception& ex) {
        throw ConfigError(fmt::format("{}: model {}: {}", cfg_.path, model.name, ex.what()));
      }
      url = e.sim->base_url();
    } else if (model.launch) {
      e.launched = launch_model_engine(model, cfg_.path, &url);
    }
    ModelConfig m = model;
    m.concurrency = std::max(1, std::min(opts_.concurrency, m.concurrency));
    if (m.check_timeout_s > 0) {
      EndpointCheck check = check_endpoint(m, url, factory_);
      if (!check.ok) throw EndpointUnavailable(fmt::format("{}: endpoint check failed: {}", m.name, check.problem));
    }
    return factory_(m, url);
  };
  engine_ = start(model());
  if (live_reference_) reference_engine_ = start(*live_reference_);
  for (const ModelConfig* m : {model_, live_reference_}) {
    if (!m) continue;
    try {
      secrets_[m == model_ ? 0 : 1] = api_key_for(*m);
    } catch (const ConfigError&) {
      // No key configured: nothing to redact.
    }
  }

  VerifyOutcome out;
  out.id = fmt::format("verify-{}-{}", model().name, utc_now("%Y%m%dT%H%M%SZ"));
  for (int i = 2; store_.get_verify(out.id); ++i) out.id = fmt::format("verify-{}-{}-{}", model().name, utc_now("%Y%m%dT%H%M%SZ"), i);
  id_ = out.id;
  out.claim = card_.name;
  out.card_source = card_.source;
  nlohmann::json detail = {
      {"version", RIGOR_VERSION},
      {"config", cfg_.path},
      {"model", {{"name", model().name}, {"engine", model().engine}, {"model_id", model().model_id},
                 {"base_url", model().engine == "sim" ? "" : model().base_url}, {"dialect", model().dialect},
                 {"pricing", model().pricing.to_json()}}},
      {"card", card_.source},
      {"options", {{"alpha", opts_.alpha}, {"beta", opts_.beta}, {"tolerance", opts_.tolerance},
                   {"gap", opts_.gap}, {"max_samples", opts_.max_samples}, {"budget_usd", opts_.budget_usd},
                   {"budget_tokens", opts_.budget_tokens}, {"seed", opts_.seed}, {"suite", opts_.suite},
                   {"reference", opts_.reference}, {"reference_is_live", live_reference_ != nullptr}}}};
  VerifyRecord rec{out.id, model().name, card_.name, utc_now(), "", "", detail.dump()};
  store_.put_verify(rec);
  progress(fmt::format("against the claim {} ({}), stored as {}", card_.name, card_.source, out.id));

  const bool against_reference = reference_ || live_reference_;
  out.tests.push_back(tokenizer_test());
  if (out.tests.back().verdict == VerifyVerdict::kInconsistent) {
    VerifyTest skipped;
    skipped.name = against_reference ? "paired accuracy" : "accuracy";
    skipped.summary = "not needed: the tokenizer test decided";
    out.tests.push_back(skipped);
  } else if (!cancelled_ && !budget_spent_) {
    // Against a trusted reference when there is one: it sees what the card
    // cannot (a copy a few points weaker, reasoning longer, under the same protocol).
    if (against_reference) {
      for (auto& t : reference_tests()) out.tests.push_back(std::move(t));
    } else {
      out.tests.push_back(accuracy_test());
    }
  }
  bool any_consistent = false, any_undecided = false, any_inconsistent = false;
  for (const auto& t : out.tests) {
    any_consistent |= t.verdict == VerifyVerdict::kConsistent;
    any_undecided |= t.verdict == VerifyVerdict::kUndecided;
    any_inconsistent |= t.verdict == VerifyVerdict::kInconsistent;
  }
  out.verdict = any_inconsistent                     ? VerifyVerdict::kInconsistent
                : any_consistent && !any_undecided ? VerifyVerdict::kConsistent
                                                   : VerifyVerdict::kUndecided;
  out.requests = spend_.requests;
  out.tokens = spend_.tokens;
  out.cost_usd = spend_.usd;
  out.priced = model().pricing.is_api() && (!live_reference_ || live_reference_->pricing.is_api());
  out.estimated = spend_.estimated;
  out.reference_requests = reference_spend_.requests;
  out.reference_tokens = reference_spend_.tokens;
  out.reference_cost_usd = reference_spend_.usd;
  out.budget_spent = budget_spent_;
  out.cancelled = cancelled_;
  out.next_step = out.verdict == VerifyVerdict::kUndecided ? next_step_ : "";
  if (out.verdict == VerifyVerdict::kUndecided && out.next_step.empty()) {
    out.next_step = cancelled_       ? "interrupted; run the same command again"
                    : budget_spent_ ? "the budget ran out; raise --budget-usd or --budget-tokens"
                                    : "no test could decide; give the card a suite this build can run";
  }
  detail["outcome"] = out.to_json();
  rec.finished_at = utc_now();
  rec.verdict = to_string(out.verdict);
  rec.detail_json = detail.dump();
  store_.put_verify(rec);
  return out;
}

}  // namespace verify_detail

VerifyOutcome execute_verify(const Config& cfg, const VerifyOptions& opts, Store& store,
                             const std::atomic<bool>* cancel, EngineFactory factory) {
  if (!factory) factory = make_default_engine;
  return verify_detail::Verifier(cfg, opts, store, cancel, std::move(factory)).run();
}

std::string format_verify(const VerifyOutcome& out) {
  std::string s = fmt::format("rigor verify {} against the claim {} ({})\n", out.id, out.claim, out.card_source);
  for (const auto& t : out.tests) {
    s += fmt::format("  {:<19} {:<13} {}\n", t.name, to_string(t.verdict), t.summary);
    for (const auto& e : t.evidence) s += fmt::format("  {:<19} {:<13}   {}\n", "", "", e);
    if (t.verdict != VerifyVerdict::kNotRun && !t.error_rate.empty()) {
      s += fmt::format("  {:<19} {:<13}   false-accusation rate: {}\n", "", "", t.error_rate);
    }
    if (t.requests > 0) {
      s += fmt::format("  {:<19} {:<13}   spent {} requests, {} tokens, {}\n", "", "", t.requests, t.tokens,
                       counted_dollars(t.cost_usd, out.priced));
    }
  }
  std::string verdict = out.verdict == VerifyVerdict::kConsistent     ? "CONSISTENT with the claim"
                        : out.verdict == VerifyVerdict::kInconsistent ? "INCONSISTENT with the claim"
                                                                      : "UNDECIDED about the claim";
  s += fmt::format("verdict: {} {} (spent {} requests, {} tokens, {}{})\n", verdict, out.claim, out.requests,
                   out.tokens, counted_dollars(out.cost_usd, out.priced),
                   out.reference_requests > 0
                       ? fmt::format("; of which the reference {} requests, {} tokens, {}", out.reference_requests,
                                     out.reference_tokens, counted_dollars(out.reference_cost_usd, out.priced))
                       : "");
  if (out.estimated > 0) {
    s += fmt::format("  ({} requests came back without usage: their tokens and cost are estimated from their text)\n",
                     out.estimated);
  }
  if (!out.next_step.empty()) s += fmt::format("next: {}\n", out.next_step);
  return s;
}

}  // namespace rigor

