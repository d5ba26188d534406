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
// philox_lanes with x86 intrinsics: the same bits.

/// philox_lanes with AVX2: as the AVX-512 version below, 4 counters per register, 8 at a time.
[[gnu::target("avx2")]] inline void philox_lanes_avx2(
    std::uint32_t first_counter, std::uint32_t stage, std::uint32_t epoch, std::uint32_t index,
    std::array<std::uint32_t, 2> key, std::uint32_t (&words)[4][bulk_lanes]) noexcept {
    const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
    const __m256i low_halves = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    for (int part = 0; part < 2; ++part) {
        const auto first = std::int64_t(first_counter) + 8 * part;
        __m256i a0 = _mm256_setr_epi64x(first, first + 1, first + 2, first + 3);
        __m256i b0 = _mm256_setr_epi64x(first + 4, first + 5, first + 6, first + 7);
        __m256i a1 = _mm256_set1_epi64x(stage), b1 = a1, a2 = _mm256_set1_epi64x(epoch), b2 = a2;
        __m256i a3 = _mm256_set1_epi64x(index), b3 = a3;
        std::array<std::uint32_t, 2> k = key;
        for (int round = 0; round < 10; ++round) {
            const __m256i k0 = _mm256_set1_epi64x(k[0]), k1 = _mm256_set1_epi64x(k[1]);
            const __m256i pa0 = _mm256_mul_epu32(a0, m0), pa1 = _mm256_mul_epu32(a2, m1);
            const __m256i pb0 = _mm256_mul_epu32(b0, m0), pb1 = _mm256_mul_epu32(b2, m1);
            a0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pa1, 32), a1), k0);
            a2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pa0, 32), a3), k1);
            b0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pb1, 32), b1), k0);
            b2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(pb0, 32), b3), k1);
            a1 = pa1;
            a3 = pa0;
            b1 = pb1;
            b3 = pb0;
            k[0] += 0x9E3779B9u;
            k[1] += 0xBB67AE85u;
        }
        const __m256i low_words[4] = {a0, a1, a2, a3}, high_words[4] = {b0, b1, b2, b3};
        for (int w = 0; w < 4; ++w) {
            const __m256i packed = _mm256_permute2x128_si256(_mm256_permutevar8x32_epi32(low_words[w], low_halves),
                                                             _mm256_permutevar8x32_epi32(high_words[w], low_halves), 0x20);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[w][8 * part]), packed);
        }
    }
}

/// philox_lanes with AVX-512F: words in the low halves of 64-bit lanes, 8 counters per register.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
// g++ 12's _mm512_undefined_epi32 reads itself to make an undefined value (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
[[gnu::target("avx512f")]] inline void philox_lanes_avx512(
    std::uint32_t first_counter, std::uint32_t stage, std::uint32_t epoch, std::uint32_t index,
    std::array<std::uint32_t, 2> key, std::uint32_t (&words)[4][bulk_lanes]) noexcept {
    // Each word sits in the low half of a 64-bit lane, 8 counters per register, two registers
    // (counters 0–7 and 8–15). A 32×32→64 multiply then yields the high half (shifted down)
    // and the low half (in place) at once; the high halves of the lanes carry garbage that no
    // multiply reads and the final narrowing drops.
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
    const __m512i lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    __m512i a0 = _mm512_add_epi64(_mm512_set1_epi64(first_counter), lanes);
    __m512i b0 = _mm512_add_epi64(_mm512_set1_epi64(first_counter + 8u), lanes);
    __m512i a1 = _mm512_set1_epi64(stage), b1 = a1, a2 = _mm512_set1_epi64(epoch), b2 = a2;
    __m512i a3 = _mm512_set1_epi64(index), b3 = a3;
    for (int round = 0; round < 10; ++round) {
        const __m512i k0 = _mm512_set1_epi64(key[0]), k1 = _mm512_set1_epi64(key[1]);
        const __m512i pa0 = _mm512_mul_epu32(a0, m0), pa1 = _mm512_mul_epu32(a2, m1);
        const __m512i pb0 = _mm512_mul_epu32(b0, m0), pb1 = _mm512_mul_epu32(b2, m1);
        a0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pa1, 32), a1, k0, 0x96);  // three-way xor
        a2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pa0, 32), a3, k1, 0x96);
        b0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pb1, 32), b1, k0, 0x96);
        b2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pb0, 32), b3, k1, 0x96);
        a1 = pa1;
        a3 = pa0;
        b1 = pb1;
        b3 = pb0;
        key[0] += 0x9E3779B9u;
        key[1] += 0xBB67AE85u;
    }
    const __m512i low_words[4] = {a0, a1, a2, a3}, high_words[4] = {b0, b1, b2, b3};
    for (int w = 0; w < 4; ++w) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[w][0]), _mm512_cvtepi64_epi32(low_words[w]));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(&words[w][8]), _mm512_cvtepi64_epi32(high_words[w]));
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif


// The Box–Muller arithmetic below fuses a·b + c explicitly with std::fma wherever it helps:
// one correctly rounded operation, so the same bits on every path (a vfmadd on x86 with FMA,
// libm's fma elsewhere), and about 40% fewer vector operations than separate products and sums.

