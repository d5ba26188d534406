// SPDX-License-Identifier: MIT
// Evaluation metrics (AUROC, AP, AUPRO) against hand-computed values and brute-force
// definitions, and the score-map readers, writer and folder matching.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <ias/core/rng.hpp>
#include <ias/eval/metrics.hpp>
#include <ias/eval/score_maps.hpp>
#include <ias/io/stb.hpp>

#include "thrown_message.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using ias::image;

using ias_test::thrown_message;

namespace {

using bytes_t = std::vector<std::uint8_t>;

/// A fresh, empty folder for one test case, removed when the test case ends.
struct scratch_dir {
    fs::path path;
    explicit scratch_dir(const std::string& name) : path(fs::temp_directory_path() / ("ias_eval_test_" + name)) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~scratch_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
};

void write_bytes(const fs::path& p, const bytes_t& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void append(bytes_t& out, std::string_view s) {
    for (const char c : s) out.push_back(std::uint8_t(c));  // (vector::insert trips a false g++ -O3 warning)
}

void append_float(bytes_t& out, float v, bool big_endian) {
    const auto bits = std::bit_cast<std::uint32_t>(v);
    for (int k = 0; k < 4; ++k) out.push_back(std::uint8_t(bits >> (big_endian ? 24 - 8 * k : 8 * k)));
}
void append_double(bytes_t& out, double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    for (int k = 0; k < 8; ++k) out.push_back(std::uint8_t(bits >> (8 * k)));
}

/// An .npy file: magic, version `major`.0, the header `dict` padded with spaces and a newline
/// to a multiple of 16 bytes, then `data`.
bytes_t npy_file(int major, std::string dict, const bytes_t& data) {
    const std::size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + dict.size() + 1) % 16 != 0) dict += ' ';
    dict += '\n';
    bytes_t out;
    append(out, "\x93NUMPY");
    out.push_back(std::uint8_t(major));
    out.push_back(0);
    for (std::size_t k = 0; k < prefix - 8; ++k) out.push_back(std::uint8_t(dict.size() >> (8 * k)));
    append(out, dict);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

// A 16-bit greyscale PNG writer for the tests (stb_image_write writes only 8 bits): one IDAT
// chunk holding a zlib stream of stored (uncompressed) deflate blocks, every row filter 0.
std::uint32_t png_crc(const bytes_t& data) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const std::uint8_t byte : data) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
}
void append_be32(bytes_t& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::uint8_t(v >> shift));
}
void append_chunk(bytes_t& out, std::string_view type, const bytes_t& payload) {
    append_be32(out, std::uint32_t(payload.size()));
    bytes_t typed;
    append(typed, type);
    typed.insert(typed.end(), payload.begin(), payload.end());
    out.insert(out.end(), typed.begin(), typed.end());
    append_be32(out, png_crc(typed));
}
bytes_t png16_grey(int width, int height, const std::vector<std::uint16_t>& values) {
    bytes_t scanlines;
    for (int y = 0; y < height; ++y) {
        scanlines.push_back(0);
        for (int x = 0; x < width; ++x) {
            const std::uint16_t v = values[std::size_t(y) * std::size_t(width) + std::size_t(x)];
            scanlines.push_back(std::uint8_t(v >> 8));
            scanlines.push_back(std::uint8_t(v & 0xFF));
        }
    }
    bytes_t zlib{0x78, 0x01};
    std::size_t done = 0;
    do {
        const std::size_t n = std::min<std::size_t>(0xFFFF, scanlines.size() - done);
        const bool last = done + n == scanlines.size();
        zlib.push_back(last ? 1 : 0);  // BFINAL, BTYPE 00 = stored
        zlib.push_back(std::uint8_t(n & 0xFF));
        zlib.push_back(std::uint8_t(n >> 8));
        zlib.push_back(std::uint8_t(~n & 0xFF));
        zlib.push_back(std::uint8_t((~n >> 8) & 0xFF));
        zlib.insert(zlib.end(), scanlines.begin() + std::ptrdiff_t(done), scanlines.begin() + std::ptrdiff_t(done + n));
        done += n;
    } while (done < scanlines.size());
    std::uint32_t s1 = 1, s2 = 0;  // Adler-32
    for (const std::uint8_t byte : scanlines) {
        s1 = (s1 + byte) % 65521u;
        s2 = (s2 + s1) % 65521u;
    }
    append_be32(zlib, (s2 << 16) | s1);
    bytes_t png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    bytes_t header;
    append_be32(header, std::uint32_t(width));
    append_be32(header, std::uint32_t(height));
    header.insert(header.end(), {16, 0, 0, 0, 0});  // bit depth 16, colour type 0 (grey), no interlace
    append_chunk(png, "IHDR", header);
    append_chunk(png, "IDAT", zlib);
    append_chunk(png, "IEND", {});
    return png;
}

/// A one-channel float image from rows of values.
image<float> float_map(const std::vector<std::vector<float>>& rows) {
    image<float> im(int(rows[0].size()), int(rows.size()), 1);
    for (std::size_t y = 0; y < rows.size(); ++y)
        for (std::size_t x = 0; x < rows[y].size(); ++x) im(int(x), int(y)) = rows[y][x];
    return im;
}
image<std::uint8_t> byte_mask(const std::vector<std::vector<int>>& rows) {
    image<std::uint8_t> im(int(rows[0].size()), int(rows.size()), 1);
    for (std::size_t y = 0; y < rows.size(); ++y)
        for (std::size_t x = 0; x < rows[y].size(); ++x) im(int(x), int(y)) = std::uint8_t(rows[y][x]);
    return im;
}

double aupro_of(const std::vector<image<float>>& maps, const std::vector<image<std::uint8_t>>& masks,
                double limit = 0.3) {
    return ias::eval::aupro(std::span<const image<float>>(maps), std::span<const image<std::uint8_t>>(masks), limit);
}

// ---- brute-force references: straight from the definitions, quadratic cost ----

double brute_auroc(const std::vector<float>& s, const std::vector<std::uint8_t>& l) {
    double wins = 0, pairs = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        for (std::size_t j = 0; j < s.size(); ++j)
            if (l[i] && !l[j]) {
                pairs += 1;
                wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
            }
    return wins / pairs;
}

