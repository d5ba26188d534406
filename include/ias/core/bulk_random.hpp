// SPDX-License-Identifier: MIT
// Bulk random numbers: millions of normal or uniform deviates, vectorised, each a pure function
// of (stream, position).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "rng.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define IAS_BULK_X86 1
#include <immintrin.h>
#endif

// Compilers contract a·b + c into one fused rounding where the target has FMA (as the AVX-512
// copy below does, and any -march with FMA), which would change the bits between copies and
// builds. Clang takes a pragma per function body; g++ an optimisation option for the region.
#if defined(__clang__)
#define IAS_EXACT_FLOAT_ARITHMETIC _Pragma("clang fp contract(off)")
#else
#define IAS_EXACT_FLOAT_ARITHMETIC
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

namespace ias {

namespace detail {

/// Bulk deviates come in groups of 64: group g runs Philox4x32-10 on the 16 counters
/// (16·g + lane, stage, epoch, index), lane = 0..15, and value `16·word + lane` of the group
/// comes from 32-bit word `word` of lane `lane`. The layout is structure-of-arrays so that
/// every step below is a loop over 16 independent lanes, which compilers turn into SIMD code.
inline constexpr int bulk_lanes = 16;
inline constexpr int bulk_group = 4 * bulk_lanes;
/// Positions of a bulk sequence: 2^32 Philox counters of four values each.
inline constexpr std::uint64_t bulk_positions = std::uint64_t{1} << 34;

/// Philox4x32-10 on 16 counters at once; `words[w][lane]` receives word w of lane `lane`.
/// The same rounds as detail::philox4x32_10, written lane-parallel.
[[gnu::always_inline]] inline void philox_lanes(std::uint32_t first_counter, std::uint32_t stage,
                                                std::uint32_t epoch, std::uint32_t index,
                                                std::array<std::uint32_t, 2> key,
                                                std::uint32_t (&words)[4][bulk_lanes]) noexcept {
    std::uint32_t c0[bulk_lanes], c1[bulk_lanes], c2[bulk_lanes], c3[bulk_lanes];
    for (int lane = 0; lane < bulk_lanes; ++lane) {
        c0[lane] = first_counter + std::uint32_t(lane);
        c1[lane] = stage;
        c2[lane] = epoch;
        c3[lane] = index;
    }
    for (int round = 0; round < 10; ++round) {
#pragma GCC unroll 1  // kept a loop for the vectoriser; unrolled, g++ leaves it scalar
        for (int lane = 0; lane < bulk_lanes; ++lane) {
            // High and low halves computed apart: the form compilers map to SIMD multiplies.
            const std::uint32_t a = c0[lane], b = c2[lane];
            const auto high0 = std::uint32_t((std::uint64_t(a) * 0xD2511F53u) >> 32);
            const auto high1 = std::uint32_t((std::uint64_t(b) * 0xCD9E8D57u) >> 32);
            c0[lane] = high1 ^ c1[lane] ^ key[0];
            c2[lane] = high0 ^ c3[lane] ^ key[1];
            c1[lane] = b * 0xCD9E8D57u;
            c3[lane] = a * 0xD2511F53u;
        }
        key[0] += 0x9E3779B9u;
        key[1] += 0xBB67AE85u;
    }
    for (int lane = 0; lane < bulk_lanes; ++lane) {
        words[0][lane] = c0[lane];
        words[1][lane] = c1[lane];
        words[2][lane] = c2[lane];
        words[3][lane] = c3[lane];
    }
}

#if IAS_BULK_X86
// philox_lanes with x86 intrinsics: the same bits. A 32-bit lane's high and low product halves
// come from two 32×32→64 multiplies (even lanes in place, odd lanes shifted down) and blends
// that put each half back in its lane.

/// philox_lanes with AVX2 (two registers of 8 lanes).
[[gnu::target("avx2")]] inline void philox_lanes_avx2(
    std::uint32_t first_counter, std::uint32_t stage, std::uint32_t epoch, std::uint32_t index,
    std::array<std::uint32_t, 2> key, std::uint32_t (&words)[4][bulk_lanes]) noexcept {
    const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
    for (int part = 0; part < 2; ++part) {
        __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32(int(first_counter + 8u * unsigned(part))),
                                      _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256i c1 = _mm256_set1_epi32(int(stage)), c2 = _mm256_set1_epi32(int(epoch));
        __m256i c3 = _mm256_set1_epi32(int(index));
        std::array<std::uint32_t, 2> k = key;
        for (int round = 0; round < 10; ++round) {
            const __m256i even0 = _mm256_mul_epu32(c0, m0), odd0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
            const __m256i even1 = _mm256_mul_epu32(c2, m1), odd1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
            const __m256i high0 = _mm256_blend_epi32(_mm256_srli_epi64(even0, 32), odd0, 0xAA);
            const __m256i high1 = _mm256_blend_epi32(_mm256_srli_epi64(even1, 32), odd1, 0xAA);
            c0 = _mm256_xor_si256(_mm256_xor_si256(high1, c1), _mm256_set1_epi32(int(k[0])));
            c2 = _mm256_xor_si256(_mm256_xor_si256(high0, c3), _mm256_set1_epi32(int(k[1])));
            c1 = _mm256_blend_epi32(even1, _mm256_slli_epi64(odd1, 32), 0xAA);
            c3 = _mm256_blend_epi32(even0, _mm256_slli_epi64(odd0, 32), 0xAA);
            k[0] += 0x9E3779B9u;
            k[1] += 0xBB67AE85u;
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[0][8 * part]), c0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[1][8 * part]), c1);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[2][8 * part]), c2);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[3][8 * part]), c3);
    }
}

