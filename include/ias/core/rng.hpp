// SPDX-License-Identifier: MIT
// rng_stream: counter-based randomness (Philox4x32-10) and the distributions ias samples from.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "error.hpp"

namespace ias {

namespace detail {

/// One step of SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): advances `state` and returns
/// a well-mixed 64-bit value. Used to derive child streams, never as the main generator.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3",
/// SC 2011): a bijection of a 128-bit counter under a 64-bit key, ten rounds of the
/// multiply-hi-lo Feistel network with the Weyl key schedule.
constexpr std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> ctr,
                                                      std::array<std::uint32_t, 2> key) noexcept {
    constexpr std::uint64_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
    constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
    for (int round = 0; round < 10; ++round) {
        const std::uint64_t p0 = m0 * ctr[0];
        const std::uint64_t p1 = m1 * ctr[2];
        ctr = {std::uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], std::uint32_t(p1),
               std::uint32_t(p0 >> 32) ^ ctr[3] ^ key[1], std::uint32_t(p0)};
        key[0] += w0;
        key[1] += w1;
    }
    return ctr;
}

/// The 128-bit product a * b as (high, low) 64-bit halves, in portable C++.
constexpr std::pair<std::uint64_t, std::uint64_t> multiply_wide(std::uint64_t a, std::uint64_t b) noexcept {
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32, b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    return {hi_hi + (hi_lo >> 32) + (cross >> 32), (cross << 32) | (lo_lo & 0xFFFFFFFFu)};
}

}  // namespace detail

/// The only source of randomness in ias: a counter-based stream.
///
/// The Philox key is the 64-bit dataset seed; the 128-bit counter is
/// (draw, stage, epoch, sample index), one 32-bit word each. Every value a stream returns is
/// therefore a pure function of (seed, index, epoch, stage, position in the stream), so a
/// sample comes out the same whatever thread computes it and in whatever order. Each
/// pipeline stage draws from its own `fork`, so adding draws to one stage never shifts the
/// numbers another stage sees.
///
/// The distributions are implemented here, not taken from `<random>`, whose results differ
/// between standard libraries. Floating-point draws use only +, *, sqrt, log, exp, sin and cos
/// on double, so they are bit-identical across g++ and clang++ on one platform's libm.
/// All members are noexcept except the constructor, which rejects indices of 2^32 and above.
class rng_stream {
public:
    /// The stream of seed 0, index 0, epoch 0.
    constexpr rng_stream() noexcept = default;

    /// The root stream (stage 0) of sample `index` in `epoch` of the dataset `seed`.
    /// Throws std::out_of_range when `index` does not fit in 32 bits.
    constexpr rng_stream(std::uint64_t seed, std::uint64_t index, std::uint32_t epoch = 0)
        : key_{std::uint32_t(seed), std::uint32_t(seed >> 32)},
          ctr_{0, 0, epoch, std::uint32_t(index)} {
        if (index > 0xFFFFFFFFull)
            throw std::out_of_range("ias::rng_stream: sample index " + std::to_string(index) +
                                    " is too large; indices are 32-bit (at most 4294967295)");
    }

    /// An independent stream for child `k` of this stage (pipeline stage k, branch k of
    /// one_of, repetition k of repeat): same seed, index and epoch, a stage number derived
    /// from (this stage, k) by SplitMix64, and no draws consumed. It does not depend on how
    /// many values this stream has drawn.
    [[nodiscard]] constexpr rng_stream fork(std::uint32_t k) const noexcept {
        rng_stream child;
        child.key_ = key_;
        std::uint64_t state = (std::uint64_t(ctr_[1]) << 32) | k;
        child.ctr_ = {0, std::uint32_t(detail::splitmix64(state) >> 32), ctr_[2], ctr_[3]};
        return child;
    }

    [[nodiscard]] constexpr std::uint64_t seed() const noexcept {
        return std::uint64_t(key_[0]) | (std::uint64_t(key_[1]) << 32);
    }
    [[nodiscard]] constexpr std::uint32_t index() const noexcept { return ctr_[3]; }
    [[nodiscard]] constexpr std::uint32_t epoch() const noexcept { return ctr_[2]; }
    [[nodiscard]] constexpr std::uint32_t stage() const noexcept { return ctr_[1]; }

    /// 32 uniformly distributed bits.
    constexpr std::uint32_t next_u32() noexcept {
        if (used_ == 4) {
            block_ = detail::philox4x32_10(ctr_, key_);
            ++ctr_[0];
            used_ = 0;
        }
        return block_[used_++];
    }
    /// 64 uniformly distributed bits (two 32-bit draws, the first in the low half).
    constexpr std::uint64_t next_u64() noexcept {
        const std::uint64_t lo = next_u32();
        return lo | (std::uint64_t(next_u32()) << 32);
    }