double brute_ap(const std::vector<float>& s, const std::vector<std::uint8_t>& l) {
    std::set<float, std::greater<float>> thresholds(s.begin(), s.end());
    double positives = 0;
    for (auto v : l) positives += v != 0;
    double ap = 0, previous_recall = 0;
    for (const float t : thresholds) {
        double tp = 0, fp = 0;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i] >= t) (l[i] ? tp : fp) += 1;
        const double recall = tp / positives;
        ap += (recall - previous_recall) * (tp / (tp + fp));
        previous_recall = recall;
    }
    return ap;
}

/// 8-connected region labels by repeated minimum propagation (not union-find, unlike the
/// library): -1 for normal pixels, else a label shared by exactly the pixels of one region.
std::vector<int> brute_regions(const image<std::uint8_t>& mask) {
    const int w = mask.width(), h = mask.height();
    std::vector<int> label(std::size_t(w * h), -1);
    for (int i = 0; i < w * h; ++i)
        if (mask.data()[i]) label[std::size_t(i)] = i;
    for (bool changed = true; changed;) {
        changed = false;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                int& own = label[std::size_t(y * w + x)];
                if (own < 0) continue;
                for (int dy = -1; dy <= 1; ++dy)
                    for (int dx = -1; dx <= 1; ++dx) {
                        const int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        const int other = label[std::size_t(ny * w + nx)];
                        if (other >= 0 && other < own) own = other, changed = true;
                    }
            }
    }
    return label;
}

double brute_aupro(const std::vector<image<float>>& maps, const std::vector<image<std::uint8_t>>& masks, double limit) {
    struct region {
        std::vector<float> scores;
    };
    std::vector<region> regions;
    std::vector<float> normal;
    std::set<float, std::greater<float>> thresholds;
    for (std::size_t i = 0; i < maps.size(); ++i) {
        const auto label = brute_regions(masks[i]);
        std::vector<int> seen;
        std::vector<std::size_t> index_of;
        for (std::size_t p = 0; p < label.size(); ++p) {
            const float s = maps[i].data()[p];
            thresholds.insert(s);
            if (label[p] < 0) {
                normal.push_back(s);
                continue;
            }
            const auto it = std::find(seen.begin(), seen.end(), label[p]);
            if (it == seen.end()) {
                seen.push_back(label[p]);
                index_of.push_back(regions.size());
                regions.emplace_back();
                regions.back().scores.push_back(s);
            } else {
                regions[index_of[std::size_t(it - seen.begin())]].scores.push_back(s);
            }
        }
    }
    std::vector<double> fpr{0.0}, pro{0.0};
    for (const float t : thresholds) {
        double fp = 0;
        for (const float s : normal) fp += s >= t;
        double overlap = 0;
        for (const auto& r : regions) {
            double covered = 0;
            for (const float s : r.scores) covered += s >= t;
            overlap += covered / double(r.scores.size());
        }
        fpr.push_back(fp / double(normal.size()));
        pro.push_back(overlap / double(regions.size()));
    }
    double area = 0;
    for (std::size_t k = 1; k < fpr.size(); ++k) {
        if (fpr[k] < limit) {
            area += (fpr[k] - fpr[k - 1]) * (pro[k] + pro[k - 1]) / 2;
            continue;
        }
        const double at_limit = pro[k - 1] + (pro[k] - pro[k - 1]) * (limit - fpr[k - 1]) / (fpr[k] - fpr[k - 1]);
        area += (limit - fpr[k - 1]) * (at_limit + pro[k - 1]) / 2;
        break;
    }
    return area / limit;
}

/// Random scores in [0, 1) quantised to `levels` values, so that many are tied.
float quantised(ias::rng_stream& rng, int levels) { return std::floor(rng.uniform() * float(levels)) / float(levels); }

/// n labels, positive with probability `positive`, and scores quantised to `levels` values
/// with `shift` added to the positives' (clamped to 1): separable in part, tied heavily.
std::pair<std::vector<float>, std::vector<std::uint8_t>> tied_scores(std::uint32_t seed, std::size_t n, float positive, int levels,
                                                                     float shift) {
    ias::rng_stream rng(seed, 0);
    std::vector<float> s(n);
    std::vector<std::uint8_t> l(n);
    for (std::size_t i = 0; i < n; ++i) {
        l[i] = rng.uniform() < positive ? 1 : 0;
        s[i] = std::min(quantised(rng, levels) + (l[i] ? shift : 0.0f), 1.0f);
    }
    return {s, l};
}

}  // namespace

// ------------------------------------------------------------------------------------------
// AUROC

TEST_CASE("auroc: hand-computed cases", "[eval]") {
    const std::vector<float> s{0.1f, 0.4f, 0.35f, 0.8f};
    const std::vector<std::uint8_t> l{0, 0, 1, 1};
    CHECK(ias::eval::auroc(s, l) == Approx(0.75));
    // Perfect, inverted, and nonzero labels other than 1 count as positive.
    CHECK(ias::eval::auroc(std::vector<float>{0.1f, 0.2f, 0.9f}, std::vector<std::uint8_t>{0, 0, 255}) == 1.0);
    CHECK(ias::eval::auroc(std::vector<float>{0.9f, 0.2f, 0.1f}, std::vector<std::uint8_t>{0, 0, 7}) == 0.0);
    // Infinite scores are ordered like any other.
    const float inf = std::numeric_limits<float>::infinity();
    CHECK(ias::eval::auroc(std::vector<float>{-inf, 0.0f, inf}, std::vector<std::uint8_t>{0, 1, 1}) == 1.0);
}

TEST_CASE("auroc: ties count one half", "[eval]") {
    CHECK(ias::eval::auroc(std::vector<float>(6, 0.5f), std::vector<std::uint8_t>{0, 1, 0, 1, 1, 0}) == 0.5);
    // Positive 0.5 ties negative 0.5 (1/2) and beats 0.1 (1); positive 0.2 beats 0.1 only: 2.5 / 4.
    CHECK(ias::eval::auroc(std::vector<float>{0.5f, 0.5f, 0.2f, 0.1f}, std::vector<std::uint8_t>{1, 0, 1, 0}) ==
          Approx(0.625));
}

TEST_CASE("auroc: equals a brute-force pair count on heavily tied random data", "[eval]") {
    const auto [s, l] = tied_scores(GENERATE(1u, 2u, 3u), 2000, 0.3f, 10, 0.2f);
    CHECK(ias::eval::auroc(s, l) == Approx(brute_auroc(s, l)).epsilon(1e-12));
    // The order of the samples does not matter.
    std::vector<float> rs(s.rbegin(), s.rend());
    std::vector<std::uint8_t> rl(l.rbegin(), l.rend());
    CHECK(ias::eval::auroc(rs, rl) == ias::eval::auroc(s, l));
}

