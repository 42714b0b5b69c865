// core/rng.h — seeding and the random generator every slaterl component draws from.
//
// Seeding contract (docs/environments.md decision E1): every random stream in a run is derived from
// the run seed and the ids of whoever owns it, with SplitMix64 (DeriveSeed), so a run is a pure
// function of its config and seed, and no two streams collide. Rng is xoshiro256++ (fast, 256-bit
// state, passes BigCrush); it is a plain value type, not thread-safe: one Rng per owner.
// Header-only so the env step loops inline every draw; nothing here allocates.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace slaterl {

// One SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Mixes a base seed with a path of ids (role, actor id, env index, stream id, ...) into one seed.
// DeriveSeed(s, {a, b}) differs from DeriveSeed(s, {b, a}) and from DeriveSeed(s, {a}).
inline uint64_t DeriveSeed(uint64_t base, std::initializer_list<uint64_t> path) {
  uint64_t state = base;
  uint64_t out = SplitMix64(state);
  for (uint64_t id : path) {
    state = out ^ (id + 0x632BE59BD9B4E019ULL);
    out = SplitMix64(state);
  }
  return out;
}

// Stable ids for the roles and streams that take part in seed derivation.
enum SeedDomain : uint64_t {
  kSeedActor = 1,
  kSeedEvaluator = 2,
  kSeedLearner = 3,
  kSeedReplay = 4,
  kSeedEnv = 5,
  kSeedPolicy = 6,
  kSeedEval = 7,
  kSeedUserStream = 11,
  kSeedDocStream = 12,
  kSeedResponseStream = 13,
  kSeedSimulatorStream = 14,  // `topics`: the one simulator stream of env i (docs/environments.md §6.9)
  kSeedEmbeddings = 15,       // `topics`: the generated item table (embeddings: generated)
  kSeedBeliefTable = 16,      // GeMS-family: the initial (scratch) item table of the beliefs
};

class Rng {
 public:
  Rng() : Rng(0) {}
  explicit Rng(uint64_t seed) { Seed(seed); }

  void Seed(uint64_t seed) {
    uint64_t sm = seed;
    for (auto& w : s_) w = SplitMix64(sm);
    has_cached_normal_ = false;
  }

  uint64_t NextU64() {
    const uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform float in [0, 1) with 24 random bits.
  float UniformFloat() { return static_cast<float>(NextU64() >> 40) * 0x1.0p-24f; }

  // Uniform integer in [0, n), n > 0, unbiased (Lemire's multiply-shift with rejection).
  uint32_t UniformInt(uint32_t n) {
    uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(NextU64() >> 32)) * n;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < n) {
      const uint32_t threshold = static_cast<uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<uint64_t>(static_cast<uint32_t>(NextU64() >> 32)) * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

  // Standard normal by the polar method, caching the second value (as numpy's legacy sampler).
  double Normal() {
    if (has_cached_normal_) {
      has_cached_normal_ = false;
      return cached_normal_;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * Uniform() - 1.0;
      x2 = 2.0 * Uniform() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    cached_normal_ = f * x1;
    has_cached_normal_ = true;
    return f * x2;
  }
  double Normal(double mean, double stddev) { return mean + stddev * Normal(); }

  bool Bernoulli(double p) { return Uniform() < p; }

  // The whole generator state (snapshots, core/state_archive.h): the 256-bit xoshiro state and the
  // cached second normal, so a restored Rng continues exactly where the saved one stood.
  struct State {
    uint64_t s[4];
    double cached_normal;
    bool has_cached_normal;
  };
  State GetState() const { return State{{s_[0], s_[1], s_[2], s_[3]}, cached_normal_, has_cached_normal_}; }
  void SetState(const State& state) {
    for (int i = 0; i < 4; ++i) s_[i] = state.s[i];
    cached_normal_ = state.cached_normal;
    has_cached_normal_ = state.has_cached_normal;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double cached_normal_ = 0.0;
  bool has_cached_normal_ = false;
};

}  // namespace slaterl
