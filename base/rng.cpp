#include "base/rng.h"

#include <stdexcept>

namespace rigor {

Rng::Rng(uint64_t seed) {
  // splitmix64 never yields an all-zero state from four consecutive outputs,
  // which xoshiro requires.
  uint64_t st = seed;
  for (auto& w : s_) w = splitmix64(st);
}

uint64_t Rng::next() { return xoshiro256ss_next(s_); }

uint64_t Rng::below(uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Rng::below: bound must be > 0");
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound + 1) % bound;
  uint64_t x;
  do {
    x = next();
  } while (x > limit);
  return x % bound;
}

}  // namespace rigor
