// The simulator's own random numbers. std:: distributions are not used on
// purpose: their output differs between standard library versions, and a
// simulated response must be the same bytes everywhere for the same inputs.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "base/rng.h"

namespace rigor::sim {

// The mixing and hashing of base/rng.h, under the names the simulator uses.
using rigor::mix64;
inline uint64_t hash_bytes(std::string_view s) { return fnv1a64(s); }

// Combines a running key with one more value.
inline uint64_t combine(uint64_t key, uint64_t value) { return mix64(key ^ mix64(value)); }
inline uint64_t combine(uint64_t key, std::string_view tag) { return combine(key, hash_bytes(tag)); }

// xoshiro256** seeded through splitmix64. Not thread-safe; cheap to create.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      s = mix64(seed);
    }
  }

  uint64_t next() { return xoshiro256ss_next(s_); }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the tiny bias
  // is irrelevant for text generation and identical on every platform).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }

  // Standard normal by Box-Muller (one value per call, so the sequence does
  // not depend on hidden cached state).
  double normal() {
    double u1 = uniform();
    double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t s_[4];
};

}  // namespace rigor::sim
