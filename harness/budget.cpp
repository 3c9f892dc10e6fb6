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
    : budget_(budget), usd_(std::max(0.0, spent_usd)), tokens_(std::max<int64_t>(0, spent_tokens)) {}

void BudgetGuard::add(double usd, int64_t tokens) {
  std::lock_guard lock(mu_);
  if (usd > 0) usd_ += usd;
  if (tokens > 0) tokens_ += tokens;
}

bool BudgetGuard::exhausted() const {
  std::lock_guard lock(mu_);
  return (budget_.usd > 0 && usd_ >= budget_.usd) || (budget_.tokens > 0 && tokens_ >= budget_.tokens);
}

double BudgetGuard::spent_usd() const {
  std::lock_guard lock(mu_);
  return usd_;
}

int64_t BudgetGuard::spent_tokens() const {
  std::lock_guard lock(mu_);
  return tokens_;
}

std::string BudgetGuard::describe() const {
  std::lock_guard lock(mu_);
  std::string out;
  if (budget_.usd > 0) out = fmt::format("spent ${:.4f} of the ${:.4f} budget", usd_, budget_.usd);
  if (budget_.tokens > 0) {
    out += fmt::format("{}{} of {} budget tokens", out.empty() ? "spent " : "; ", tokens_, budget_.tokens);
  }
  return out.empty() ? "no budget" : out;
}

}  // namespace rigor