/// philox_lanes with AVX-512F (one register of 16 lanes).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
// g++ 12's _mm512_undefined_epi32 reads itself to make an undefined value (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
[[gnu::target("avx512f")]] inline void philox_lanes_avx512(
    std::uint32_t first_counter, std::uint32_t stage, std::uint32_t epoch, std::uint32_t index,
    std::array<std::uint32_t, 2> key, std::uint32_t (&words)[4][bulk_lanes]) noexcept {
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
    __m512i c0 = _mm512_add_epi32(_mm512_set1_epi32(int(first_counter)),
                                  _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    __m512i c1 = _mm512_set1_epi32(int(stage)), c2 = _mm512_set1_epi32(int(epoch));
    __m512i c3 = _mm512_set1_epi32(int(index));
    for (int round = 0; round < 10; ++round) {
        const __m512i even0 = _mm512_mul_epu32(c0, m0), odd0 = _mm512_mul_epu32(_mm512_srli_epi64(c0, 32), m0);
        const __m512i even1 = _mm512_mul_epu32(c2, m1), odd1 = _mm512_mul_epu32(_mm512_srli_epi64(c2, 32), m1);
        const __m512i high0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even0, 32), odd0);
        const __m512i high1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even1, 32), odd1);
        c0 = _mm512_xor_si512(_mm512_xor_si512(high1, c1), _mm512_set1_epi32(int(key[0])));
        c2 = _mm512_xor_si512(_mm512_xor_si512(high0, c3), _mm512_set1_epi32(int(key[1])));
        c1 = _mm512_mask_blend_epi32(0xAAAA, even1, _mm512_slli_epi64(odd1, 32));
        c3 = _mm512_mask_blend_epi32(0xAAAA, even0, _mm512_slli_epi64(odd0, 32));
        key[0] += 0x9E3779B9u;
        key[1] += 0xBB67AE85u;
    }
    _mm512_storeu_si512(&words[0][0], c0);
    _mm512_storeu_si512(&words[1][0], c1);
    _mm512_storeu_si512(&words[2][0], c2);
    _mm512_storeu_si512(&words[3][0], c3);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif


/// ln(x) for x in (0, 1], branch-free and without division: x = m·2^e with m in [√½, √2), and
/// ln m = f·P(f), f = m − 1, P of degree 7 fitted by least squares on Chebyshev nodes
/// (largest error 7.4e-8 in float evaluation, about one float step).
[[gnu::always_inline]] inline float log_unit(float x) noexcept {
    IAS_EXACT_FLOAT_ARITHMETIC
    const auto bits = std::bit_cast<std::uint32_t>(x);
    const bool upper = (bits & 0x7FFFFFu) > 0x3504F3u;  // mantissa above √2
    const float e = float(int(bits >> 23) - 127 + int(upper));
    const float f = std::bit_cast<float>((bits & 0x7FFFFFu) | (upper ? 0x3F000000u : 0x3F800000u)) - 1.0f;
    const float p =
        0.99999982f +
        f * (-0.50000697f +
             f * (0.33335689f +
                  f * (-0.24957781f + f * (0.19885361f + f * (-0.17363153f + f * (0.16338556f + f * -0.09913656f))))));
    return e * 0.693147180559945f + f * p;
}

