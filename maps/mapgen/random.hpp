// Deterministic randomness: our own generator and noise, because std distributions differ
// between standard libraries and the demo city must be byte-identical everywhere.
#pragma once

#include <cmath>
#include <cstdint>

namespace citywall::mapgen {

inline std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// splitmix64 (Steele, Lea, Flood 2014): tiny state, good enough statistics for geometry.
class Random {
  public:
    explicit Random(std::uint64_t seed) : state_(seed) {}

    // An independent stream for one purpose (boundary, seeds, names...), so adding draws in one
    // stage does not shift every later stage.
    Random fork(std::uint64_t purpose) const { return Random(mix64(state_ ^ mix64(purpose))); }

    std::uint64_t next() {
        state_ += 0x9e3779b97f4a7c15ULL;
        return mix64(state_);
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double range(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }

  private:
    std::uint64_t state_;
};

// Smooth lattice value noise in [0, 1]; fbm() sums octaves for natural-looking wander.
class ValueNoise {
  public:
    explicit ValueNoise(std::uint64_t seed) : seed_(mix64(seed)) {}

    double at(double x, double y) const {
        const double fx = std::floor(x);
        const double fy = std::floor(y);
        const auto ix = static_cast<std::int64_t>(fx);
        const auto iy = static_cast<std::int64_t>(fy);
        const double tx = fade(x - fx);
        const double ty = fade(y - fy);
        const double a = lattice(ix, iy);
        const double b = lattice(ix + 1, iy);
        const double c = lattice(ix, iy + 1);
        const double d = lattice(ix + 1, iy + 1);
        const double top = a + (b - a) * tx;
        const double bottom = c + (d - c) * tx;
        return top + (bottom - top) * ty;
    }

    double fbm(double x, double y, int octaves) const {
        double sum = 0.0;
        double amplitude = 0.5;
        double norm = 0.0;
        for (int i = 0; i < octaves; ++i) {
            sum += amplitude * at(x, y);
            norm += amplitude;
            // Rotate-free octave offset avoids lattice artefacts lining up across octaves.
            x = x * 2.03 + 17.1;
            y = y * 2.03 - 9.7;
            amplitude *= 0.5;
        }
        return sum / norm;
    }

  private:
    static double fade(double t) { return t * t * t * (t * (t * 6.0 - 15.0) + 10.0); }

    double lattice(std::int64_t ix, std::int64_t iy) const {
        const std::uint64_t h =
            mix64(seed_ ^ (static_cast<std::uint64_t>(ix) * 0x9e3779b97f4a7c15ULL) ^
                  (static_cast<std::uint64_t>(iy) * 0xc2b2ae3d27d4eb4fULL));
        return static_cast<double>(h >> 11) * 0x1.0p-53;
    }

    std::uint64_t seed_;
};

}  // namespace citywall::mapgen
