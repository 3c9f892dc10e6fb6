// Suites: problems, their provenance, and the prompt each sample is sent.
// Pure library: no network, nothing from harness/ or reports/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/rng.h"

namespace rigor {

struct Problem {
  std::string id;                    // stable within the suite ("aime24/60", "test/algebra/1.json")
  std::string statement;             // the problem text as given to the model
  std::string gold;                  // reference answer (GPQA: the correct choice's text)
  std::vector<std::string> choices;  // GPQA: correct first, then the three incorrect ones
  nlohmann::json meta = nlohmann::json::object();  // level, subject, entry_point, tests...
};

struct Suite {
  std::string name;          // "aime24", "math500", "gpqa-diamond"
  std::string scorer;        // scorer name: "aime", "math", "gpqa", ...
  std::string source;        // provenance: where the data came from
  std::string data_hash;     // SHA-256 of the data file's bytes, hex
  std::string template_id;   // names the prompt template, for comparability checks
  std::vector<Problem> problems;
};

// What one sample sends, and what it must be scored against.
struct PromptedSample {
  std::string user_message;  // the full user turn
  std::string gold;          // the reference for this sample (GPQA: the correct letter)
  std::vector<int> permutation;  // GPQA: displayed position -> index into Problem::choices
};

}  // namespace rigor

namespace rigor {

// The per-sample seed: a pure function of (run seed, suite, problem, sample).
// It is sent as the request's `seed`, shuffles GPQA choices, and is all the
// simulator needs to reproduce a sample, whatever the arrival order.
inline uint64_t sample_seed(uint64_t run_seed, std::string_view suite,
                            std::string_view problem_id, int sample_idx) {
  uint64_t h = mix64(run_seed);
  h = mix64(h ^ fnv1a64(suite));
  h = mix64(h ^ fnv1a64(problem_id));
  h = mix64(h ^ static_cast<uint64_t>(sample_idx));
  // Keep it within 2^53 so JSON consumers that use doubles read it exactly.
  return h & ((1ULL << 53) - 1);
}

}  // namespace rigor
