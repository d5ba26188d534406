// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4) of bytes in memory: the content digests a dataset records for its inputs and files.
//
// A dataset names every file it reads or writes by size and SHA-256, so `--resume` can tell
// a finished sample from a damaged one and a changed input from the one a dataset was made
// from, and a user can check any file with `sha256sum`. Plain, portable C++ (no intrinsics).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace ias {

/// An incremental SHA-256: `update` with the bytes in any number of pieces, then `digest`.
/// The result depends only on the concatenated bytes (FIPS 180-4, section 6.2).
class sha256_hasher {
public:
    /// Adds `bytes` to the message.
    void update(std::span<const std::uint8_t> bytes) noexcept {
        if (bytes.empty()) return;  // its data() may be null, which memcpy must not see
        length_ += bytes.size();
        std::size_t at = 0;
        if (buffered_ != 0) {
            const std::size_t take = std::min(bytes.size(), block_.size() - buffered_);
            std::memcpy(block_.data() + buffered_, bytes.data(), take);
            buffered_ += take;
            at = take;
            if (buffered_ < block_.size()) return;
            compress(block_.data());
            buffered_ = 0;
        }
        for (; bytes.size() - at >= block_.size(); at += block_.size()) compress(bytes.data() + at);
        if (at < bytes.size()) std::memcpy(block_.data(), bytes.data() + at, bytes.size() - at);
        buffered_ = bytes.size() - at;
    }
    void update(std::string_view text) noexcept {
        update(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }

    /// The 32-byte digest of everything added so far. The hasher is left finished: add no more.
    [[nodiscard]] std::array<std::uint8_t, 32> digest() noexcept {
        const std::uint64_t bits = length_ * 8;
        static constexpr std::uint8_t padding[64] = {0x80};
        update(std::span(padding, 1 + (119 - buffered_) % 64));  // to 56 bytes mod 64
        std::uint8_t tail[8];
        for (int i = 0; i < 8; ++i) tail[i] = std::uint8_t(bits >> (56 - 8 * i));
        update(std::span<const std::uint8_t>(tail, 8));
        std::array<std::uint8_t, 32> out{};
        for (std::size_t i = 0; i < 32; ++i) out[i] = std::uint8_t(state_[i / 4] >> (24 - 8 * (i % 4)));
        return out;
    }

private:
    static constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept { return (x >> n) | (x << (32 - n)); }

    void compress(const std::uint8_t* p) noexcept {
        static constexpr std::uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
        std::uint32_t w[64];
        for (int t = 0; t < 16; ++t)
            w[t] = std::uint32_t(p[4 * t]) << 24 | std::uint32_t(p[4 * t + 1]) << 16 | std::uint32_t(p[4 * t + 2]) << 8 | p[4 * t + 3];
        for (int t = 16; t < 64; ++t) {
            const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4], f = state_[5], g = state_[6],
                      h = state_[7];
        for (int t = 0; t < 64; ++t) {
            const std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
            const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state_[0] += a;
        state_[1] += b;
        state_[2] += c;
        state_[3] += d;
        state_[4] += e;
        state_[5] += f;
        state_[6] += g;
        state_[7] += h;
    }

    std::array<std::uint32_t, 8> state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::array<std::uint8_t, 64> block_{};
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;
};

/// The SHA-256 of `bytes` as 64 lower-case hex digits, as `sha256sum` prints it.
inline std::string sha256_hex(std::span<const std::uint8_t> bytes) {
    sha256_hasher hasher;
    hasher.update(bytes);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(64);
    for (const std::uint8_t byte : hasher.digest()) {
        hex += digits[byte >> 4];
        hex += digits[byte & 15u];
    }
    return hex;
}
inline std::string sha256_hex(std::string_view text) {
    return sha256_hex(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace ias