TEST_CASE("auroc and average_precision: order any finite or infinite float correctly", "[eval]") {
    // Scores from random bit patterns (all exponents and signs, denormals), plus both zeros
    // (which are equal) and both infinities: the radix sort must order them as < does.
    ias::rng_stream rng(21, 0);
    std::vector<float> s;
    std::vector<std::uint8_t> l;
    while (s.size() < 700) {
        const float v = std::bit_cast<float>(rng.next_u32());
        if (std::isnan(v)) continue;
        s.push_back(v);
        l.push_back(rng.uniform() < 0.4f ? 1 : 0);
    }
    const float inf = std::numeric_limits<float>::infinity();
    for (const float v : {0.0f, -0.0f, 0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::denorm_min(),
                          -std::numeric_limits<float>::denorm_min(), s[3], s[5]}) {
        s.push_back(v);
        l.push_back(std::uint8_t(s.size() % 2));
    }
    CHECK(ias::eval::auroc(s, l) == Approx(brute_auroc(s, l)).epsilon(1e-12));
    CHECK(ias::eval::average_precision(s, l) == Approx(brute_ap(s, l)).epsilon(1e-12));
    // -0 and +0 are one score: a tie.
    CHECK(ias::eval::auroc(std::vector<float>{-0.0f, 0.0f}, std::vector<std::uint8_t>{1, 0}) == 0.5);
    CHECK(ias::eval::average_precision(std::vector<float>{-0.0f, 0.0f}, std::vector<std::uint8_t>{1, 0}) == 0.5);
}

TEST_CASE("auroc: bad arguments throw invalid_argument naming the problem", "[eval]") {
    const std::vector<float> s{0.1f, 0.2f};
    using E = std::invalid_argument;
    CHECK_THAT(thrown_message<E>([&] { (void)ias::eval::auroc(s, std::vector<std::uint8_t>{1}); }),
               Contains("scores has 2 elements but labels has 1"));
    CHECK_THAT(thrown_message<E>([&] { (void)ias::eval::auroc(s, std::vector<std::uint8_t>{0, 0}); }),
               Contains("0 positives and 2 negatives"));
    CHECK_THAT(thrown_message<E>([&] { (void)ias::eval::auroc(s, std::vector<std::uint8_t>{1, 1}); }),
               Contains("2 positives and 0 negatives"));
    const std::vector<float> with_nan{0.1f, std::numeric_limits<float>::quiet_NaN()};
    CHECK_THAT(thrown_message<E>([&] { (void)ias::eval::auroc(with_nan, std::vector<std::uint8_t>{0, 1}); }),
               Contains("scores[1] is NaN"));
}

// ------------------------------------------------------------------------------------------
// Average precision

TEST_CASE("average_precision: hand-computed cases", "[eval]") {
    // Descending: 0.8 (pos) R=1/2 P=1; 0.4 (neg); 0.35 (pos) R=1 P=2/3: 1/2 + 1/2 * 2/3.
    CHECK(ias::eval::average_precision(std::vector<float>{0.1f, 0.4f, 0.35f, 0.8f},
                                       std::vector<std::uint8_t>{0, 0, 1, 1}) == Approx(5.0 / 6.0));
    // Ties enter together: at 0.5 TP=1 FP=1 (R=1/2, P=1/2); at 0.2 TP=2 FP=1 (R=1, P=2/3).
    CHECK(ias::eval::average_precision(std::vector<float>{0.5f, 0.5f, 0.2f, 0.1f},
                                       std::vector<std::uint8_t>{1, 0, 1, 0}) == Approx(0.25 + 1.0 / 3.0));
    // All tied: AP is the positive rate. No negatives: AP is 1.
    CHECK(ias::eval::average_precision(std::vector<float>(5, 0.3f), std::vector<std::uint8_t>{1, 0, 0, 1, 0}) ==
          Approx(0.4));
    CHECK(ias::eval::average_precision(std::vector<float>{0.3f, 0.1f}, std::vector<std::uint8_t>{1, 1}) == 1.0);
    // Not the trapezoid: a positive scored below every negative adds recall 1/2 at precision 2/4.
    CHECK(ias::eval::average_precision(std::vector<float>{0.9f, 0.8f, 0.7f, 0.1f},
                                       std::vector<std::uint8_t>{1, 0, 0, 1}) == Approx(0.5 + 0.5 * 0.5));
}

TEST_CASE("average_precision: equals a brute-force sweep on heavily tied random data", "[eval]") {
    const auto [s, l] = tied_scores(GENERATE(4u, 5u, 6u), 600, 0.2f, 12, 0.15f);
    CHECK(ias::eval::average_precision(s, l) == Approx(brute_ap(s, l)).epsilon(1e-12));
}

TEST_CASE("average_precision: bad arguments throw invalid_argument", "[eval]") {
    using E = std::invalid_argument;
    CHECK_THAT(thrown_message<E>([] {
                   (void)ias::eval::average_precision(std::vector<float>{0.1f, 0.2f}, std::vector<std::uint8_t>{0, 0});
               }),
               Contains("no positives (2 negatives)"));
    CHECK_THAT(thrown_message<E>([] {
                   (void)ias::eval::average_precision(std::vector<float>{0.1f}, std::vector<std::uint8_t>{0, 1});
               }),
               Contains("scores has 1 elements but labels has 2"));
}

// ------------------------------------------------------------------------------------------
// AUPRO

TEST_CASE("aupro: a region above every normal pixel gives 1", "[eval]") {
    const std::vector<image<float>> maps{float_map({{0.9f, 0.8f, 0.1f}, {0.2f, 0.3f, 0.1f}}),
                                         float_map({{0.5f, 0.4f}, {0.3f, 0.2f}})};
    const std::vector<image<std::uint8_t>> masks{byte_mask({{1, 1, 0}, {0, 0, 0}}), byte_mask({{0, 0}, {0, 0}})};
    CHECK(aupro_of(maps, masks) == Approx(1.0));
    CHECK(aupro_of(maps, masks, 1.0) == Approx(1.0));
}

