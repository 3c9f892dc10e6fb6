#include "harness/verify_compare.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace rigor {

double longer_share(int64_t a_tokens, int64_t b_tokens, int64_t a_bytes, int64_t b_bytes, bool* in_tokens) {
  const bool tokens = a_tokens >= 0 && b_tokens >= 0;
  if (in_tokens) *in_tokens = tokens;
  const int64_t a = tokens ? a_tokens : a_bytes, b = tokens ? b_tokens : b_bytes;
  return a > b ? 1.0 : a < b ? 0.0 : 0.5;
}

ReferenceComparison::ReferenceComparison(const CompareOptions& o)
    : o_(o),
      alpha_each_(o.alpha / kTests),
      worse_(-1 - o.tolerance, 1 - o.tolerance),
      not_much_worse_(-1 + o.tolerance + o.gap, 1 + o.tolerance + o.gap) {
  if (!(o.alpha > 0 && o.alpha < 1 && o.beta > 0 && o.beta < 1)) {
    throw std::invalid_argument("alpha and beta must be in (0, 1)");
  }
  if (!(o.tolerance >= 0 && o.gap > 0 && o.tolerance + o.gap < 1)) {
    throw std::invalid_argument("tolerance + gap must be below 1");
  }
}

void ReferenceComparison::Length::add(double s) {
  longer.add(s - 0.5);
  shorter.add(0.5 - s);
  not_longer.add(0.65 - s);
  not_shorter.add(s - 0.35);
  share += s;
  ties += s == 0.5;
}

double ReferenceComparison::Length::log_wealth() const {
  // log((W_longer + W_shorter) / 2), without overflow.
  const double a = longer.log_wealth(), b = shorter.log_wealth(), m = std::max(a, b);
  return m + std::log((std::exp(a - m) + std::exp(b - m)) / 2);
}

void ReferenceComparison::add(const SampleTraits& e, const SampleTraits& r) {
  ++pairs_;
  const double d = (r.correct ? 1.0 : 0.0) - (e.correct ? 1.0 : 0.0);
  worse_.add(d - o_.tolerance);
  not_much_worse_.add(o_.tolerance + o_.gap - d);
  endpoint_correct_ += e.correct;
  reference_correct_ += r.correct;
  endpoint_only_ += e.correct && !r.correct;
  reference_only_ += r.correct && !e.correct;

  bool tokens = false;
  reasoning_.add(longer_share(e.reasoning_tokens, r.reasoning_tokens, e.reasoning_bytes, r.reasoning_bytes, &tokens));
  (tokens ? reasoning_.in_tokens : reasoning_.in_bytes)++;
  answer_.add(longer_share(e.answer_tokens, r.answer_tokens, e.answer_bytes, r.answer_bytes, &tokens));
  (tokens ? answer_.in_tokens : answer_.in_bytes)++;

  auto rate = [](Rate& x, bool endpoint, bool reference) {
    const double diff = (endpoint ? 1.0 : 0.0) - (reference ? 1.0 : 0.0);
    x.more.add(diff);
    x.not_much_more.add(0.1 - diff);
    x.endpoint += endpoint;
    x.reference += reference;
  };
  rate(truncation_, e.truncated, r.truncated);
  rate(extraction_, e.extraction_failed, r.extraction_failed);

  const double bar = std::log(1 / alpha_each_);
  accused_[0] = accused_[0] || worse_.rejects(alpha_each_);
  accused_[1] = accused_[1] || reasoning_.log_wealth() >= bar;
  accused_[2] = accused_[2] || answer_.log_wealth() >= bar;
  accused_[3] = accused_[3] || truncation_.more.rejects(alpha_each_);
  accused_[4] = accused_[4] || extraction_.more.rejects(alpha_each_);
}

bool ReferenceComparison::inconsistent() const {
  return std::any_of(accused_.begin(), accused_.end(), [](bool a) { return a; });
}

bool ReferenceComparison::consistent() const {
  if (inconsistent()) return false;
  const double b = o_.beta;
  return not_much_worse_.rejects(b) && reasoning_.not_longer.rejects(b) && reasoning_.not_shorter.rejects(b) &&
         answer_.not_longer.rejects(b) && answer_.not_shorter.rejects(b) && truncation_.not_much_more.rejects(b) &&
         extraction_.not_much_more.rejects(b);
}

