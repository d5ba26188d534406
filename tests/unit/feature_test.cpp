// Bulk normal sampling and the feature-space operators: SimpleNet, SuperSimpleNet, UniAD, GLASS GAS/LAS, DSR.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

#include <ias/core/bulk_random.hpp>
#include <ias/feature/codebook_substitution.hpp>
#include <ias/feature/feature_noise.hpp>
#include <ias/feature/glass_gas.hpp>

using ias::feature::feature_matrix;

namespace {

std::uint64_t fnv1a(std::span<const float> values) {
    std::uint64_t h = 1469598103934665603ull;
    for (const float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        h = (h ^ bits) * 1099511628211ull;
    }
    return h;
}

struct moments {
    double mean = 0, variance = 0, kurtosis = 0;
};

moments measure(std::span<const float> values) {
    moments m;
    for (const float v : values) m.mean += v;
    m.mean /= double(values.size());
    for (const float v : values) {
        const double d = v - m.mean;
        m.variance += d * d;
        m.kurtosis += d * d * d * d;
    }
    m.variance /= double(values.size());
    m.kurtosis /= double(values.size()) * m.variance * m.variance;
    return m;
}

feature_matrix random_features(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
    feature_matrix f(rows, cols);
    ias::fill_normal(ias::rng_stream(seed, 0), 0, std::span(f.data(), std::size_t(f.size())));
    return f;
}

}  // namespace

TEST_CASE("bulk normal deviates have the moments and tails of N(0 1)") {
    std::vector<float> z(1 << 21);
    ias::fill_normal(ias::rng_stream(11, 4, 2), 0, z);
    const moments m = measure(z);
    CHECK(std::abs(m.mean) < 0.003);
    CHECK(std::abs(m.variance - 1.0) < 0.005);
    CHECK(std::abs(m.kurtosis - 3.0) < 0.03);
    const auto beyond2 = std::count_if(z.begin(), z.end(), [](float v) { return std::abs(v) > 2.0f; });
    CHECK(std::abs(double(beyond2) / double(z.size()) - 0.0455) < 0.001);  // 2·(1 − Φ(2)) = 0.0455
    CHECK(*std::max_element(z.begin(), z.end()) <= 5.78f);

    std::vector<float> u(1 << 20);
    ias::fill_uniform(ias::rng_stream(11, 4, 2), 0, u);
    const moments mu = measure(u);
    CHECK(std::abs(mu.mean - 0.5) < 0.002);
    CHECK(std::abs(mu.variance - 1.0 / 12) < 0.001);
    CHECK(*std::min_element(u.begin(), u.end()) >= 0.0f);
    CHECK(*std::max_element(u.begin(), u.end()) < 1.0f);
}

TEST_CASE("bulk deviates are a pure function of stream and position") {
    const ias::rng_stream stream(5, 17, 3);
    std::vector<float> whole(10000), pieces(10000);
    ias::fill_normal(stream, 100, whole);
    // Any split into calls of any lengths and order gives the same bits.
    std::size_t at = 0;
    for (std::size_t length = 1; at < pieces.size(); length = length * 3 % 997 + 1) {
        const std::size_t n = std::min(length, pieces.size() - at);
        ias::fill_normal(stream, 100 + at, std::span(pieces.data() + at, n));
        at += n;
    }
    CHECK(whole == pieces);
    // Every CPU path gives the same bits (the ones this machine has).
    const ias::detail::bulk_key key(stream);
    std::vector<float> portable(whole.size());
    ias::detail::bulk_portable(key, 100, {ias::detail::bulk_task::normal, portable.data(), nullptr, portable.size(), 1, 0});
    CHECK(portable == whole);
#if IAS_BULK_X86
    if (__builtin_cpu_supports("avx2")) {
        std::vector<float> avx2(whole.size());
        ias::detail::bulk_avx2(key, 100, {ias::detail::bulk_task::normal, avx2.data(), nullptr, avx2.size(), 1, 0});
        CHECK(avx2 == whole);
    }
    if (__builtin_cpu_supports("avx512f")) {
        std::vector<float> avx512(whole.size());
        ias::detail::bulk_avx512(key, 100, {ias::detail::bulk_task::normal, avx512.data(), nullptr, avx512.size(), 1, 0});
        CHECK(avx512 == whole);
    }
#endif
    // Golden bits: the same on every compiler, flag set and machine.
    CHECK(fnv1a(whole) == 0x03014ea0bac8af08ull);
    // The uniforms are Philox words of the documented counters.
    std::vector<float> u(64);
    ias::fill_uniform(stream, 64, u);
    const auto block = ias::detail::philox4x32_10({16 + 5, key.stage, key.epoch, key.index}, key.key);
    CHECK(u[16 * 2 + 5] == float(block[2] >> 8) * 0x1p-24f);
    // Other indices, epochs and seeds give other numbers; the stream itself is not consumed.
    std::vector<float> other(whole.size());
    ias::fill_normal(ias::rng_stream(5, 18, 3), 100, other);
    CHECK(other != whole);
    ias::rng_stream copy = stream;
    ias::fill_normal(copy, 0, other);
    CHECK(copy == stream);
    CHECK_THROWS_WITH(ias::fill_normal(stream, std::uint64_t{1} << 34, std::span(other.data(), 1)),
                      Catch::Contains("2^34"));
    CHECK_THROWS_WITH(ias::add_normal(stream, 0, std::span<const float>(whole.data(), 3), std::span(other.data(), 4), 1.0f),
                      Catch::Contains("in has 3 values but out has 4"));
}