TEST_CASE("aupro: a partially covered region computed by hand", "[eval]") {
    // Region scores {0.9, 0.5}, normal scores {0.8, 0.4, 0.3, 0.2}. Curve: (0,0) (0,1/2)
    // (1/4,1/2) (1/4,1) (1/2,1) (3/4,1) (1,1). Area to 0.3: 1/4*1/2 + 0.05*1 = 0.175.
    const std::vector<image<float>> maps{float_map({{0.9f, 0.5f, 0.8f, 0.4f, 0.3f, 0.2f}})};
    const std::vector<image<std::uint8_t>> masks{byte_mask({{1, 255, 0, 0, 0, 0}})};
    CHECK(aupro_of(maps, masks) == Approx(0.175 / 0.3));
    CHECK(aupro_of(maps, masks, 0.25) == Approx(0.125 / 0.25));
    CHECK(aupro_of(maps, masks, 1.0) == Approx(0.875));
}

TEST_CASE("aupro: each region counts once whatever its size", "[eval]") {
    // A one-pixel region at 0.9 and a three-pixel region at 0.1, normal pixels at 0.5: PRO is
    // 1/2 (not 1/4, the pixel fraction) until every normal pixel has passed.
    const std::vector<image<float>> maps{float_map({{0.9f, 0.5f, 0.1f, 0.1f, 0.1f}, {0.5f, 0.5f, 0.5f, 0.5f, 0.5f}})};
    const std::vector<image<std::uint8_t>> masks{byte_mask({{1, 0, 1, 1, 1}, {0, 0, 0, 0, 0}})};
    CHECK(aupro_of(maps, masks) == Approx(0.5));
}

TEST_CASE("aupro: regions are 8-connected", "[eval]") {
    // (0,0) touches (1,1) diagonally: one region of 3 pixels, 1/3 covered at 0.9 (with
    // 4-connectivity it would be two regions, PRO 1/2).
    const std::vector<image<float>> maps{float_map({{0.9f, 0.5f, 0.5f}, {0.5f, 0.1f, 0.5f}, {0.5f, 0.1f, 0.5f}})};
    const std::vector<image<std::uint8_t>> masks{byte_mask({{1, 0, 0}, {0, 1, 0}, {0, 1, 0}})};
    CHECK(aupro_of(maps, masks) == Approx(1.0 / 3.0));
}

TEST_CASE("aupro: a tie that crosses the limit is interpolated linearly", "[eval]") {
    // Region {0.9, 0.5}, normal {0.5, 0.1}: the tie at 0.5 moves the curve from (0, 1/2) to
    // (1/2, 1) in one straight segment; at FPR 0.3, PRO = 0.8; area 0.3 * (0.5 + 0.8) / 2.
    const std::vector<image<float>> maps{float_map({{0.9f, 0.5f, 0.5f, 0.1f}})};
    const std::vector<image<std::uint8_t>> masks{byte_mask({{1, 1, 0, 0}})};
    CHECK(aupro_of(maps, masks) == Approx(0.195 / 0.3));
    CHECK(aupro_of(maps, masks, 0.5) == Approx(0.5 * 0.75 / 0.5));
    CHECK(aupro_of(maps, masks, 0.1) == Approx(0.1 * (0.5 + 0.6) / 2 / 0.1));
}

TEST_CASE("aupro: with one region and limit 1 it equals the AUROC of its pixels", "[eval]") {
    ias::rng_stream rng(11, 0);
    image<float> map(9, 7, 1);
    image<std::uint8_t> mask(9, 7, 1, 0);
    std::vector<float> scores;
    std::vector<std::uint8_t> labels;
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 9; ++x) {
            mask(x, y) = x >= 2 && x < 6 && y >= 1 && y < 5 ? 1 : 0;
            map(x, y) = quantised(rng, 6) + (mask(x, y) ? 0.3f : 0.0f);
            scores.push_back(map(x, y));
            labels.push_back(mask(x, y));
        }
    CHECK(aupro_of({map}, {mask}, 1.0) == Approx(ias::eval::auroc(scores, labels)).epsilon(1e-12));
}

TEST_CASE("aupro: equals a brute-force sweep over every distinct threshold", "[eval]") {
    const auto seed = GENERATE(range(1u, 13u));
    ias::rng_stream rng(seed, 0);
    std::vector<image<float>> maps;
    std::vector<image<std::uint8_t>> masks;
    for (int i = 0; i < 2; ++i) {
        const int w = 14 + i, h = 11 - i;
        image<std::uint8_t> mask(w, h, 1, 0);
        const int rectangles = int(rng.integer(1, 2));
        for (int r = 0; r < rectangles; ++r) {
            const int x0 = int(rng.integer(0, w - 3)), y0 = int(rng.integer(0, h - 3));
            const int rw = int(rng.integer(1, 4)), rh = int(rng.integer(1, 4));
            for (int y = y0; y < std::min(h, y0 + rh); ++y)
                for (int x = x0; x < std::min(w, x0 + rw); ++x) mask(x, y) = 255;
        }
        if (rng.uniform() < 0.5f) mask(int(rng.integer(0, w - 1)), int(rng.integer(0, h - 1))) = 1;  // a speck
        image<float> map(w, h, 1);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) map(x, y) = quantised(rng, 8) + (mask(x, y) ? 0.25f : 0.0f);
        maps.push_back(std::move(map));
        masks.push_back(std::move(mask));
    }
    for (const double limit : {0.3, 0.05, 0.5, 1.0}) {
        CAPTURE(seed, limit);
        CHECK(aupro_of(maps, masks, limit) == Approx(brute_aupro(maps, masks, limit)).epsilon(1e-9));
    }
}

TEST_CASE("aupro: bad arguments throw invalid_argument naming the problem", "[eval]") {
    using E = std::invalid_argument;
    const std::vector<image<float>> maps{float_map({{0.1f, 0.2f}})};
    const std::vector<image<std::uint8_t>> normal{byte_mask({{0, 0}})};
    const std::vector<image<std::uint8_t>> all_anomalous{byte_mask({{1, 1}})};
    const std::vector<image<std::uint8_t>> good{byte_mask({{1, 0}})};
    CHECK_THAT(thrown_message<E>([&] { (void)aupro_of(maps, normal); }), Contains("no anomalous region"));
    CHECK_THAT(thrown_message<E>([&] { (void)aupro_of(maps, all_anomalous); }), Contains("at least one normal pixel"));
    CHECK_THAT(thrown_message<E>([&] { (void)aupro_of(maps, {}); }), Contains("1 score maps but 0 masks"));
    CHECK_THAT(thrown_message<E>([&] { (void)aupro_of(maps, {byte_mask({{1, 0, 0}})}); }),
               Contains("image 0: the score map is 2x1 but its mask is 3x1"));
    CHECK_THAT(thrown_message<E>([&] { (void)aupro_of(maps, good, 0.0); }), Contains("fpr_limit"));
    CHECK_THAT(thrown_message<E>([&] { (void)aupro_of(maps, good, 1.5); }), Contains("(0, 1]"));
    const std::vector<image<float>> with_nan{float_map({{0.1f, std::numeric_limits<float>::quiet_NaN()}})};
    CHECK_THAT(thrown_message<E>([&] { (void)aupro_of(with_nan, good); }), Contains("(x=1, y=0) is NaN"));
}

