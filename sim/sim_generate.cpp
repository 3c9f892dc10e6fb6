#include "sim/sim_generate.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/sim_answers.h"
#include "sim/sim_rng.h"

namespace rigor {
namespace {

using sim::combine;

// Reasoning and answer words. No digits and no "answer": nothing in them may
// look like an extractable answer to a scorer.
constexpr std::string_view kWords[] = {
    "the",      "problem",  "asks",      "for",        "we",        "need",      "to",         "find",
    "so",       "this",     "means",     "that",       "if",        "then",      "check",      "again",
    "maybe",    "another",  "approach",  "compute",    "value",     "expression", "equation", "both",
    "sides",    "gives",    "hence",     "therefore",  "substitute", "simplify", "term",       "factor",
    "sum",      "product",  "case",      "condition",  "works",     "verify",    "result",     "careful",
    "here",     "notice",   "symmetry",  "using",      "identity",  "and",       "of",         "is",
    "a",        "with",     "it",        "on",         "each",      "side",      "square",     "root",
    "terms",    "counting", "possible",  "cases",      "consider",  "smaller",   "larger",     "first",
};
constexpr std::string_view kOpeners[] = {"Wait,", "Hmm,", "So", "Let", "Now", "Alternatively,", "Then", "Okay,"};
// One sentence, repeated as needed to pad the answer part to its length.
constexpr std::string_view kSummary[] = {"Combining", "the",   "steps", "above", "and",        "checking", "each",
                                         "case",      "again", "gives", "a",     "consistent", "result."};

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

int64_t sample_length(const LengthDist& d, sim::Rng& rng) {
  // Lognormal with the given mean and sd of the distribution itself.
  double var = d.sd * d.sd;
  double sigma2 = std::log1p(var / (d.mean * d.mean));
  double mu = std::log(d.mean) - sigma2 / 2;
  double x = std::exp(mu + std::sqrt(sigma2) * rng.normal());
  auto n = static_cast<int64_t>(std::llround(std::min(x, 1e12)));
  return std::clamp(n, d.min, d.max);
}

struct Token {
  std::string text;  // includes the separator before it
  bool reasoning;
};

// Appends `n` reasoning words in sentences and paragraphs.
void add_reasoning(std::vector<Token>& out, int64_t n, sim::Rng& rng) {
  int64_t sentence_left = 0;
  int sentences = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::string text;
    if (sentence_left == 0) {
      sentence_left = 6 + static_cast<int64_t>(rng.below(11));
      if (i > 0) text = (++sentences % 5 == 0) ? "\n\n" : " ";
      text += kOpeners[rng.below(std::size(kOpeners))];
    } else {
      text = " ";
      text += kWords[rng.below(std::size(kWords))];
    }
    if (--sentence_left == 0 || i + 1 == n) text += '.';
    out.push_back({std::move(text), true});
  }
}

// Appends the words of `sentence` as answer tokens.
void add_words(std::vector<Token>& out, std::string_view sentence) {
  size_t pos = 0;
  while (pos < sentence.size()) {
    size_t end = std::min(sentence.find(' ', pos), sentence.size());
    if (end > pos) {
      std::string text = out.empty() ? "" : " ";
      text += sentence.substr(pos, end - pos);
      out.push_back({std::move(text), false});
    }
    pos = end + 1;
  }
}

// Text that must arrive exactly as written (code): each token is a word with
// the whitespace before it, so the stream concatenates to `text` and the
// token count is its word count.
void add_verbatim(std::vector<Token>& out, std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t word = pos;
    while (word < text.size() && space(text[word])) ++word;
    size_t end = word;
    while (end < text.size() && !space(text[end])) ++end;
    if (end == word) {  // trailing whitespace: to the last token
      if (!out.empty()) out.back().text += std::string(text.substr(pos));
      break;
    }
    out.push_back({std::string(text.substr(pos, end - pos)), false});
    pos = end;
  }
}

}  // namespace