TEST_CASE("gaussian_feature_noise adds N(0 sigma^2) to every element") {
    const feature_matrix q = random_features(512, 96, 1);
    feature_matrix noised(512, 96);
    const ias::rng_stream stream(3, 0);
    ias::feature::gaussian_feature_noise(q, stream, noised, {0.015f, 1});
    const feature_matrix eps = (noised - q) / 0.015f;
    const moments m = measure(std::span<const float>(eps.data(), std::size_t(eps.size())));
    CHECK(std::abs(m.mean) < 0.01);
    CHECK(std::abs(m.variance - 1.0) < 0.02);

    // In place, through a strided block, and out of place agree bit for bit.
    feature_matrix in_place = q;
    ias::feature::gaussian_feature_noise(in_place, stream, in_place, {0.015f, 1});
    CHECK(in_place == noised);
    feature_matrix wide = feature_matrix::Zero(512, 100);
    wide.leftCols(96) = q;
    feature_matrix wide_out = feature_matrix::Zero(512, 100);
    ias::feature::gaussian_feature_noise(wide.leftCols(96), stream, wide_out.leftCols(96), {0.015f, 1});
    CHECK(feature_matrix(wide_out.leftCols(96)) == noised);

    CHECK_THROWS_WITH(ias::feature::gaussian_feature_noise(q, stream, noised, {-1.0f, 1}), Catch::Contains("sigma"));
    feature_matrix small(3, 96);
    CHECK_THROWS_WITH(ias::feature::gaussian_feature_noise(q, stream, small), Catch::Contains("out is 3 × 96"));
}

TEST_CASE("gaussian_feature_noise mixes K levels sigma times 1.1^k one per row") {
    const int levels = 3;
    const feature_matrix q = feature_matrix::Zero(900, 4096);
    feature_matrix noised(900, 4096);
    ias::feature::gaussian_feature_noise(q, ias::rng_stream(8, 1), noised, {0.1f, levels});
    std::vector<int> count(levels, 0);
    for (Eigen::Index r = 0; r < noised.rows(); ++r) {
        const double sd = std::sqrt(noised.row(r).squaredNorm() / 4096.0);
        const double k = std::log(sd / 0.1) / std::log(1.1);
        const long nearest = std::lround(k);
        REQUIRE(nearest >= 0);
        REQUIRE(nearest < levels);
        CHECK(std::abs(k - double(nearest)) < 0.5);
        ++count[std::size_t(nearest)];
    }
    for (const int c : count) CHECK(std::abs(c - 300) < 60);
}

TEST_CASE("feature_jitter scales its noise with each feature's norm") {
    feature_matrix f = random_features(400, 64, 2);
    for (Eigen::Index r = 0; r < f.rows(); ++r) f.row(r) *= float(1 + r % 4);  // norms of 4 sizes
    feature_matrix out(400, 64);
    ias::feature::feature_jitter(f, ias::rng_stream(4, 0), out, {20.0f, 1.0f});
    for (int size = 1; size <= 4; ++size) {
        double ratio = 0;
        int rows = 0;
        for (Eigen::Index r = size - 1; r < f.rows(); r += 4, ++rows) {
            const double sigma = 20.0 * f.row(r).norm() / 64.0;
            ratio += (out.row(r) - f.row(r)).squaredNorm() / (64.0 * sigma * sigma);
        }
        CHECK(std::abs(ratio / rows - 1.0) < 0.06);
    }
    ias::feature::feature_jitter(f, ias::rng_stream(4, 0), out, {20.0f, 0.3f});
    Eigen::Index untouched = 0;
    for (Eigen::Index r = 0; r < f.rows(); ++r) untouched += out.row(r) == f.row(r);
    CHECK(std::abs(double(untouched) / 400.0 - 0.7) < 0.08);
    CHECK_THROWS_WITH(ias::feature::feature_jitter(f, ias::rng_stream(), out, {20.0f, 2.0f}), Catch::Contains("probability"));
}