// ------------------------------------------------------------------------------------------
// evaluate and to_json

TEST_CASE("evaluate: the image score is the maximum of its map", "[eval]") {
    // The normal image has a single hot pixel (0.95) above the anomalous image's maximum
    // (0.9): with max pooling its score is higher, so image AUROC is 0 (a mean would give 1).
    std::vector<image<float>> maps{float_map({{0.0f, 0.0f}, {0.0f, 0.95f}}), float_map({{0.9f, 0.6f}, {0.6f, 0.6f}})};
    std::vector<image<std::uint8_t>> masks{byte_mask({{0, 0}, {0, 0}}), byte_mask({{1, 0}, {0, 0}})};
    const auto report = ias::eval::evaluate(std::span<const image<float>>(maps), std::span<const image<std::uint8_t>>(masks));
    CHECK(report.images == 2);
    CHECK(report.anomalous_images == 1);
    CHECK(report.image_auroc == 0.0);
    // Pixels: anomalous {0.9}; normal {0, 0, 0, 0.95, 0.6, 0.6, 0.6}: AUROC 6/7, AP 1/2.
    CHECK(report.pixel_auroc == Approx(6.0 / 7.0));
    CHECK(report.pixel_ap == Approx(0.5));
    CHECK(report.aupro == Approx(aupro_of(maps, masks)));
    // Views give the same report.
    const std::vector<ias::image_view<const float>> map_views{maps[0].view(), maps[1].view()};
    const std::vector<ias::image_view<const std::uint8_t>> mask_views{masks[0].view(), masks[1].view()};
    CHECK(ias::eval::evaluate(map_views, mask_views).pixel_auroc == report.pixel_auroc);
}

TEST_CASE("evaluate: agrees with the separate metric functions on random data", "[eval]") {
    ias::rng_stream rng(31, 0);
    std::vector<image<float>> maps;
    std::vector<image<std::uint8_t>> masks;
    std::vector<float> image_scores, pixel_scores;
    std::vector<std::uint8_t> image_labels, pixel_labels;
    for (int i = 0; i < 6; ++i) {
        image<float> map(20 + i, 15, 1);
        image<std::uint8_t> mask(20 + i, 15, 1, 0);
        if (i % 2 == 1)
            for (int y = 3; y < 6 + i; ++y)
                for (int x = i; x < 9; ++x) mask(x, y) = 255;
        float best = -1;
        for (int y = 0; y < 15; ++y)
            for (int x = 0; x < map.width(); ++x) {
                map(x, y) = quantised(rng, 20) + (mask(x, y) ? 0.2f : 0.0f);
                best = std::max(best, map(x, y));
                pixel_scores.push_back(map(x, y));
                pixel_labels.push_back(mask(x, y) ? 1 : 0);
            }
        image_scores.push_back(best);
        image_labels.push_back(i % 2 == 1 ? 1 : 0);
        maps.push_back(std::move(map));
        masks.push_back(std::move(mask));
    }
    const auto report = ias::eval::evaluate(std::span<const image<float>>(maps), std::span<const image<std::uint8_t>>(masks));
    CHECK(report.images == 6);
    CHECK(report.anomalous_images == 3);
    CHECK(report.image_auroc == ias::eval::auroc(image_scores, image_labels));
    CHECK(report.pixel_auroc == ias::eval::auroc(pixel_scores, pixel_labels));
    CHECK(report.pixel_ap == ias::eval::average_precision(pixel_scores, pixel_labels));
    CHECK(report.aupro == aupro_of(maps, masks, 0.3));
    CHECK(report.aupro == Approx(brute_aupro(maps, masks, 0.3)).epsilon(1e-9));
}

TEST_CASE("evaluate: data it cannot score throws ias::error", "[eval]") {
    using E = ias::error;
    const std::vector<image<float>> maps{float_map({{0.1f, 0.2f}}), float_map({{0.3f, 0.4f}})};
    const auto run = [&](const std::vector<image<std::uint8_t>>& masks) {
        (void)ias::eval::evaluate(std::span<const image<float>>(maps), std::span<const image<std::uint8_t>>(masks));
    };
    CHECK_THAT(thrown_message<E>([&] { run({byte_mask({{0, 0}}), byte_mask({{0, 0}})}); }),
               Contains("none of the 2 images is anomalous"));
    CHECK_THAT(thrown_message<E>([&] { run({byte_mask({{1, 0}}), byte_mask({{0, 1}})}); }),
               Contains("all 2 images are anomalous"));
    CHECK_THAT(thrown_message<E>([&] { run({byte_mask({{1, 0}})}); }), Contains("2 score maps but 1 masks"));
}

TEST_CASE("to_json: one object with every key and round-tripping numbers", "[eval]") {
    const ias::eval::metrics_report report{.image_auroc = 0.1 + 0.2, .pixel_auroc = 1.0, .aupro = 2.0 / 3.0,
                                           .pixel_ap = 1e-300, .images = 83, .anomalous_images = 70};
    const std::string json = ias::eval::to_json(report);
    CHECK(json.front() == '{');
    CHECK(json.back() == '}');
    const auto number_after = [&](const std::string& key) {
        const auto at = json.find("\"" + key + "\":");
        REQUIRE(at != std::string::npos);
        double v = 0;
        const char* first = json.data() + at + key.size() + 3;
        const auto result = std::from_chars(first, json.data() + json.size(), v);
        REQUIRE(result.ec == std::errc());
        return v;
    };
    CHECK(number_after("image_auroc") == report.image_auroc);
    CHECK(number_after("pixel_auroc") == 1.0);
    CHECK(number_after("aupro") == report.aupro);
    CHECK(number_after("pixel_ap") == report.pixel_ap);
    CHECK(number_after("images") == 83.0);
    CHECK(number_after("anomalous_images") == 70.0);
    CHECK(json == "{\"image_auroc\":0.30000000000000004,\"pixel_auroc\":1,\"aupro\":0.6666666666666666,"
                  "\"pixel_ap\":1e-300,\"images\":83,\"anomalous_images\":70}");
}

