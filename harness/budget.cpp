#include "harness/budget.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace rigor {

std::string SpendEstimate::basis() const {
  if (observed > 0) return fmt::format("output length: mean of {} stored samples", observed);
  return "output length: upper bound, max_tokens per sample";
}

SpendEstimate estimate_spend(const Pricing& p, int samples, int64_t prompt_chars, int max_tokens,
                             const std::vector<int64_t>& observed_output) {
  SpendEstimate e;
  e.samples = samples;
  e.input_tokens = (prompt_chars + 3) / 4;
  int64_t sum = 0;
  for (int64_t t : observed_output) {
    if (t < 0) continue;
    sum += t;
    ++e.observed;
  }
  e.output_per_sample = e.observed > 0 ? static_cast<double>(sum) / e.observed : static_cast<double>(max_tokens);
  e.output_tokens = static_cast<int64_t>(e.output_per_sample * samples + 0.5);
  if (p.is_api()) e.usd = (static_cast<double>(e.input_tokens) * p.input + static_cast<double>(e.output_tokens) * p.output) / 1e6;
  return e;
}

BudgetGuard::BudgetGuard(Budget budget, double spent_usd, int64_t spent_tokens)
    : budget_(budget), others_{std::max(0.0, spent_usd), std::max<int64_t>(0, spent_tokens)} {}

void BudgetGuard::add(double usd, int64_t tokens) {
  std::lock_guard lock(mu_);
  if (usd > 0) own_.usd += usd;
  if (tokens > 0) own_.tokens += tokens;
}

void BudgetGuard::committed(double usd, int64_t tokens) {
  std::lock_guard lock(mu_);
  if (usd > 0) committed_.usd += usd;
  if (tokens > 0) committed_.tokens += tokens;
}

void BudgetGuard::share(const std::function<RunSpend()>& stored_now) {
  RunSpend mine;
  {
    std::lock_guard lock(mu_);
    mine = committed_;
  }
  const RunSpend stored = stored_now();
  std::lock_guard lock(mu_);
  others_.usd = std::max(0.0, stored.usd - mine.usd);
  others_.tokens = std::max<int64_t>(0, stored.tokens - mine.tokens);
}

bool BudgetGuard::exhausted() const {
  std::lock_guard lock(mu_);
  return (budget_.usd > 0 && others_.usd + own_.usd >= budget_.usd) ||
         (budget_.tokens > 0 && others_.tokens + own_.tokens >= budget_.tokens);
}

double BudgetGuard::spent_usd() const {
  std::lock_guard lock(mu_);
  return others_.usd + own_.usd;
}

int64_t BudgetGuard::spent_tokens() const {
  std::lock_guard lock(mu_);
  return others_.tokens + own_.tokens;
}

std::string BudgetGuard::describe() const {
  std::lock_guard lock(mu_);
  const double usd = others_.usd + own_.usd;
  const int64_t tokens = others_.tokens + own_.tokens;
  std::string out;
  if (budget_.usd > 0) out = fmt::format("spent ${:.4f} of the ${:.4f} budget", usd, budget_.usd);
  if (budget_.tokens > 0) {
    out += fmt::format("{}{} of {} budget tokens", out.empty() ? "spent " : "; ", tokens, budget_.tokens);
  }
  return out.empty() ? "no budget" : out;
}

}  // namespace rigor