int64_t count_words(std::string_view text) {
  int64_t n = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

SimModel::SimModel(SimProfile profile, std::shared_ptr<const SimIndex> index, uint64_t server_seed,
                   std::shared_ptr<const SimModel> route_target)
    : profile_(std::move(profile)),
      index_(index ? std::move(index) : std::make_shared<SimIndex>()),
      server_seed_(server_seed),
      profile_key_(sim::hash_bytes(profile_.name)),
      route_target_(std::move(route_target)) {
  if (!profile_.route_to.empty() && (!route_target_ || route_target_->profile().name != profile_.route_to))
    throw std::invalid_argument(fmt::format("simulator: profile {} routes to {}, which was not given", profile_.name,
                                            profile_.route_to));
  if (!profile_.tokenizer.empty()) {
    tokenizer_ = bundled_fingerprint_cards().family(profile_.tokenizer);
    if (!tokenizer_)
      throw std::invalid_argument(fmt::format("simulator: profile {}: tokenizer {} is not on the fingerprint cards",
                                              profile_.name, profile_.tokenizer));
  }
  const double slope = profile_.difficulty_slope;
  const double keep = 1.0 - profile_.no_answer_prob;
  for (const std::string& suite : index_->suite_names()) {
    const auto& diffs = index_->difficulties(suite);
    auto it = profile_.accuracy.find(suite);
    double target = it == profile_.accuracy.end() ? profile_.accuracy_default : it->second;
    auto mean_p = [&](double a) {
      double s = 0;
      for (double d : diffs) s += logistic(slope * (a - d));
      return diffs.empty() ? 0.0 : keep * s / static_cast<double>(diffs.size());
    };
    // mean_p is increasing in the ability; bisect. Unreachable targets clamp.
    double lo = -kMaxAbility, hi = kMaxAbility;
    for (int iter = 0; iter < 200; ++iter) {
      double mid = (lo + hi) / 2;
      (mean_p(mid) < target ? lo : hi) = mid;
    }
    abilities_.emplace_back(suite, (lo + hi) / 2);
  }
}

double SimModel::ability(const std::string& suite) const {
  for (const auto& [name, a] : abilities_)
    if (name == suite) return a;
  throw std::invalid_argument(fmt::format("simulator: suite {} is not indexed", suite));
}

double SimModel::p_correct(const SimProblem& p) const {
  return logistic(profile_.difficulty_slope * (ability(p.suite) - p.difficulty)) * (1.0 - profile_.no_answer_prob);
}

SimScript SimModel::generate(std::string_view prompt, uint64_t seed, std::optional<int64_t> max_tokens) const {
  return generate(prompt, count_words(prompt), seed, max_tokens);
}

SimScript SimModel::generate(std::string_view prompt, int64_t prompt_tokens, uint64_t seed,
                             std::optional<int64_t> max_tokens) const {
  const uint64_t req = combine(combine(server_seed_, sim::hash_bytes(prompt)), seed);
  if (route_target_ && sim::Rng(combine(req, "route")).uniform() < profile_.route_fraction)
    return route_target_->generate(prompt, prompt_tokens, seed, max_tokens);

  SimScript script;
  script.answered_by = profile_.name;
  script.prompt_tokens = prompt_tokens;
  if (tokenizer_) {
    const FingerprintCards& cards = bundled_fingerprint_cards();
    if (auto probe = match_probe_prompt(cards, prompt)) {
      script.probe = true;
      script.prompt_tokens = prompt_tokens - count_words(prompt) + kSimTemplateTokens + count_words(cards.lead) +
                             count_words(cards.tail) + probe->k * tokenizer_->counts.at(probe->unit->id);
    }
  }
  if (profile_.usage == UsageReport::kEstimated) {
    // A proxy's rule of thumb: four characters (code points) a token.
    const auto chars = std::count_if(prompt.begin(), prompt.end(), [](char c) { return (c & 0xC0) != 0x80; });
    script.prompt_tokens = prompt_tokens - count_words(prompt) + (chars + 3) / 4;
  }
  // Correctness ignores the profile name: profiles see common random numbers,
  // so a weaker model's solved set is (mostly) inside a stronger one's.
  sim::Rng correct_rng(combine(req, "correct"));
  const uint64_t key = combine(req, profile_key_);
  sim::Rng answer_rng(combine(key, "answer"));
  sim::Rng length_rng(combine(key, "length"));
  sim::Rng text_rng(combine(key, "text"));

  script.problem = index_->find(prompt);
  std::string final_sentence;
  if (script.problem) {
    const SimProblem& p = *script.problem;
    double u = correct_rng.uniform();
    double p_solve = logistic(profile_.difficulty_slope * (ability(p.suite) - p.difficulty));
    script.answered = answer_rng.uniform() >= profile_.no_answer_prob;
    script.correct = script.answered && u < p_solve;
    if (!script.answered) {
      final_sentence = "I was not able to reach a definitive conclusion.";
    } else {
      const std::string letter = correct_letter(p, prompt);
      if (!p.code_right.empty()) {
        final_sentence = "```python\n" + (script.correct ? p.code_right : p.code_wrong) + "\n```";
      } else if (!letter.empty()) {
        // Another letter when wrong, uniformly among the three.
        const char other = static_cast<char>('A' + answer_rng.below(3));
        script.answer = script.correct ? letter : std::string(1, other >= letter[0] ? other + 1 : other);
        final_sentence = "Answer: " + script.answer;
      } else if (script.correct) {
        script.answer = answer_rng.uniform() < profile_.equivalent_form_prob
                            ? sim::equivalent_form(p.gold, p.integer_answer, answer_rng)
                            : p.gold;
      } else {
        script.answer = sim::wrong_answer(p.gold, p.integer_answer, index_->golds(p.suite), answer_rng);
      }
      if (p.code_right.empty() && letter.empty()) final_sentence = "The final answer is \\boxed{" + script.answer + "}.";
    }
  } else {
    script.answered = false;
    final_sentence = "This response was generated by the rigor simulator.";
  }

  const int64_t n_reasoning = sample_length(profile_.reasoning_tokens, length_rng);
  const int64_t n_answer = sample_length(profile_.answer_tokens, length_rng);
  const bool tags = profile_.reasoning == ReasoningDelivery::kThinkTags;

  std::vector<Token> tokens;
  tokens.reserve(static_cast<size_t>(n_reasoning + n_answer + 4));
  if (tags) tokens.push_back({"<think>", true});
  {
    std::vector<Token> r;
    add_reasoning(r, n_reasoning, text_rng);
    if (tags && !r.empty()) r.front().text = "\n" + r.front().text;
    for (auto& t : r) tokens.push_back(std::move(t));
  }
  if (tags) tokens.push_back({"\n</think>", true});
  {
    std::vector<Token> a;
    int64_t final_words = count_words(final_sentence);
    for (int64_t i = 0; i + final_words < n_answer; ++i) {
      std::string text = (i == 0) ? "" : " ";
      text += kSummary[static_cast<size_t>(i) % std::size(kSummary)];
      if (i + final_words + 1 == n_answer && text.back() != '.') text += '.';
      a.push_back({std::move(text), false});
    }
    if (script.problem && !script.problem->code_right.empty()) {
      add_verbatim(a, (a.empty() ? "" : "\n\n") + final_sentence);  // the block on lines of its own
    } else {
      add_words(a, final_sentence);
    }
    if (tags) a.front().text = "\n\n" + a.front().text;
    for (auto& t : a) tokens.push_back(std::move(t));
  }

  script.finish_reason = "stop";
  if (max_tokens && static_cast<int64_t>(tokens.size()) > *max_tokens) {
    tokens.resize(static_cast<size_t>(std::max<int64_t>(*max_tokens, 0)));
    script.finish_reason = "length";
  }

  // Chunks never mix the reasoning field with content; with think_tags all is content.
  const auto per_chunk = static_cast<int>(profile_.tokens_per_chunk);
  for (const Token& t : tokens) {
    bool field_reasoning = t.reasoning && !tags;
    if (script.chunks.empty() || script.chunks.back().tokens >= per_chunk ||
        script.chunks.back().reasoning != field_reasoning) {
      script.chunks.push_back({std::string(), field_reasoning, 0});
    }
    script.chunks.back().text += t.text;
    script.chunks.back().tokens += 1;
    script.completion_tokens += 1;
    if (t.reasoning) script.reasoning_tokens += 1;
  }
  return script;
}

const char* to_string(FaultKind k) {
  switch (k) {
    case FaultKind::kNone: return "none";
    case FaultKind::k429: return "429";
    case FaultKind::k500: return "500";
    case FaultKind::kCut: return "cut";
    case FaultKind::kStall: return "stall";
    case FaultKind::kMalformed: return "malformed";
  }
  return "?";
}

uint64_t request_key(const SimProfile& profile, uint64_t server_seed, std::string_view prompt, uint64_t seed) {
  return combine(combine(combine(server_seed, sim::hash_bytes(prompt)), seed), sim::hash_bytes(profile.name));
}

SimFault decide_fault(const SimProfile& profile, uint64_t server_seed, std::string_view prompt, uint64_t seed,
                      int attempt, size_t n_chunks) {
  SimFault fault;
  const SimFaults& f = profile.faults;
  if (!f.any() || attempt >= f.fault_attempts) return fault;
  sim::Rng rng(combine(combine(request_key(profile, server_seed, prompt, seed), "fault"), static_cast<uint64_t>(attempt)));
  double u = rng.uniform();
  const std::pair<double, FaultKind> table[] = {{f.rate_429, FaultKind::k429},
                                                {f.rate_500, FaultKind::k500},
                                                {f.rate_cut, FaultKind::kCut},
                                                {f.rate_stall, FaultKind::kStall},
                                                {f.rate_malformed, FaultKind::kMalformed}};
  for (const auto& [rate, kind] : table) {
    if (u < rate) {
      fault.kind = kind;
      break;
    }
    u -= rate;
  }
  fault.at_chunk = n_chunks == 0 ? 0 : static_cast<size_t>(rng.below(n_chunks));
  return fault;
}

}  // namespace rigor