// ------------------------------------------------------------------------------------------
// Score-map files

TEST_CASE("npy: save_npy and load_score_map round-trip exactly", "[eval]") {
    const scratch_dir dir("npy_roundtrip");
    image<float> map(7, 5, 1);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x) map(x, y) = float(x) * 0.1f - float(y) * 3.25f + 1e-7f * float(x * y);
    map(6, 4) = -std::numeric_limits<float>::max();
    map(0, 0) = std::numeric_limits<float>::denorm_min();
    const fs::path path = dir.path / "m.npy";
    ias::save_npy(path, map);
    CHECK(ias::eval::load_score_map(path) == map);
    // The header is what numpy writes: version 1.0, total header size a multiple of 64.
    std::ifstream in(path, std::ios::binary);
    const bytes_t bytes{std::istreambuf_iterator<char>(in), {}};
    const std::size_t header_length = bytes[8] | std::size_t(bytes[9]) << 8;
    CHECK((10 + header_length) % 64 == 0);
    CHECK(bytes.size() == 10 + header_length + 7 * 5 * 4);
    const std::string header(bytes.begin() + 10, bytes.begin() + 10 + std::ptrdiff_t(header_length));
    CHECK_THAT(header, Contains("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 7), }"));
    CHECK(header.back() == '\n');
    CHECK_THROWS_AS(ias::save_npy(dir.path / "rgb.npy", image<float>(2, 2, 3)), std::invalid_argument);
}

TEST_CASE("npy, pfm: io's load_npy and load_pfm read what load_score_map reads, errors named for themselves", "[eval]") {
    const scratch_dir dir("io_float_maps");
    const image<float> map = float_map({{0.25f, -1.0f, 3.0f}, {4.0f, 5.5f, 6.0f}});
    ias::save_npy(dir.path / "m.npy", map);
    CHECK(ias::load_npy(dir.path / "m.npy") == map);
    bytes_t pfm;
    append(pfm, "Pf\n3 2\n-1.0\n");
    for (float v : {4.0f, 5.5f, 6.0f, 0.25f, -1.0f, 3.0f}) append_float(pfm, v, false);
    write_bytes(dir.path / "m.pfm", pfm);
    CHECK(ias::load_pfm(dir.path / "m.pfm") == map);
    CHECK_THAT(thrown_message<ias::error>([&] { (void)ias::load_npy(dir.path / "m.pfm"); }),
               Contains("ias::load_npy: '") && Contains("magic"));
    CHECK_THAT(thrown_message<ias::error>([&] { (void)ias::load_pfm(dir.path / "m.npy"); }),
               Contains("ias::load_pfm: '") && Contains("not a Portable Float Map"));
    CHECK_THAT(thrown_message<ias::error>([&] { (void)ias::eval::load_score_map(dir.path / "missing.npy"); }),
               Contains("ias::eval: '"));
}