TEST_CASE("supersimplenet_noise noises a Perlin mask on the duplicated grid and spares real defects") {
    const int batch = 4, h = 12, w = 16, c = 8, cells = h * w;
    const feature_matrix in = random_features(batch * cells, c, 9);
    std::vector<float> existing(std::size_t(batch * cells), 0.0f);
    for (int x = 0; x < w; ++x) existing[std::size_t(cells + 5 * w + x)] = 1.0f;  // image 1, row 5: a real defect
    const std::vector<float> existing_labels{0, 1, 0, 0};
    feature_matrix out(2 * batch * cells, c);
    std::vector<float> mask(std::size_t(2 * batch * cells)), labels(2 * batch);
    ias::feature::supersimplenet_scratch scratch;
    int normal_images = 0, total = 0;
    for (std::uint32_t index = 0; index < 40; ++index) {
        ias::feature::supersimplenet_noise(in, batch, h, w, ias::rng_stream(2, index), out, {mask, labels}, scratch, {},
                                           existing, existing_labels);
        for (int b = 0; b < 2 * batch; ++b, ++total) {
            const int source = b % batch;
            bool any_noise = false;
            for (int cell = 0; cell < cells; ++cell) {
                const Eigen::Index row = Eigen::Index(b) * cells + cell, in_row = Eigen::Index(source) * cells + cell;
                const bool noised = out.row(row) != in.row(in_row);
                const float real = existing[std::size_t(in_row)];
                if (real > 0.0f) REQUIRE_FALSE(noised);  // never on a labelled real defect
                REQUIRE(mask[std::size_t(row)] == ((noised || real > 0.0f) ? 1.0f : 0.0f));
                if (noised) REQUIRE((out.row(row) - in.row(in_row)).cwiseAbs().maxCoeff() < 0.015f * 6.0f);
                any_noise = any_noise || noised;
            }
            REQUIRE(labels[std::size_t(b)] == ((any_noise || existing_labels[std::size_t(source)] > 0) ? 1.0f : 0.0f));
            normal_images += !any_noise;
        }
    }
    // Half the copies are normal by the coin; a few more when the Perlin field stays below 0.2.
    CHECK(double(normal_images) / total > 0.4);
    CHECK(double(normal_images) / total < 0.7);
    CHECK_THROWS_WITH(ias::feature::supersimplenet_noise(in, batch, h, w + 1, ias::rng_stream(), out, {mask, labels}, scratch),
                      Catch::Contains("in is"));
}

TEST_CASE("glass_gas ascends along the supplied gradient") {
    const feature_matrix t = random_features(64, 32, 5);
    Eigen::RowVectorXf direction = Eigen::RowVectorXf::LinSpaced(32, -1.0f, 2.0f);
    auto constant_gradient = [&](ias::feature::const_features g, ias::feature::features grad) {
        for (Eigen::Index r = 0; r < g.rows(); ++r) grad.row(r) = 3.0f * direction;
    };
    const feature_matrix centre = feature_matrix::Zero(1, 32);
    const ias::rng_stream stream(6, 2);
    ias::feature::glass_gas_scratch scratch;
    feature_matrix start(64, 32), g(64, 32);
    ias::feature::glass_gas(t, centre, 1.0f, stream, constant_gradient, start, scratch, {.steps = 0});
    feature_matrix noised(64, 32);
    ias::feature::gaussian_feature_noise(t, stream, noised);
    CHECK(start == noised);  // mining off: the Gaussian step alone
    // Without projection, 7 steps move every row 7·η along the unit gradient.
    ias::feature::glass_gas(t, centre, 1.0f, stream, constant_gradient, g, scratch,
                            {.steps = 7, .step_size = 0.01f, .project_every = 100});
    const Eigen::RowVectorXf unit = direction.normalized();
    for (Eigen::Index r = 0; r < g.rows(); ++r) CHECK((g.row(r) - start.row(r) - 0.07f * unit).norm() < 1e-5f);
    // A callback that returns NaN is an error, not a silently wrong sample.
    auto broken = [](ias::feature::const_features, ias::feature::features grad) { grad(0, 0) = std::nanf(""); };
    CHECK_THROWS_WITH(ias::feature::glass_gas(t, centre, 1.0f, stream, broken, g, scratch), Catch::Contains("NaN"));
}