/// √x for x ≥ 0 by two Newton steps on 1/√x from the bit-level first guess (relative error
/// 3.4e-3, then 1.7e-5, then 5e-10 before float rounding), then x·(1/√x): plain multiplies,
/// so it vectorises (std::sqrt's errno branch keeps loops scalar) and gives the same bits
/// everywhere.
[[gnu::always_inline]] inline float sqrt_nonnegative(float x) noexcept {
    IAS_EXACT_FLOAT_ARITHMETIC
    float y = std::bit_cast<float>(0x5F375A86u - (std::bit_cast<std::uint32_t>(x) >> 1));
    for (int step = 0; step < 2; ++step) y = y * (1.5f - 0.5f * x * y * y);
    return x * y;
}

/// The Box–Muller transform of one group: words 0 and 1 give values 0..31, words 2 and 3
/// give 32..63. For each pair, u1 = (w₀ >> 8) + 1)·2⁻²⁴ in (0, 1] sets the radius
/// √(−2 ln u1) (so |z| ≤ 5.77: the largest radius 24-bit uniforms reach), and
/// u2 = (w₁ >> 8)·2⁻²⁴ the angle θ = 2π·u2 − π, whose sine and cosine come from the half
/// angle φ = θ/2 in [−π/2, π/2): sin θ = 2 sin φ cos φ, cos θ = cos²φ − sin²φ, with the
/// Taylor series of sin φ to φ¹¹ and cos φ to φ¹² (truncation below 6e-8).
[[gnu::always_inline]] inline void box_muller_group(const std::uint32_t (&words)[4][bulk_lanes],
                                                    float (&out)[bulk_group]) noexcept {
    IAS_EXACT_FLOAT_ARITHMETIC
    for (int pair = 0; pair < 2; ++pair) {
        for (int lane = 0; lane < bulk_lanes; ++lane) {
            const float u1 = float((words[2 * pair][lane] >> 8) + 1u) * 0x1p-24f;
            const float u2 = float(words[2 * pair + 1][lane] >> 8) * 0x1p-24f;
            const float radius = sqrt_nonnegative(-2.0f * log_unit(u1));
            const float phi = 3.14159265358979f * u2 - 1.57079632679490f, p2 = phi * phi;
            const float sin_phi =
                phi * (1.0f + p2 * (-1.0f / 6 + p2 * (1.0f / 120 + p2 * (-1.0f / 5040 + p2 * (1.0f / 362880 +
                                                                                          p2 * (-1.0f / 39916800))))));
            const float cos_phi =
                1.0f + p2 * (-0.5f + p2 * (1.0f / 24 + p2 * (-1.0f / 720 + p2 * (1.0f / 40320 + p2 * (-1.0f / 3628800 +
                                                                                                      p2 * (1.0f / 479001600))))));
            out[32 * pair + lane] = radius * (cos_phi * cos_phi - sin_phi * sin_phi);
            out[32 * pair + 16 + lane] = radius * (2.0f * sin_phi * cos_phi);
        }
    }
}

/// One bulk call: what to do with deviate z(first + i) at output position i.
struct bulk_task {
    enum kind { normal, uniform } deviates;
    float* out;
    const float* source;  ///< out[i] = source[i] + scale·z; nullptr: out[i] = offset + scale·z
    std::size_t count;
    float scale, offset;
};

/// The counter words (stage, epoch, index) and key of a stream's bulk sequence. It is the
/// sequence of a child stage of the stream, so bulk draws never overlap the stream's own.
struct bulk_key {
    std::uint32_t stage, epoch, index;
    std::array<std::uint32_t, 2> key;

    explicit bulk_key(const rng_stream& stream) noexcept
        : stage(stream.fork(0x62756C6Bu).stage()),  // "bulk"
          epoch(stream.epoch()),
          index(stream.index()),
          key{std::uint32_t(stream.seed()), std::uint32_t(stream.seed() >> 32)} {}
};

/// Runs `task` for positions first, first + 1, ...: the body shared by the dispatched copies
/// below, with the Philox implementation `philox`.
template <auto philox>
[[gnu::always_inline]] inline void bulk_body(const bulk_key& k, std::uint64_t first, const bulk_task& task) noexcept {
    IAS_EXACT_FLOAT_ARITHMETIC
    std::uint32_t words[4][bulk_lanes];
    float values[bulk_group];
    const float scale = task.scale, offset = task.offset;
    std::uint64_t position = first;
    const std::uint64_t end = first + task.count;
    while (position < end) {
        const std::uint64_t group = position / bulk_group;
        const auto skip = std::size_t(position % bulk_group);
        const auto take = std::size_t(std::min<std::uint64_t>(bulk_group - skip, end - position));
        philox(std::uint32_t(group * bulk_lanes), k.stage, k.epoch, k.index, k.key, words);
        if (task.deviates == bulk_task::uniform) {
            for (int w = 0; w < 4; ++w)
                for (int lane = 0; lane < bulk_lanes; ++lane)
                    values[bulk_lanes * w + lane] = float(words[w][lane] >> 8) * 0x1p-24f;
        } else {
            box_muller_group(words, values);
        }
        const std::size_t at = std::size_t(position - first);
        float* target = task.out + at;
        const float* z = values + skip;
        if (task.source) {
            const float* source = task.source + at;
            for (std::size_t i = 0; i < take; ++i) target[i] = source[i] + scale * z[i];
        } else {
            for (std::size_t i = 0; i < take; ++i) target[i] = offset + scale * z[i];
        }
        position += take;
    }
}