TEST_CASE("npy: hand-written float64 and big-endian and version 2.0 and 3-d files load", "[eval]") {
    const scratch_dir dir("npy_variants");
    SECTION("float64 (2, 3), version 1.0") {
        bytes_t data;
        for (int i = 0; i < 6; ++i) append_double(data, 0.5 * i - 1.0);
        write_bytes(dir.path / "a.npy", npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", data));
        const auto map = ias::eval::load_score_map(dir.path / "a.npy");
        REQUIRE(map.width() == 3);
        REQUIRE(map.height() == 2);
        CHECK(map(0, 0) == -1.0f);
        CHECK(map(2, 0) == 0.0f);
        CHECK(map(0, 1) == 0.5f);
        CHECK(map(2, 1) == 1.5f);
    }
    SECTION("big-endian float32 (1, 2, 2), version 2.0, keys in another order") {
        bytes_t data;
        for (float v : {1.0f, 2.0f, 3.0f, 4.0f}) append_float(data, v, true);
        write_bytes(dir.path / "b.NPY",
                    npy_file(2, "{\"shape\": (1, 2, 2), \"fortran_order\": False, \"descr\": \">f4\"}", data));
        const auto map = ias::eval::load_score_map(dir.path / "b.NPY");
        CHECK(map == float_map({{1.0f, 2.0f}, {3.0f, 4.0f}}));
    }
    SECTION("float32 (2, 3, 1), version 3.0") {
        bytes_t data;
        for (int i = 0; i < 6; ++i) append_float(data, float(i), false);
        write_bytes(dir.path / "c.npy", npy_file(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 1), }", data));
        CHECK(ias::eval::load_score_map(dir.path / "c.npy") == float_map({{0, 1, 2}, {3, 4, 5}}));
    }
}

TEST_CASE("npy: malformed files throw ias::error naming the file and the problem", "[eval]") {
    const scratch_dir dir("npy_bad");
    bytes_t four_floats;
    for (int i = 0; i < 4; ++i) append_float(four_floats, float(i), false);
    const auto load_error = [&](const std::string& name, const bytes_t& bytes) {
        const fs::path path = dir.path / name;
        write_bytes(path, bytes);
        const std::string message = thrown_message<ias::error>([&] { (void)ias::eval::load_score_map(path); });
        CHECK_THAT(message, Contains(path.string()));
        return message;
    };
    CHECK_THAT(load_error("fortran.npy", npy_file(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four_floats)),
               Contains("Fortran order"));
    bytes_t bad_magic = npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", four_floats);
    bad_magic[1] = 'X';
    CHECK_THAT(load_error("magic.npy", bad_magic), Contains("magic"));
    bytes_t truncated = npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", four_floats);
    truncated.erase(truncated.end() - 3, truncated.end());
    CHECK_THAT(load_error("truncated.npy", truncated), Contains("truncated .npy file"));
    CHECK_THAT(load_error("short_header.npy", bytes_t{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xFF, 0x00, '{'}),
               Contains("truncated"));
    CHECK_THAT(load_error("int.npy", npy_file(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", four_floats)),
               Contains("unsupported dtype '<i4'"));
    CHECK_THAT(load_error("rank.npy", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four_floats)),
               Contains("shape (4,)"));
    CHECK_THAT(load_error("rgb.npy", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2), }", four_floats)),
               Contains("(H, W), (H, W, 1) or (1, H, W)"));
    CHECK_THAT(load_error("dict.npy", npy_file(1, "{'descr': '<f4', 'shape': (2, 2), }", four_floats)),
               Contains("malformed .npy header"));
    CHECK_THAT(load_error("version.npy", [&] { auto b = npy_file(1, "{}", {}); b[6] = 4; return b; }()),
               Contains("version 4.0"));
    bytes_t with_nan;
    for (float v : {0.0f, 1.0f, std::numeric_limits<float>::quiet_NaN(), 3.0f}) append_float(with_nan, v, false);
    CHECK_THAT(load_error("nan.npy", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", with_nan)),
               Contains("element [1, 0] (row 1, column 0) is NaN"));
    bytes_t with_inf;
    for (double v : {0.0, 1e300}) append_double(with_inf, v);
    CHECK_THAT(load_error("range.npy", npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", with_inf)),
               Contains("outside the float32 range"));
    CHECK_THAT(load_error("map.tiff", four_floats), Contains("use .npy, .pfm or .png"));
}

TEST_CASE("pfm: little- and big-endian files load with rows flipped to top-down", "[eval]") {
    const scratch_dir dir("pfm");
    const bool big = GENERATE(false, true);
    // A 3x2 map: top row {1, 2, 3}, bottom row {4, 5, 6}; the file stores the bottom row first.
    bytes_t file;
    append(file, big ? "Pf\n3 2\n1.0\n" : "Pf\n3 2\n-1.0\n");
    for (float v : {4.0f, 5.0f, 6.0f, 1.0f, 2.0f, 3.0f}) append_float(file, v, big);
    write_bytes(dir.path / "m.pfm", file);
    CHECK(ias::eval::load_score_map(dir.path / "m.pfm") == float_map({{1, 2, 3}, {4, 5, 6}}));
}

TEST_CASE("pfm: malformed files throw ias::error naming the file and the problem", "[eval]") {
    const scratch_dir dir("pfm_bad");
    const auto load_error = [&](const std::string& name, const std::string& header, int floats) {
        bytes_t file;
        append(file, header);
        for (int i = 0; i < floats; ++i) append_float(file, float(i), false);
        const fs::path path = dir.path / name;
        write_bytes(path, file);
        const std::string message = thrown_message<ias::error>([&] { (void)ias::eval::load_score_map(path); });
        CHECK_THAT(message, Contains(path.string()));
        return message;
    };
    CHECK_THAT(load_error("colour.pfm", "PF\n2 2\n-1.0\n", 12), Contains("colour PFM"));
    CHECK_THAT(load_error("magic.pfm", "P7\n2 2\n-1.0\n", 4), Contains("not a Portable Float Map"));
    CHECK_THAT(load_error("scale.pfm", "Pf\n2 2\n0\n", 4), Contains("scale '0'"));
    CHECK_THAT(load_error("width.pfm", "Pf\n2x 2\n-1\n", 4), Contains("width '2x'"));
    CHECK_THAT(load_error("truncated.pfm", "Pf\n2 2\n-1.0\n", 3), Contains("truncated PFM"));
    CHECK_THAT(load_error("empty.pfm", "Pf\n0 2\n-1.0\n", 0), Contains("at least one pixel"));
    CHECK_THAT(load_error("header.pfm", "Pf\n2 2", 0), Contains("PFM header"));
    bytes_t inf_file;
    append(inf_file, "Pf\n1 1\n-1.0\n");
    append_float(inf_file, std::numeric_limits<float>::infinity(), false);
    write_bytes(dir.path / "inf.pfm", inf_file);
    CHECK_THAT(thrown_message<ias::error>([&] { (void)ias::eval::load_score_map(dir.path / "inf.pfm"); }),
               Contains("element [0, 0] (row 0, column 0) is infinite"));
}

TEST_CASE("png: 8-bit and 16-bit greyscale score maps are scaled to 0..1", "[eval]") {
    const scratch_dir dir("png");
    image<std::uint8_t> eight(3, 2, 1);
    for (int i = 0; i < 6; ++i) eight.data()[i] = std::uint8_t(i * 51);
    ias::save_image(dir.path / "eight.png", eight.view());
    const auto map8 = ias::eval::load_score_map(dir.path / "eight.png");
    REQUIRE(map8.width() == 3);
    for (int i = 0; i < 6; ++i) CHECK(map8.data()[i] == float(i * 51) / 255.0f);

    const std::vector<std::uint16_t> values{0, 1, 256, 32768, 65534, 65535};
    write_bytes(dir.path / "sixteen.png", png16_grey(2, 3, values));
    const auto map16 = ias::eval::load_score_map(dir.path / "sixteen.png");
    REQUIRE(map16.width() == 2);
    REQUIRE(map16.height() == 3);
    for (std::size_t i = 0; i < values.size(); ++i) CHECK(map16.data()[i] == float(values[i]) / 65535.0f);

    ias::save_image(dir.path / "rgb.png", image<std::uint8_t>(2, 2, 3).view());
    CHECK_THAT(thrown_message<ias::error>([&] { (void)ias::eval::load_score_map(dir.path / "rgb.png"); }),
               Contains("3 channels; a PNG score map must be greyscale"));
}

// ------------------------------------------------------------------------------------------
// Folders

TEST_CASE("match_by_stem: MVTec layout with _mask names and normal images", "[eval]") {
    const scratch_dir dir("match");
    const fs::path scores = dir.path / "scores", truth = dir.path / "ground_truth";
    const image<float> map(4, 3, 1, 0.5f);
    for (const char* name : {"good/000.npy", "good/001.npy", "crack/000.npy", "crack/001.npy", "hole/000.npy"}) {
        fs::create_directories((scores / name).parent_path());
        ias::save_npy(scores / name, map);
    }
    write_bytes(scores / "notes.txt", {'x'});  // not a score map: ignored
    const image<std::uint8_t> mask(4, 3, 1, 255);
    fs::create_directories(truth / "crack");
    fs::create_directories(truth / "hole");
    ias::save_image(truth / "crack/000_mask.png", mask.view());
    ias::save_image(truth / "crack/001_mask.png", mask.view());
    ias::save_image(truth / "hole/000.png", mask.view());  // a mask named like its map works too

    const auto pairs = ias::eval::match_by_stem(scores, truth);
    REQUIRE(pairs.size() == 5);
    CHECK(pairs[0].stem == "crack/000");
    CHECK(pairs[0].map == scores / "crack/000.npy");
    CHECK(pairs[0].mask == truth / "crack/000_mask.png");
    CHECK(pairs[1].stem == "crack/001");
    CHECK(pairs[2].stem == "good/000");
    CHECK(pairs[2].mask.empty());
    CHECK(pairs[3].stem == "good/001");
    CHECK(pairs[3].mask.empty());
    CHECK(pairs[4].stem == "hole/000");
    CHECK(pairs[4].mask == truth / "hole/000.png");

    SECTION("flat folders match by file stem") {
        const fs::path flat_scores = dir.path / "flat_scores", flat_truth = dir.path / "flat_truth";
        fs::create_directories(flat_scores);
        fs::create_directories(flat_truth);
        ias::save_npy(flat_scores / "b.npy", map);
        ias::save_npy(flat_scores / "a.npy", map);
        ias::save_image(flat_truth / "a_mask.png", mask.view());
        const auto flat = ias::eval::match_by_stem(flat_scores, flat_truth);
        REQUIRE(flat.size() == 2);
        CHECK(flat[0].stem == "a");
        CHECK(flat[0].mask == flat_truth / "a_mask.png");
        CHECK(flat[1].stem == "b");
        CHECK(flat[1].mask.empty());
    }
    SECTION("a ground-truth folder inside the scores folder is not listed as score maps") {
        const fs::path nested_truth = scores / "ground_truth";
        fs::create_directories(nested_truth / "crack");
        ias::save_image(nested_truth / "crack/000_mask.png", mask.view());
        const auto nested = ias::eval::match_by_stem(scores, nested_truth);
        REQUIRE(nested.size() == 5);
        CHECK(nested[0].mask == nested_truth / "crack/000_mask.png");
        CHECK(nested[1].mask.empty());
    }
}

TEST_CASE("match_by_stem: orphan masks duplicate stems and missing folders are errors", "[eval]") {
    const scratch_dir dir("match_bad");
    const fs::path scores = dir.path / "scores", truth = dir.path / "ground_truth";
    fs::create_directories(scores / "crack");
    fs::create_directories(truth / "crack");
    const image<float> map(4, 3, 1, 0.5f);
    const image<std::uint8_t> mask(4, 3, 1, 255);
    ias::save_npy(scores / "crack/000.npy", map);
    ias::save_image(truth / "crack/000_mask.png", mask.view());
    REQUIRE(ias::eval::match_by_stem(scores, truth).size() == 1);

    SECTION("a mask without a score map") {
        ias::save_image(truth / "crack/007_mask.png", mask.view());
        const auto message = thrown_message<ias::error>([&] { (void)ias::eval::match_by_stem(scores, truth); });
        CHECK_THAT(message, Contains((truth / "crack/007_mask.png").string()));
        CHECK_THAT(message, Contains("has no score map"));
    }
    SECTION("two score maps with one stem") {
        ias::save_image(scores / "crack/000.png", image<std::uint8_t>(4, 3, 1).view());
        const auto message = thrown_message<ias::error>([&] { (void)ias::eval::match_by_stem(scores, truth); });
        CHECK_THAT(message, Contains((scores / "crack/000.npy").string()));
        CHECK_THAT(message, Contains((scores / "crack/000.png").string()));
        CHECK_THAT(message, Contains("same stem 'crack/000'"));
    }
    SECTION("two masks for one score map") {
        ias::save_image(truth / "crack/000.png", mask.view());
        const auto message = thrown_message<ias::error>([&] { (void)ias::eval::match_by_stem(scores, truth); });
        CHECK_THAT(message, Contains((truth / "crack/000.png").string()));
        CHECK_THAT(message, Contains((truth / "crack/000_mask.png").string()));
    }
    SECTION("missing folders, no score maps, one folder twice") {
        CHECK_THAT(thrown_message<ias::error>([&] { (void)ias::eval::match_by_stem(dir.path / "nope", truth); }),
                   Contains("does not exist"));
        fs::create_directories(dir.path / "empty");
        CHECK_THAT(thrown_message<ias::error>([&] { (void)ias::eval::match_by_stem(dir.path / "empty", truth); }),
                   Contains("no score maps"));
        CHECK_THROWS_AS(ias::eval::match_by_stem(scores, scores), std::invalid_argument);
    }
}

TEST_CASE("evaluate_directories: loads pairs and scores a folder tree", "[eval]") {
    const scratch_dir dir("evaluate_directories");
    const fs::path scores = dir.path / "scores", truth = dir.path / "ground_truth";
    // good/000: normal, max 0.2. crack/000: region top-left scored 0.9, rest 0.1.
    fs::create_directories(scores / "good");
    fs::create_directories(scores / "crack");
    fs::create_directories(truth / "crack");
    ias::save_npy(scores / "good/000.npy", float_map({{0.1f, 0.2f, 0.1f}, {0.1f, 0.1f, 0.1f}}));
    ias::save_npy(scores / "crack/000.npy", float_map({{0.9f, 0.1f, 0.1f}, {0.1f, 0.1f, 0.1f}}));
    ias::save_image(truth / "crack/000_mask.png", byte_mask({{255, 0, 0}, {0, 0, 0}}).view());
    const auto report = ias::eval::evaluate_directories(scores, truth);
    CHECK(report.images == 2);
    CHECK(report.anomalous_images == 1);
    CHECK(report.image_auroc == 1.0);
    CHECK(report.pixel_auroc == 1.0);
    CHECK(report.pixel_ap == 1.0);
    CHECK(report.aupro == Approx(1.0));

    ias::save_image(truth / "crack/000_mask.png", byte_mask({{255, 0}, {0, 0}}).view());
    const auto message = thrown_message<ias::error>([&] { (void)ias::eval::evaluate_directories(scores, truth); });
    CHECK_THAT(message, Contains((scores / "crack/000.npy").string() + "' is 3x2"));
    CHECK_THAT(message, Contains((truth / "crack/000_mask.png").string() + "' is 2x2"));
}

TEST_CASE("load_mask: any nonzero colour channel is anomalous and alpha is ignored", "[eval]") {
    const scratch_dir dir("mask");
    image<std::uint8_t> rgba(3, 1, 4, 0);
    for (int x = 0; x < 3; ++x) rgba(x, 0, 3) = 255;  // opaque everywhere
    rgba(1, 0, 2) = 1;                                 // a faint blue pixel
    ias::save_image(dir.path / "m.png", rgba.view());
    CHECK(ias::eval::load_mask(dir.path / "m.png") == byte_mask({{0, 255, 0}}));
}
