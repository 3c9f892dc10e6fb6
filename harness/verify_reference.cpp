// rigor verify against a reference (--reference RUN[:MODEL] or MODEL): the
// stored run's samples or the live model's answers, paired draw by draw with
// the endpoint's, and the paired tests of harness/verify_compare.h.
#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/rng.h"
#include "harness/verify_internal.h"
#include "suites/registry.h"

namespace rigor::verify_detail {
namespace {

// Usage's reasoning tokens, or -1 when they are not a count: not reported, or
// 0 beside reasoning text (servers that do not count them say 0).
int64_t counted_reasoning(int64_t tokens, const std::string& reasoning) {
  return tokens == 0 && !reasoning.empty() ? -1 : tokens;
}

// What a sample showed, for the comparison with a reference (harness/verify_compare.h).
SampleTraits traits_of(const Completion& c, const Verdict& v) {
  SampleTraits t;
  t.correct = v.correct;
  t.truncated = c.finish_reason == "length" || c.reasoning_unclosed;
  t.extraction_failed = !t.truncated && !v.extracted_ok;
  t.reasoning_tokens = counted_reasoning(c.usage.reasoning_tokens, c.reasoning);
  t.answer_tokens = c.usage.completion_tokens >= 0 && t.reasoning_tokens >= 0
                        ? c.usage.completion_tokens - t.reasoning_tokens
                        : -1;
  t.reasoning_bytes = static_cast<int64_t>(c.reasoning.size());
  t.answer_bytes = static_cast<int64_t>(c.text.size());
  return t;
}

SampleTraits traits_of(const SampleRecord& s) {
  SampleTraits t;
  t.correct = s.correct;
  t.truncated = s.truncated;
  t.extraction_failed = !s.truncated && !s.extracted_ok;
  t.reasoning_tokens = counted_reasoning(s.reasoning_tokens, s.reasoning);
  t.answer_tokens = s.completion_tokens >= 0 && t.reasoning_tokens >= 0 ? s.completion_tokens - t.reasoning_tokens : -1;
  t.reasoning_bytes = static_cast<int64_t>(s.reasoning.size());
  t.answer_bytes = static_cast<int64_t>(s.response.size());
  return t;
}

}  // namespace

ReferenceRun load_reference(Store& store, const Config& cfg, const VerifyOptions& opts) {
  ReferenceRun ref;
  const size_t colon = opts.reference.rfind(':');
  ref.run_id = colon == std::string::npos ? opts.reference : opts.reference.substr(0, colon);
  ref.model = colon == std::string::npos ? "" : opts.reference.substr(colon + 1);
  auto run = store.get_run(ref.run_id);
  if (!run) throw ConfigError(fmt::format("--reference: no run \"{}\" in {}", ref.run_id, store.path()));
  const auto resolved = nlohmann::json::parse(run->config_json, nullptr, false);
  if (!resolved.is_object()) throw ConfigError(fmt::format("--reference: run {} has no readable config", ref.run_id));
  std::vector<std::string> names;
  const nlohmann::json* model = nullptr;
  const nlohmann::json models = resolved.value("models", nlohmann::json::array());
  for (const auto& m : models) {
    names.push_back(m.value("name", ""));
    if (ref.model.empty() ? models.size() == 1 : m.value("name", "") == ref.model) model = &m;
  }
  if (!model) {
    throw ConfigError(fmt::format("--reference {}: name one of the run's models as RUN:MODEL ({})", opts.reference,
                                  fmt::join(names, ", ")));
  }
  ref.model = model->value("name", "");
  ref.temperature = model->value("temperature", 0.6);
  ref.top_p = model->value("top_p", 0.95);
  ref.max_tokens = model->value("max_tokens", 32768);
  std::vector<std::string> suites;
  const nlohmann::json run_suites = resolved.value("suites", nlohmann::json::object());
  for (const auto& [name, _] : run_suites.items()) suites.push_back(name);
  std::string suite = opts.suite;
  if (suite.empty() && !suites.empty()) suite = suites.front();
  if (std::find(suites.begin(), suites.end(), suite) == suites.end()) {
    throw ConfigError(fmt::format("--reference {}: the run has no suite \"{}\" (it has: {})", opts.reference, suite,
                                  fmt::join(suites, ", ")));
  }
  SuiteOptions sopts;
  sopts.gpqa_csv = cfg.run.gpqa_csv;
  try {
    ref.suite = load_suite(suite, sopts);
  } catch (const SuiteError& e) {
    throw ConfigError(fmt::format("--reference {}: {}", opts.reference, e.what()));
  }
  // As `rigor compare` refuses runs that did not pose the same problems the same way.
  const nlohmann::json& was = run_suites.at(suite);
  std::vector<std::string> differ;
  auto check = [&](const char* key, const std::string& now) {
    if (was.value(key, "") != now) differ.push_back(fmt::format("{} {} there, {} here", key, was.value(key, ""), now));
  };
  check("data_hash", ref.suite.data_hash);
  check("template", ref.suite.template_id);
  check("scorer_version", make_scorer(ref.suite.scorer)->version());
  if (!differ.empty()) {
    throw ConfigError(fmt::format("--reference {}: suite {} is not posed as in the reference run: {}", opts.reference,
                                  suite, fmt::join(differ, "; ")));
  }
  for (const auto& s : store.samples(ref.run_id)) {
    if (s.model != ref.model || s.suite != suite || s.status != SampleStatus::kOk) continue;
    ref.pool[s.problem_id].push_back(traits_of(s));
    ++ref.samples;
  }
  if (ref.pool.empty()) {
    throw ConfigError(fmt::format("--reference {}: model {} has no finished {} samples in run {}", opts.reference,
                                  ref.model, suite, ref.run_id));
  }
  return ref;
}

Verifier::PairStats Verifier::sample_pairs(const Suite& suite, const std::vector<const Problem*>& problems,
                                           const Sampling& sampling, const StoredPool* pool,
                                           const ObservePair& observe) {
  PairStats st;
  auto scorer = make_scorer(suite.scorer);
  const Spend before = spend_;
  const uint64_t stream = fnv1a64("paired");
  Rng rng(opts_.seed ^ 0x7665726966790000ull ^ stream);
  struct Draw {
    const Problem* problem = nullptr;
    PromptedSample prompt;
    CompletionRequest req[2];               // the endpoint's, the live reference's
    std::optional<SampleTraits> sides[2];   // what each side showed, once judged
    int back = 0;                           // sides come back (a stored reference side at once)
    bool dropped = false;                   // a side failed: not a pair
  };
  std::map<uint64_t, Draw> draws;
  StoredPool unused = pool ? *pool : StoredPool{};
  std::vector<const Problem*> open = problems;  // problems that can still be drawn
  uint64_t fed = 0, finished = 0;
  bool decided = false;
  std::mutex mu;
  const bool budgeted = opts_.budget_usd > 0 || opts_.budget_tokens > 0;
  // Two rounds of requests in flight a batch: fewer waits for a batch's slowest
  // answer; no more requests wasted at a decision, which stops the sending.
  const size_t batch_size = 2 * static_cast<size_t>(std::max(1, std::min(opts_.concurrency, model().concurrency)));

  // One side of a draw came back: judge it, store it, and feed complete pairs in draw order.
  auto arrive = [&](int side, uint64_t tag, CompletionResult res) {
    std::lock_guard<std::mutex> lock(mu);
    Draw& d = draws.at(tag);
    const ModelConfig& mc = side == 0 ? model() : *live_reference_;
    auto rec = record(side == 0 ? "paired" : "paired-reference", d.problem->id, d.req[side], res, &mc);
    rec.gold = d.prompt.gold;
    if (res) {
      Verdict v = judge_into(*scorer, *res, d.prompt.gold, rec);
      if (!v.error) d.sides[side] = traits_of(*res, v);
    }
    if (!d.sides[side]) {
      d.dropped = true;
      if (!res && res.error().code == ErrorCode::kCancelled) {
        ++st.cut_short;
      } else {
        ++(side == 0 ? st.errors : st.reference_errors);
      }
    }
    store_.put_verify_request(rec);
    spend_.add(rec, mc.pricing);
    if (side == 1) reference_spend_.add(rec, mc.pricing);
    if (++d.back == 2) ++finished;
    if (st.errors + st.reference_errors >= 10 && st.errors + st.reference_errors > st.pairs) st.failing = stop_ = true;
    while (!decided && fed < st.draws && draws.at(fed).back == 2) {
      Draw& a = draws.at(fed++);
      if (a.dropped) continue;
      ++st.pairs;
      decided = observe(*a.sides[0], *a.sides[1]);
    }
    if (decided) stop_ = true;
  };

  while (!decided && !cancelled_ && !budget_spent_ && !st.failing && !st.pool_spent &&
         static_cast<int>(st.draws) < opts_.max_samples) {
    // A batch of draws at a time, the same for both sides; with a budget the
    // first pair goes alone, so that the others know what a pair costs.
    const uint64_t first = st.draws;
    const size_t want = budgeted && finished == 0 ? 1 : batch_size;
    const double mean_usd = finished > 0 ? (spend_.usd - before.usd) / static_cast<double>(finished) : 0;
    const double mean_tokens =
        finished > 0 ? static_cast<double>(spend_.tokens - before.tokens) / static_cast<double>(finished) : 0;
    for (size_t i = 0; i < want && static_cast<int>(st.draws) < opts_.max_samples; ++i) {
      const double k = static_cast<double>(i + 1);
      if (over_budget(mean_usd * k, static_cast<int64_t>(mean_tokens * k))) {
        budget_spent_ = true;
        break;
      }
      if (pool) {
        std::erase_if(open, [&](const Problem* p) { return unused[p->id].empty(); });
        if (open.empty()) {
          st.pool_spent = true;
          break;
        }
      }
      const Problem& p = *open[rng.below(open.size())];
      const uint64_t seed = sample_seed(opts_.seed ^ stream, suite.name, p.id, static_cast<int>(st.draws));
      Draw d;
      d.problem = &p;
      d.prompt = make_prompt(suite, p, seed);
      for (int side = 0; side < 2; ++side) {
        d.req[side] = request(d.prompt.user_message, sampling.max_tokens, seed, side == 0 ? model_ : live_reference_);
        d.req[side].temperature = sampling.temperature;
        d.req[side].top_p = sampling.top_p;
      }
      if (pool) {
        auto& left = unused[p.id];
        const size_t j = rng.below(left.size());
        d.sides[1] = left[j];
        left[j] = left.back();
        left.pop_back();
        d.back = 1;
      }
      draws.emplace(st.draws++, std::move(d));
    }
    const uint64_t end = st.draws;
    if (end == first) break;  // nothing could be drawn
    uint64_t cursor[2] = {first, first};
    auto next_of = [&](int side) {
      return [&, side]() -> std::optional<EngineJob> {
        std::lock_guard<std::mutex> lock(mu);
        if (stop_ || decided || cursor[side] >= end) return std::nullopt;
        const uint64_t tag = cursor[side]++;
        return EngineJob{tag, draws.at(tag).req[side]};
      };
    };
    auto on_result_of = [&](int side) {
      return [&, side](uint64_t tag, CompletionResult res) { arrive(side, tag, std::move(res)); };
    };
    if (pool) {
      drive(next_of(0), on_result_of(0));
    } else {
      drive_both(next_of(0), on_result_of(0), next_of(1), on_result_of(1));
    }
  }
  return st;
}

std::vector<VerifyTest> Verifier::reference_tests() {
  const bool live = live_reference_ != nullptr;
  if (live && !card_suite_) {
    VerifyTest t;
    t.name = "paired accuracy";
    t.summary = fmt::format("no suite on the card of {} can run here", card_.name);
    t.evidence = card_suite_skipped_;
    return {t};
  }
  const Suite& suite = live ? card_suite_->second : reference_->suite;
  std::vector<const Problem*> problems;
  for (const auto& p : suite.problems) {
    if (live || reference_->pool.count(p.id)) problems.push_back(&p);
  }
  const Sampling sampling = live ? Sampling{card_.protocol.temperature, card_.protocol.top_p, card_.protocol.max_tokens}
                                 : Sampling{reference_->temperature, reference_->top_p, reference_->max_tokens};
  const std::string against = live ? "the reference " + live_reference_->name
                                   : fmt::format("run {} ({})", reference_->run_id, reference_->model);
  ReferenceComparison cmp({opts_.alpha, opts_.beta, opts_.tolerance, opts_.gap});
  const Spend before = spend_, ref_before = reference_spend_;
  const PairStats st = sample_pairs(suite, problems, sampling, live ? nullptr : &reference_->pool,
                                    [&](const SampleTraits& e, const SampleTraits& r) {
                                      cmp.add(e, r);
                                      if (cmp.pairs() % 20 == 0) progress(fmt::format("reference: {} pairs", cmp.pairs()));
                                      return cmp.decided();
                                    });
  std::vector<VerifyTest> tests = cmp.tests(against);
  VerifyTest& first = tests.front();
  if (live) {
    first.evidence.push_back(fmt::format(
        "problems drawn uniformly with replacement from {} ({} problems); each sent to the endpoint and to {} with "
        "the same prompt and seed, at the card's temperature {:g}, top-p {:g}, max_tokens {}",
        suite.name, problems.size(), against, sampling.temperature, sampling.top_p, sampling.max_tokens));
    first.evidence.push_back(fmt::format(
        "spent on pairs: the endpoint {} requests, {} tokens, ${:.4f}; the reference {} requests, {} tokens, ${:.4f}; "
        "both count against --budget-usd and --budget-tokens",
        (spend_.requests - before.requests) - (reference_spend_.requests - ref_before.requests),
        (spend_.tokens - before.tokens) - (reference_spend_.tokens - ref_before.tokens),
        (spend_.usd - before.usd) - (reference_spend_.usd - ref_before.usd),
        reference_spend_.requests - ref_before.requests, reference_spend_.tokens - ref_before.tokens,
        reference_spend_.usd - ref_before.usd));
  } else {
    first.evidence.push_back(fmt::format(
        "problems drawn uniformly with replacement from the {} problems the reference answered, at its temperature "
        "{:g}, top-p {:g}, max_tokens {}; each paired with one of that problem's {} stored samples in all, each "
        "used once",
        problems.size(), sampling.temperature, sampling.top_p, sampling.max_tokens, reference_->samples));
  }
  if (st.errors > 0) {
    first.evidence.push_back(
        fmt::format("{} failed: their pairs are not counted", count_of(st.errors, "endpoint request")));
  }
  if (st.reference_errors > 0) {
    first.evidence.push_back(fmt::format("{} failed: their pairs are dropped, not counted",
                                         count_of(st.reference_errors, "reference request")));
  }
  if (st.cut_short > 0) {
    first.evidence.push_back(
        fmt::format("cancelled when the test stopped: {} in flight", count_of(st.cut_short, "request")));
  }
  for (size_t i = 1; i < tests.size(); ++i) {
    tests[i].evidence.push_back(fmt::format("on the same {} pairs as {} (its requests and spend)", cmp.pairs(),
                                            first.name));
  }
  if (!cmp.decided()) {
    const std::string why = st.pool_spent
                                ? fmt::format("every stored sample of run {} was paired once", reference_->run_id)
                            : budget_spent_ ? "the budget ran out"
                            : cancelled_    ? "interrupted"
                            : st.failing    ? fmt::format("{} requests failed (see the stored requests)",
                                                          st.errors + st.reference_errors)
                                            : fmt::format("--max-samples {} reached", opts_.max_samples);
    next_step_ = st.pool_spent
                     ? fmt::format("{}; a reference run with more samples per problem (rigor run -n) would allow "
                                   "more pairs",
                                   why)
                     : fmt::format("{}; more pairs against the reference would decide it (raise --budget-usd or "
                                   "--max-samples)",
                                   why);
    if (st.pool_spent) first.evidence.push_back(why);
  }
  charge(first, before);
  progress(fmt::format("reference: {} after {} pairs", cmp.consistent()     ? "consistent"
                                                       : cmp.inconsistent() ? "inconsistent"
                                                                            : "undecided",
                       cmp.pairs()));
  return tests;
}

}  // namespace rigor::verify_detail