#if IAS_BULK_X86
[[gnu::target("avx2")]] inline void bulk_avx2(const bulk_key& k, std::uint64_t first, const bulk_task& task) noexcept {
    bulk_body<philox_lanes_avx2>(k, first, task);
}
[[gnu::target("avx512f")]] inline void bulk_avx512(const bulk_key& k, std::uint64_t first,
                                                   const bulk_task& task) noexcept {
    bulk_body<philox_lanes_avx512>(k, first, task);
}
#endif

inline void bulk_portable(const bulk_key& k, std::uint64_t first, const bulk_task& task) noexcept {
    bulk_body<philox_lanes>(k, first, task);
}

inline void bulk(const rng_stream& stream, std::uint64_t first, const bulk_task& task) {
    if (first > bulk_positions || task.count > bulk_positions - first)
        throw std::out_of_range("ias bulk random: positions " + std::to_string(first) + " to " +
                                std::to_string(first + task.count) +
                                " pass the end of a stream's bulk sequence (2^34 values)");
    const bulk_key k(stream);
#if IAS_BULK_X86
    // Integer Philox and element-wise IEEE float arithmetic without contraction: every copy
    // gives the same bits, so the choice by CPU never changes a result.
    static const int level = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
    if (level == 2) return bulk_avx512(k, first, task);
    if (level == 1) return bulk_avx2(k, first, task);
#endif
    bulk_portable(k, first, task);
}

}  // namespace detail

#if !defined(__clang__)
#pragma GCC pop_options
#endif

/// out[i] ← mean + stddev·z(first + i), where z(p) is the standard normal deviate at position p
/// of `stream`'s bulk sequence: a pure function of (seed, epoch, index, stage, p), so any split
/// of a long sequence into calls, threads or orders gives the same bits. Box–Muller on
/// Philox4x32-10 words, in float, vectorised (AVX2 or AVX-512 chosen at run time on x86-64;
/// every path gives the same bits). |z| ≤ 5.77 (24-bit uniforms). The bulk sequence belongs to
/// a child stage of `stream`, so it never overlaps the stream's own draws, and using it leaves
/// `stream` unchanged. Positions run to 2^34; beyond, std::out_of_range.
inline void fill_normal(const rng_stream& stream, std::uint64_t first, std::span<float> out, float mean = 0.0f,
                        float stddev = 1.0f) {
    detail::bulk(stream, first, {detail::bulk_task::normal, out.data(), nullptr, out.size(), stddev, mean});
}

/// values[i] += stddev·z(first + i), with z as in fill_normal (the same deviates).
inline void add_normal(const rng_stream& stream, std::uint64_t first, std::span<float> values, float stddev) {
    detail::bulk(stream, first, {detail::bulk_task::normal, values.data(), values.data(), values.size(), stddev, 0.0f});
}

/// out[i] = in[i] + stddev·z(first + i) in one pass (`in` and `out` may be the same span).
/// Throws std::invalid_argument when the sizes differ.
inline void add_normal(const rng_stream& stream, std::uint64_t first, std::span<const float> in, std::span<float> out,
                       float stddev) {
    if (in.size() != out.size())
        throw std::invalid_argument("ias::add_normal: in has " + std::to_string(in.size()) + " values but out has " +
                                    std::to_string(out.size()) + "; they must match");
    detail::bulk(stream, first, {detail::bulk_task::normal, out.data(), in.data(), out.size(), stddev, 0.0f});
}

/// out[i] ← u(first + i), uniform in [0, 1) with 24 random bits, from the same bulk sequence
/// of Philox words as fill_normal (so draw one kind or the other from a stream, not both).
inline void fill_uniform(const rng_stream& stream, std::uint64_t first, std::span<float> out) {
    detail::bulk(stream, first, {detail::bulk_task::uniform, out.data(), nullptr, out.size(), 1.0f, 0.0f});
}

}  // namespace ias