TEST_CASE("glass_gas projections land every norm in its band") {
    const int positions = 16, batch = 5, c = 24;
    const feature_matrix t = random_features(positions * batch, c, 7);
    feature_matrix centre = feature_matrix::Zero(positions, c);
    for (int b = 0; b < batch; ++b) centre += t.middleRows(b * positions, positions) / float(batch);
    std::vector<float> scratch_distances;
    const float r = ias::feature::glass_radius(t, centre, scratch_distances);
    // The 0.75 quantile, interpolated like torch.quantile.
    std::vector<float> d;
    for (Eigen::Index i = 0; i < t.rows(); ++i) d.push_back((t.row(i) - centre.row(i % positions)).norm());
    std::sort(d.begin(), d.end());
    const double at = 0.75 * double(d.size() - 1);
    const auto lo = std::size_t(at);
    CHECK(r == Approx(d[lo] + (at - double(lo)) * (d[lo + 1] - d[lo])).epsilon(1e-6));

    // A gradient that pushes away from the centre strongly: the projection must hold g in [r, 2r].
    auto outwards = [&](ias::feature::const_features g, ias::feature::features grad) {
        for (Eigen::Index i = 0; i < g.rows(); ++i) grad.row(i) = g.row(i) - centre.row(i % positions);
    };
    ias::feature::glass_gas_scratch scratch;
    feature_matrix g(t.rows(), c);
    ias::feature::glass_gas(t, centre, r, ias::rng_stream(1, 1), outwards, g, scratch, {.steps = 20, .step_size = 5.0f});
    for (Eigen::Index i = 0; i < g.rows(); ++i) {
        const float norm = (g.row(i) - centre.row(i % positions)).norm();
        CHECK(norm >= r * (1 - 1e-5f));
        CHECK(norm <= 2 * r * (1 + 1e-5f));
    }
    // Manifold mode: the shell [0.5, 1] around each row's own normal feature.
    ias::feature::glass_gas(t, feature_matrix(0, c), 0.0f, ias::rng_stream(1, 1), outwards, g, scratch,
                            {.steps = 20, .step_size = 5.0f, .mode = ias::feature::glass_distribution::manifold});
    for (Eigen::Index i = 0; i < g.rows(); ++i) {
        const float norm = (g.row(i) - t.row(i)).norm();
        CHECK(norm >= 0.5f * (1 - 1e-5f));
        CHECK(norm <= 1.0f * (1 + 1e-5f));
    }
    // LAS projection: masked rows to [2r, 4r] from the centre, the others untouched.
    feature_matrix f = random_features(t.rows(), c, 8) * 0.1f;
    const feature_matrix before = f;
    std::vector<float> mask(std::size_t(f.rows()));
    for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = i % 3 == 0 ? 1.0f : 0.0f;
    ias::feature::las_projection(f, centre, mask, r);
    for (Eigen::Index i = 0; i < f.rows(); ++i) {
        if (mask[std::size_t(i)] == 0.0f) {
            CHECK(f.row(i) == before.row(i));
            continue;
        }
        const float norm = (f.row(i) - centre.row(i % positions)).norm();
        CHECK(norm >= 2 * r * (1 - 1e-5f));
        CHECK(norm <= 4 * r * (1 + 1e-5f));
    }
    CHECK_THROWS_WITH(ias::feature::las_projection(f, feature_matrix::Zero(7, c), mask, r), Catch::Contains("centre"));
    CHECK_THROWS_WITH(ias::feature::glass_radius(t, centre, scratch_distances, 1.5f), Catch::Contains("quantile"));
}

