// A small deterministic PRNG for resampling (bootstrap, permutation tests).
// Own implementation rather than <random> distributions, whose output is
// implementation-defined: a report's intervals must be identical on every
// platform and standard library for the same seed.
#pragma once

#include <cstdint>

namespace rigor {

// xoshiro256** seeded through splitmix64. Not thread-safe; cheap to copy.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  // Uniform integer in [0, bound); bound must be > 0. Unbiased (rejection).
  uint64_t below(uint64_t bound);
  // Uniform bit.
  bool coin() { return (next() >> 63) != 0; }

 private:
  uint64_t s_[4];
};

}  // namespace rigor
