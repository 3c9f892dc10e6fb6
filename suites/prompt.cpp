// Prompt templates. Changing any text here changes what models see: bump the
// template id (suite.template_id) so runs with different prompts never compare.
#include <stdexcept>

#include <fmt/format.h>

#include "suites/registry.h"

namespace rigor {
namespace {

constexpr char kBoxedInstruction[] =
    "\nPlease reason step by step, and put your final answer within \\boxed{}.";
constexpr char kLetterInstruction[] =
    "Please reason step by step, then end your response with a final line of the form "
    "\"Answer: LETTER\", where LETTER is one of A, B, C or D.";

std::vector<int> shuffled_order(size_t n, uint64_t seed) {
  std::vector<int> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<int>(i);
  uint64_t state = seed;
  for (size_t i = n; i > 1; --i) {
    // Modulo bias is below 2^-60 for n <= 4: irrelevant.
    size_t j = splitmix64(state) % i;
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

PromptedSample letter_prompt(const Problem& p, uint64_t seed) {
  if (p.choices.size() != 4) {
    throw std::invalid_argument(fmt::format("problem {}: GPQA needs 4 choices, has {}", p.id,
                                            p.choices.size()));
  }
  PromptedSample out;
  out.permutation = shuffled_order(p.choices.size(), seed);
  std::string text = p.statement + "\n\n";
  for (size_t pos = 0; pos < out.permutation.size(); ++pos) {
    char letter = static_cast<char>('A' + pos);
    text += fmt::format("{}) {}\n", letter, p.choices[out.permutation[pos]]);
    if (out.permutation[pos] == 0) out.gold = std::string(1, letter);
  }
  text += "\n";
  text += kLetterInstruction;
  out.user_message = std::move(text);
  return out;
}

}  // namespace

PromptedSample make_prompt(const Suite& suite, const Problem& p, uint64_t sample_seed) {
  if (suite.template_id == "r1-boxed-v1") {
    return PromptedSample{p.statement + kBoxedInstruction, p.gold, {}};
  }
  if (suite.template_id == "gpqa-letter-v1") return letter_prompt(p, sample_seed);
  // Code suites (code-humaneval-v1, code-lcb-v1) build the whole user turn at load time.
  if (suite.template_id.rfind("code-", 0) == 0) return PromptedSample{p.statement, p.gold, {}};
  throw std::invalid_argument(
      fmt::format("suite {}: unknown prompt template \"{}\"", suite.name, suite.template_id));
}

}  // namespace rigor