TEST_CASE("codebook_substitution draws from DSR's rank window inside the mask") {
    CHECK(ias::feature::dsr_rank_window(4096, 0.2f).first == 204);
    CHECK(ias::feature::dsr_rank_window(4096, 0.2f).last == 820);
    CHECK(ias::feature::dsr_rank_window(4096, 1.0f).last == 4095);
    CHECK(ias::feature::dsr_rank_window(100, 0.01f).first == 1);  // λK + 1 = 2 codewords: the farther kept
    CHECK(ias::feature::dsr_rank_window(100, 0.01f).last == 2);

    const int k = 256, dims = 16, rows = 600;
    const feature_matrix codebook = random_features(k, dims, 10);
    const feature_matrix z = random_features(rows, dims, 11);
    std::vector<float> mask(rows);
    for (int r = 0; r < rows; ++r) mask[std::size_t(r)] = r % 4 == 0 ? 0.0f : r % 4 == 1 ? 0.5f : 1.0f;
    feature_matrix out(rows, dims);
    std::vector<int> chosen(rows);
    ias::feature::codebook_scratch scratch;
    const float strength = 0.5f;
    ias::feature::codebook_substitution(z, codebook, mask, strength, ias::rng_stream(12, 3), out, scratch, chosen);
    const auto window = ias::feature::dsr_rank_window(k, strength);
    std::vector<int> rank_count(std::size_t(k), 0);
    for (int r = 0; r < rows; ++r) {
        const float m = mask[std::size_t(r)];
        if (m == 0.0f) {
            CHECK(chosen[std::size_t(r)] == -1);
            CHECK(out.row(r) == z.row(r));
            continue;
        }
        const int index = chosen[std::size_t(r)];
        REQUIRE(index >= 0);
        const float distance = (codebook.row(index) - z.row(r)).squaredNorm();
        int rank = 0;
        for (int j = 0; j < k; ++j) rank += (codebook.row(j) - z.row(r)).squaredNorm() < distance;
        CHECK(rank >= window.first);
        CHECK(rank < window.last);
        ++rank_count[std::size_t(rank)];
        CHECK((out.row(r) - (m * codebook.row(index) + (1 - m) * z.row(r))).norm() < 1e-5f);
    }
    // Uniform over the window: each half of it gets about half the draws.
    const int half = (window.first + window.last) / 2;
    const int low = std::accumulate(rank_count.begin() + window.first, rank_count.begin() + half, 0);
    const int high = std::accumulate(rank_count.begin() + half, rank_count.begin() + window.last, 0);
    CHECK(std::abs(low - high) < 70);  // 450 draws: about 4 standard deviations
    CHECK_THROWS_WITH(ias::feature::codebook_substitution(z, codebook, mask, 1.5f, ias::rng_stream(), out, scratch),
                      Catch::Contains("strength"));
}

TEST_CASE("feature operators are a pure function of their stream") {
    const feature_matrix f = random_features(2 * 36, 16, 13);
    const feature_matrix codebook = random_features(64, 16, 14);
    const std::vector<float> ones(std::size_t(f.rows()), 1.0f);
    auto run = [&](std::uint32_t index) {
        std::vector<feature_matrix> results;
        const ias::rng_stream stream(77, index, 2);
        feature_matrix out(f.rows(), f.cols());
        ias::feature::gaussian_feature_noise(f, stream, out, {0.1f, 4});
        results.push_back(out);
        ias::feature::feature_jitter(f, stream, out, {20.0f, 0.5f});
        results.push_back(out);
        ias::feature::codebook_scratch codebook_scratch;
        ias::feature::codebook_substitution(f, codebook, ones, 0.7f, stream, out, codebook_scratch);
        results.push_back(out);
        ias::feature::glass_gas_scratch gas_scratch;
        auto gradient = [](ias::feature::const_features g, ias::feature::features grad) { grad = g.cwiseAbs(); };
        ias::feature::glass_gas(f, f.colwise().mean(), 1.0f, stream, gradient, out, gas_scratch);
        results.push_back(out);
        feature_matrix doubled(2 * f.rows(), f.cols());
        std::vector<float> mask(std::size_t(doubled.rows())), labels(4);
        ias::feature::supersimplenet_scratch ssn_scratch;
        ias::feature::supersimplenet_noise(f, 2, 6, 6, stream, doubled, {mask, labels}, ssn_scratch, {.normal_probability = 0.0f});
        results.push_back(doubled);
        return results;
    };
    const auto first = run(5), again = run(5), other = run(6);
    REQUIRE(first.size() == again.size());
    for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(first[i] == again[i]);
        CHECK(first[i] != other[i]);
    }
}