    /// Uniform float in [0, 1) with 24 random bits.
    constexpr float uniform() noexcept { return float(next_u32() >> 8) * 0x1p-24f; }
    /// Uniform float in [lo, hi); returns lo when lo == hi. Precondition: lo <= hi, both finite.
    constexpr float uniform(float lo, float hi) noexcept {
        IAS_ASSERT(lo <= hi);
        const float v = lo + (hi - lo) * uniform();
        return v < hi ? v : lo;  // rounding can reach hi; keep the interval half-open
    }
    /// Uniform double in [0, 1) with 53 random bits.
    constexpr double uniform_double() noexcept { return double(next_u64() >> 11) * 0x1p-53; }

    /// Uniform integer in [lo, hi], both ends included, without modulo bias (Lemire,
    /// "Fast Random Integer Generation in an Interval", ACM TOMACS 2019). Precondition: lo <= hi.
    constexpr std::int64_t integer(std::int64_t lo, std::int64_t hi) noexcept {
        IAS_ASSERT(lo <= hi);
        const std::uint64_t span = std::uint64_t(hi) - std::uint64_t(lo);
        if (span == ~std::uint64_t{0}) return std::int64_t(next_u64());
        const std::uint64_t range = span + 1;
        if (range <= 0xFFFFFFFFull) {
            const auto r32 = std::uint32_t(range);
            std::uint64_t m = std::uint64_t(next_u32()) * r32;
            if (std::uint32_t(m) < r32) {
                const std::uint32_t threshold = std::uint32_t(-r32) % r32;
                while (std::uint32_t(m) < threshold) m = std::uint64_t(next_u32()) * r32;
            }
            return std::int64_t(std::uint64_t(lo) + (m >> 32));
        }
        auto [high, low] = detail::multiply_wide(next_u64(), range);
        if (low < range) {
            const std::uint64_t threshold = (0 - range) % range;
            while (low < threshold) std::tie(high, low) = detail::multiply_wide(next_u64(), range);
        }
        return std::int64_t(std::uint64_t(lo) + high);
    }

    /// Normal deviate by the Box–Muller transform; the second value of each pair is kept for
    /// the next call. Precondition: stddev >= 0.
    float normal(float mean = 0.0f, float stddev = 1.0f) noexcept {
        return float(mean + double(stddev) * standard_normal());
    }

    /// Gamma deviate with the given shape (k > 0) and scale (θ > 0), mean k·θ, by
    /// Marsaglia and Tsang ("A simple method for generating gamma variables", ACM TOMS 2000);
    /// shapes below 1 use the boost k → k + 1 with the factor U^(1/k).
    float gamma(float shape, float scale = 1.0f) noexcept {
        IAS_ASSERT(shape > 0.0f && scale > 0.0f);
        double k = shape, boost = 1.0;
        if (k < 1.0) {
            boost = std::pow(1.0 - uniform_double(), 1.0 / k);  // U in (0, 1]
            k += 1.0;
        }
        const double d = k - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
        for (;;) {
            const double x = standard_normal();
            double v = 1.0 + c * x;
            if (v <= 0.0) continue;
            v = v * v * v;
            const double u = 1.0 - uniform_double();  // (0, 1]
            if (u < 1.0 - 0.0331 * (x * x) * (x * x) ||
                std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v)))
                return float(d * v * boost * scale);
        }
    }

    /// True with probability p (p <= 0 never, p >= 1 always).
    constexpr bool bernoulli(double p) noexcept { return uniform_double() < p; }

    /// Index i drawn with probability weights[i] / sum(weights).
    /// Precondition: weights non-negative and finite with a positive sum.
    constexpr std::size_t choice(std::span<const float> weights) noexcept {
        double total = 0.0;
        for (const float w : weights) total += w;
        IAS_ASSERT(total > 0.0);
        const double target = uniform_double() * total;
        double cumulative = 0.0;
        std::size_t last_positive = 0;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            if (weights[i] <= 0.0f) continue;
            cumulative += weights[i];
            last_positive = i;
            if (target < cumulative) return i;
        }
        return last_positive;  // target == total after rounding
    }

    /// Uniform random permutation in place (Fisher–Yates, from the back).
    template <class T>
    constexpr void shuffle(std::span<T> values) noexcept {
        for (std::size_t i = values.size(); i > 1; --i) {
            const auto j = std::size_t(integer(0, std::int64_t(i - 1)));
            using std::swap;
            swap(values[i - 1], values[j]);
        }
    }

    friend constexpr bool operator==(const rng_stream&, const rng_stream&) = default;

private:
    double standard_normal() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = 1.0 - uniform_double();  // (0, 1], so log(u1) is finite
        const double u2 = uniform_double();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double angle = 2.0 * std::numbers::pi * u2;
        spare_ = r * std::sin(angle);
        has_spare_ = true;
        return r * std::cos(angle);
    }

    std::array<std::uint32_t, 2> key_{};
    std::array<std::uint32_t, 4> ctr_{};  // draw, stage, epoch, index
    std::array<std::uint32_t, 4> block_{};
    std::uint32_t used_ = 4;  // values of block_ already returned; 4 = none left
    bool has_spare_ = false;
    double spare_ = 0.0;
};

}  // namespace ias
