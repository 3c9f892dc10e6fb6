// A small deterministic PRNG for resampling (bootstrap, permutation tests).
// Own implementation rather than <random> distributions, whose output is
// implementation-defined: a report's intervals must be identical on every
// platform and standard library for the same seed.
#pragma once

#include <cstdint>
#include <string_view>

namespace rigor {

// The splitmix64 step: advances `state` by the golden gamma and returns its
// mix. mix64(z) is the same mix of z + gamma without a state to advance: a
// bijective 64-bit finaliser for deriving seeds.
inline uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline uint64_t splitmix64(uint64_t& state) {
  const uint64_t z = mix64(state);
  state += 0x9e3779b97f4a7c15ULL;
  return z;
}

// FNV-1a over bytes: a stable hash of a name, to be mixed before use as a seed.
inline uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// One step of xoshiro256** on its four words of state.
inline uint64_t xoshiro256ss_next(uint64_t (&s)[4]) {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

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