/// ln(x) for x in (0, 1], branch-free and without division: x = m·2^e with m in [√½, √2), and
/// ln m = f·P(f), f = m − 1, P of degree 7 fitted by least squares on Chebyshev nodes
/// (largest error 7.4e-8, about one float step).
[[gnu::always_inline]] inline float log_unit(float x) noexcept {
    IAS_EXACT_FLOAT_ARITHMETIC
    const auto bits = std::bit_cast<std::uint32_t>(x);
    const bool upper = (bits & 0x7FFFFFu) > 0x3504F3u;  // mantissa above √2
    const float e = float(int(bits >> 23) - 127 + int(upper));
    const float f = std::bit_cast<float>((bits & 0x7FFFFFu) | (upper ? 0x3F000000u : 0x3F800000u)) - 1.0f;
    using std::fma;
    const float p = fma(fma(fma(fma(fma(fma(fma(-0.09913656f, f, 0.16338556f), f, -0.17363153f), f, 0.19885361f), f,
                                        -0.24957781f),
                                    f, 0.33335689f),
                                f, -0.50000697f),
                            f, 0.99999982f);
    return std::fma(e, 0.693147180559945f, f * p);
}

/// √x for x ≥ 0 by two Newton steps on 1/√x from the bit-level first guess (relative error
/// 3.4e-3, then 1.7e-5, then 5e-10 before float rounding), then x·(1/√x): products and fused
/// sums only, so it vectorises (std::sqrt's errno branch keeps loops scalar).
[[gnu::always_inline]] inline float sqrt_nonnegative(float x) noexcept {
    IAS_EXACT_FLOAT_ARITHMETIC
    float y = std::bit_cast<float>(0x5F375A86u - (std::bit_cast<std::uint32_t>(x) >> 1));
    const float half_x = 0.5f * x;
    for (int step = 0; step < 2; ++step) y = y * std::fma(-half_x * y, y, 1.5f);
    return x * y;
}

/// The Box–Muller transform of one group: words 0 and 1 give values 0..31, words 2 and 3
/// give 32..63. For each pair, u1 = ((w₀ >> 8) + 1)·2⁻²⁴ in (0, 1] sets the radius
/// r = √(−2 ln u1) (so |z| ≤ 5.77: the largest radius 24-bit uniforms reach), and
/// u2 = (w₁ >> 8)·2⁻²⁴ the angle θ = 2π·u2 − π, whose sine and cosine come from the half
/// angle φ = θ/2 in [−π/2, π/2): z₀ = r·cos θ = r − 2r·sin²φ, z₁ = r·sin θ = 2r·sin φ·cos φ.
/// sin φ and cos φ are least-squares polynomials of degree 9 and 10 on Chebyshev nodes (largest
/// error 1.7e-7, 2–3 float steps).
[[gnu::always_inline]] inline void box_muller_group(const std::uint32_t (&words)[4][bulk_lanes],
                                                    float (&out)[bulk_group]) noexcept {
    IAS_EXACT_FLOAT_ARITHMETIC
    for (int pair = 0; pair < 2; ++pair) {
        for (int lane = 0; lane < bulk_lanes; ++lane) {
            const float u1 = float((words[2 * pair][lane] >> 8) + 1u) * 0x1p-24f;
            const float radius = sqrt_nonnegative(-2.0f * log_unit(u1));
            // π·2⁻²⁴ is π's float scaled exactly: φ = π·u2 − π/2 with one rounding.
            const float phi =
                std::fma(3.14159265358979f * 0x1p-24f, float(words[2 * pair + 1][lane] >> 8), -1.57079632679490f);
            const float p2 = phi * phi;
            using std::fma;
            const float sin_phi =
                phi * fma(fma(fma(fma(2.59043009e-6f, p2, -0.000198008653f), p2, 0.00833289884f), p2, -0.166666478f), p2, 1.0f);
            const float cos_phi =
                fma(fma(fma(fma(fma(-2.60510774e-7f, p2, 2.47601347e-5f), p2, -0.00138883607f), p2, 0.0416666344f), p2, -0.5f),
                    p2, 1.0f);
            const float twice_r_sin = (radius + radius) * sin_phi;
            out[32 * pair + lane] = std::fma(-twice_r_sin, sin_phi, radius);
            out[32 * pair + 16 + lane] = twice_r_sin * cos_phi;
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
[[gnu::target("avx2,fma")]] inline void bulk_avx2(const bulk_key& k, std::uint64_t first, const bulk_task& task) noexcept {
    bulk_body<philox_lanes_avx2>(k, first, task);
}
[[gnu::target("avx512f,fma")]] inline void bulk_avx512(const bulk_key& k, std::uint64_t first,
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
    static const int level = !__builtin_cpu_supports("fma")       ? 0
                             : __builtin_cpu_supports("avx512f") ? 2
                             : __builtin_cpu_supports("avx2")    ? 1
                                                                 : 0;
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

#undef IAS_EXACT_FLOAT_ARITHMETIC