std::vector<VerifyTest> ReferenceComparison::tests(const std::string& against) const {
  const double n = static_cast<double>(std::max<int64_t>(pairs_, 1));
  const double bar = std::log(1 / alpha_each_), ok_bar = std::log(1 / o_.beta);
  const std::string error_rate =
      fmt::format("<= {:g} (one of {} tests by betting at alpha/{} = {:g} each, Bonferroni, so all of them together "
                  "stay <= {:g}; always valid by Ville's inequality for an endpoint serving the reference's model)",
                  alpha_each_, kTests, kTests, alpha_each_, o_.alpha);
  auto verdict = [&](bool accused, bool alternatives_rejected) {
    return accused ? VerifyVerdict::kInconsistent
           : alternatives_rejected ? VerifyVerdict::kConsistent
                                   : VerifyVerdict::kUndecided;
  };
  std::vector<VerifyTest> out;
  {
    VerifyTest t;
    t.name = "paired accuracy";
    t.verdict = verdict(accused_[0], not_much_worse_.rejects(o_.beta));
    t.summary = fmt::format("{} pairs: the endpoint {:.1f}% correct, {} {:.1f}% ({} right only here, {} only there)",
                            pairs_, 100 * endpoint_correct_ / n, against, 100 * reference_correct_ / n,
                            endpoint_only_, reference_only_);
    t.evidence.push_back(fmt::format(
        "log wealth {:+.2f} against \"no more than {:.0f} points below the reference\" (inconsistent at {:+.2f}); "
        "{:+.2f} against \"{:.0f} points below\" (consistent at {:+.2f})",
        worse_.log_wealth(), o_.tolerance * 100, bar, not_much_worse_.log_wealth(), (o_.tolerance + o_.gap) * 100,
        ok_bar));
    t.error_rate = error_rate;
    out.push_back(std::move(t));
  }
  auto length = [&](const Length& x, const char* name, const char* part, int index) {
    VerifyTest t;
    t.name = name;
    t.verdict = verdict(accused_[index], x.not_longer.rejects(o_.beta) && x.not_shorter.rejects(o_.beta));
    t.summary = fmt::format("the endpoint's {} was longer than {}'s in the same pair {:.0f}% of the time (ties "
                            "half; {} ties in {} pairs); the same model: 50%",
                            part, against, 100 * x.share / n, x.ties, pairs_);
    t.evidence.push_back(fmt::format(
        "measured in {} where both sides report them ({} pairs), else in bytes of the {} text ({} pairs)",
        index == 1 ? "usage reasoning tokens" : "output tokens minus reasoning tokens", x.in_tokens, part,
        x.in_bytes));
    t.evidence.push_back(fmt::format(
        "log wealth {:+.2f} against \"longer and shorter equally often\" (two-sided: the mean of a bet on longer, "
        "{:+.2f}, and one on shorter, {:+.2f}; inconsistent at {:+.2f}); {:+.2f} and {:+.2f} against \"longer\" and "
        "\"shorter in 65% of pairs\" (consistent when both reach {:+.2f})",
        x.log_wealth(), x.longer.log_wealth(), x.shorter.log_wealth(), bar, x.not_longer.log_wealth(),
        x.not_shorter.log_wealth(), ok_bar));
    t.error_rate = error_rate;
    out.push_back(std::move(t));
  };
  length(reasoning_, "reasoning length", "reasoning", 1);
  length(answer_, "answer length", "answer", 2);
  auto rate = [&](const Rate& x, const char* name, const char* what, int index) {
    VerifyTest t;
    t.name = name;
    t.verdict = verdict(accused_[index], x.not_much_more.rejects(o_.beta));
    t.summary = fmt::format("{}: {} of {} samples here ({:.1f}%), {} at {} ({:.1f}%)", what, x.endpoint, pairs_,
                            100 * x.endpoint / n, x.reference, against, 100 * x.reference / n);
    t.evidence.push_back(fmt::format(
        "log wealth {:+.2f} against \"no more often than the reference\" (inconsistent at {:+.2f}); {:+.2f} against "
        "\"10 points more often\" (consistent at {:+.2f})",
        x.more.log_wealth(), bar, x.not_much_more.log_wealth(), ok_bar));
    t.error_rate = error_rate;
    out.push_back(std::move(t));
  };
  rate(truncation_, "truncation", "truncated (finish_reason length or <think> never closed)", 3);
  rate(extraction_, "extraction failures", "no answer extracted from an answer part that was not truncated", 4);
  return out;
}

}  // namespace rigor
