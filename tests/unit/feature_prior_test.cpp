// SPDX-License-Identifier: MIT
// Prior-dependent feature operators: PBAS's centre bank and radial push, SPR's VE perturbation,
// AMI-Net's token masks, curved (sphere and Poincaré ball) operators and the Mahalanobis shell.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <optional>
#include <vector>

#include <ias/feature/curved.hpp>
#include <ias/feature/mahalanobis_shell.hpp>
#include <ias/feature/pbas.hpp>
#include <ias/feature/spr.hpp>
#include <ias/feature/token_masks.hpp>

using ias::rng_stream;
using ias::feature::feature_matrix;
using Catch::Matchers::Contains;

namespace {

/// An N × C matrix of N(0, scale²) values, a pure function of (seed, index).
feature_matrix random_features(Eigen::Index rows, Eigen::Index cols, std::uint64_t index, float scale = 1.0f) {
    feature_matrix m(rows, cols);
    ias::fill_normal(rng_stream(99, index), 0, std::span(m.data(), std::size_t(m.size())), 0.0f, scale);
    return m;
}

bool same_bytes(const feature_matrix& a, const feature_matrix& b) {
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * std::size_t(a.size())) == 0;
}

/// Rows scaled so that row i has Euclidean norm fraction·(i + 1)/N of the ball radius 1/√c.
feature_matrix points_in_ball(Eigen::Index rows, Eigen::Index cols, double c, double fraction, std::uint64_t index) {
    feature_matrix m = random_features(rows, cols, index);
    for (Eigen::Index i = 0; i < rows; ++i)
        m.row(i) *= float(fraction * double(i + 1) / double(rows) / std::sqrt(c) / double(m.row(i).norm()));
    return m;
}

std::vector<float> distances(const feature_matrix& x, const feature_matrix& y, float K) {
    std::vector<float> d(std::size_t(x.rows()));
    ias::feature::poincare_distance(x, y, K, d);
    return d;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// PBAS

TEST_CASE("pbas: the centre bank copies the first batch then moves cosine-matched centres by the moving average",
          "[feature_prior][pbas]") {
    ias::feature::centre_bank bank;
    REQUIRE(bank.empty());
    feature_matrix first(2, 2);
    first << 1, 0, 0, 1;
    bank.update(first);
    REQUIRE_FALSE(bank.empty());
    REQUIRE(same_bytes(bank.centres, first));

    // Rows 0 and 2 match centre 0 and row 1 centre 1, all against the centres before the update;
    // centre 0 then moves twice, row 0 first: 0.9·(0.9·c + 0.1·m0) + 0.1·m2.
    feature_matrix batch(3, 2);
    batch << 2, 0.1f, 0, 3, 3, 0;
    bank.update(batch);
    CHECK(bank.centres(0, 0) == Approx(0.9 * (0.9 * 1 + 0.1 * 2) + 0.1 * 3));
    CHECK(bank.centres(0, 1) == Approx(0.9 * (0.1 * 0.1)));
    CHECK(bank.centres(1, 0) == Approx(0.0).margin(1e-7));
    CHECK(bank.centres(1, 1) == Approx(0.9 * 1 + 0.1 * 3));

    SECTION("matching is by cosine, not by Euclidean distance") {
        ias::feature::centre_bank b{.momentum = 0.5f};
        feature_matrix c(2, 2);
        c << 10, 0, 0, 0.1f;
        b.update(c);
        feature_matrix m(1, 2);
        m << 1, 0.05f;  // Euclidean-nearest to centre 1, cosine-nearest to centre 0
        b.update(m);
        CHECK(b.centres(0, 0) == Approx(5.5));
        CHECK(b.centres(0, 1) == Approx(0.025));
        CHECK(b.centres(1, 1) == Approx(0.1));
    }
    SECTION("bad momentum or columns throw, naming the field") {
        ias::feature::centre_bank b{.momentum = 1.5f};
        CHECK_THROWS_WITH(b.update(first), Contains("momentum"));
        feature_matrix wide(1, 3);
        wide.setOnes();
        CHECK_THROWS_WITH(bank.update(wide), Contains("batch_mean"));
    }
}

TEST_CASE("pbas: nearest centre is the cosine-nearest with its Euclidean distance", "[feature_prior][pbas]") {
    feature_matrix centres(3, 2);
    centres << 10, 0, 0, 0.1f, 0, 5;  // centres 1 and 2 point the same way: ties go to the first
    feature_matrix f(3, 2);
    f << 1, 0.05f, 0, 7, 0, 0;
    std::vector<int> index(3);
    std::vector<float> distance(3);
    ias::feature::nearest_centre(f, centres, index, distance);
    CHECK(index == std::vector<int>{0, 1, 0});
    CHECK(distance[0] == Approx(std::sqrt(81.0 + 0.0025)));
    CHECK(distance[1] == Approx(6.9));
    CHECK(distance[2] == Approx(10.0));

    std::vector<float> short_distance(2);
    CHECK_THROWS_WITH(ias::feature::nearest_centre(f, centres, index, short_distance), Contains("distance_out"));
    CHECK_THROWS_WITH(ias::feature::nearest_centre(f, centres.leftCols(1), index, distance), Contains("centres"));
}

TEST_CASE("pbas: the radial push moves each row by k times r along f minus its centre", "[feature_prior][pbas]") {
    const Eigen::Index n = 60, c = 12;
    feature_matrix centres = random_features(5, c, 1, 3.0f);
    feature_matrix f = random_features(n, c, 2);
    f.row(7) = centres.row(3);  // a row on its centre: no direction, left unchanged
    std::vector<int> index(n);
    std::vector<float> d(n);
    ias::feature::nearest_centre(f, centres, index, d);
    const double mean_d = std::accumulate(d.begin(), d.end(), 0.0) / double(n);
    const float k = 0.25f;

    feature_matrix out(n, c);
    SECTION("r is the batch's mean distance") {
        const float r = ias::feature::radial_push(f, centres, k, out);
        CHECK(r == Approx(mean_d).epsilon(1e-5));
        for (Eigen::Index i = 0; i < n; ++i) {
            if (i == 7) {
                CHECK(out.row(i) == f.row(i));
                continue;
            }
            const Eigen::RowVectorXf step = out.row(i) - f.row(i);
            const Eigen::RowVectorXf away = f.row(i) - centres.row(index[std::size_t(i)]);
            CHECK(step.norm() == Approx(k * r).epsilon(1e-4));
            CHECK(step.dot(away) / (step.norm() * away.norm()) == Approx(1.0).epsilon(1e-5));
            // The distance from the centre grows by exactly k·r.
            CHECK((out.row(i) - centres.row(index[std::size_t(i)])).norm() == Approx(d[std::size_t(i)] + k * r).epsilon(1e-4));
        }
    }
    SECTION("a given radius replaces the mean and is returned") {
        const float r = ias::feature::radial_push(f, centres, k, out, 2.0f);
        CHECK(r == 2.0f);
        CHECK((out.row(0) - f.row(0)).norm() == Approx(0.5).epsilon(1e-4));
    }
    SECTION("bad parameters and shapes throw, naming the field") {
        CHECK_THROWS_WITH(ias::feature::radial_push(f, centres, 0.0f, out), Contains("k is"));
        CHECK_THROWS_WITH(ias::feature::radial_push(f, centres, k, out, -1.0f), Contains("radius"));
        feature_matrix narrow(n, c - 1);
        CHECK_THROWS_WITH(ias::feature::radial_push(f, centres, k, narrow), Contains("out is"));
        CHECK_THROWS_WITH(ias::feature::radial_push(f, centres.leftCols(c - 1), k, out), Contains("centres"));
        CHECK_THROWS_WITH(ias::feature::radial_push(f, centres, k, f), Contains("separate"));
    }
}

// ---------------------------------------------------------------------------------------------
// SPR

TEST_CASE("spr: the VE schedule has its known values", "[feature_prior][spr]") {
    const double ln25 = std::log(25.0);
    CHECK(ias::feature::ve_sigma(0.0f) == 0.0f);
    CHECK(ias::feature::ve_sigma(1e-7f) == Approx(std::sqrt(1e-7)).epsilon(1e-4));  // σ(t) ≈ √t near 0
    CHECK(ias::feature::ve_sigma(1.0f) == Approx(std::sqrt(624.0 / (2.0 * ln25))));
    CHECK(ias::feature::ve_sigma(1.0f) == Approx(9.8452).epsilon(1e-4));
    CHECK(ias::feature::ve_sigma(1e-3f) == Approx(std::sqrt((std::pow(25.0, 2e-3) - 1.0) / (2.0 * ln25))).epsilon(1e-6));
    CHECK(ias::feature::ve_sigma(0.5f, 4.0f) == Approx(std::sqrt(3.0 / (2.0 * std::log(4.0)))));
    CHECK(ias::feature::ve_diffusion(1.0f) == Approx(25.0));
    CHECK(ias::feature::ve_diffusion(0.5f) == Approx(5.0));
    CHECK_THROWS_WITH(ias::feature::ve_sigma(-0.1f), Contains("t is"));
    CHECK_THROWS_WITH(ias::feature::ve_sigma(0.5f, 1.0f), Contains("sigma"));
    CHECK_THROWS_WITH(ias::feature::ve_diffusion(NAN), Contains("t is"));
}

TEST_CASE("spr: ve_perturb adds sigma of t times the standard normal noise it returns", "[feature_prior][spr]") {
    const Eigen::Index n = 200, c = 64;
    const feature_matrix x = random_features(n, c, 3);
    const rng_stream stream(5, 11, 2);
    const float t = 0.5f, s = ias::feature::ve_sigma(t);
    feature_matrix out(n, c), noise(n, c);
    ias::feature::ve_perturb(x, t, stream, out, noise);

    const double mean = noise.cast<double>().mean();
    const double sd = std::sqrt((noise.cast<double>().array() - mean).square().sum() / double(n * c - 1));
    CHECK(mean == Approx(0.0).margin(0.03));
    CHECK(sd == Approx(1.0).margin(0.03));
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < c; ++j) REQUIRE(out(i, j) - x(i, j) == Approx(s * noise(i, j)).margin(1e-5));

    SECTION("element (r, c) is bulk position r·C + c of the stream") {
        std::vector<float> row(static_cast<std::size_t>(c));
        ias::fill_normal(stream, 37 * std::uint64_t(c), row);
        CHECK(std::memcmp(row.data(), noise.row(37).data(), sizeof(float) * row.size()) == 0);
    }
    SECTION("in place: out may be x") {
        feature_matrix y = x, noise2(n, c);
        ias::feature::ve_perturb(y, t, stream, y, noise2);
        CHECK(same_bytes(y, out));
    }
    SECTION("the residual of the exact score of the perturbation vanishes") {
        const feature_matrix n_added = s * noise;
        const feature_matrix score = -n_added / (s * s);
        feature_matrix residual(n, c);
        ias::feature::spr_residual(score, n_added, t, residual);
        CHECK(residual.cwiseAbs().maxCoeff() < 1e-5f);
        feature_matrix one(1, 1), two(1, 1), r(1, 1);
        one << 1;
        two << 2;
        ias::feature::spr_residual(one, two, 1.0f, r);
        CHECK(r(0, 0) == Approx(624.0 / (2.0 * std::log(25.0)) + 2.0));
        CHECK_THROWS_WITH(ias::feature::spr_residual(one, x, 1.0f, r), Contains("noise is"));
    }
    SECTION("shapes are checked") {
        feature_matrix small(n - 1, c);
        CHECK_THROWS_WITH(ias::feature::ve_perturb(x, t, stream, small, noise), Contains("out is"));
        CHECK_THROWS_WITH(ias::feature::ve_perturb(x, t, stream, out, small), Contains("noise_out"));
    }
}

// ---------------------------------------------------------------------------------------------
// AMI-Net

TEST_CASE("token_masks: the random mask count is returned and its ratio is uniform", "[feature_prior][token_masks]") {
    const int tokens = 100, streams = 4000;
    std::vector<std::uint8_t> mask(tokens);
    std::vector<double> per_token(tokens, 0.0);
    double total_ratio = 0.0;
    int below_half = 0;
    for (int s = 0; s < streams; ++s) {
        const int count = ias::feature::random_token_mask(tokens, rng_stream(7, std::uint64_t(s)), mask);
        REQUIRE(count == std::accumulate(mask.begin(), mask.end(), 0));
        REQUIRE(count >= 0);
        REQUIRE(count < tokens);
        for (int i = 0; i < tokens; ++i) per_token[std::size_t(i)] += mask[std::size_t(i)];
        total_ratio += double(count) / tokens;
        below_half += count < tokens / 2 ? 1 : 0;
    }
    // E[int(N·r)]/N = 0.5 − 0.5/N for r ~ U[0, 1).
    CHECK(total_ratio / streams == Approx(0.495).margin(0.015));
    CHECK(double(below_half) / streams == Approx(0.5).margin(0.03));
    for (double p : per_token) CHECK(p / streams == Approx(0.495).margin(0.05));  // every token equally likely

    SECTION("the same stream gives the same mask, another index another") {
        std::vector<std::uint8_t> a(tokens), b(tokens), other(tokens);
        ias::feature::random_token_mask(tokens, rng_stream(1, 5), a);
        ias::feature::random_token_mask(tokens, rng_stream(1, 5), b);
        ias::feature::random_token_mask(tokens, rng_stream(1, 6), other);
        CHECK(a == b);
        CHECK(a != other);
    }
    SECTION("edge cases and errors") {
        CHECK(ias::feature::random_token_mask(0, rng_stream(), {}) == 0);
        std::vector<std::uint8_t> wrong(3);
        CHECK_THROWS_WITH(ias::feature::random_token_mask(4, rng_stream(), wrong), Contains("mask_out"));
        CHECK_THROWS_WITH(ias::feature::random_token_mask(-1, rng_stream(), {}), Contains("tokens"));
    }
}

TEST_CASE("token_masks: the cluster outlier mask is exact on a tiny case", "[feature_prior][token_masks]") {
    // Cluster 0: mean 3, squared deviations 14, std √(14/3) = 2.160 (sample) or √3.5 = 1.871
    //   (population): at σ = 1.5 the threshold is 6.24 or 5.81, so 6 is masked only with the latter.
    // Cluster 1: equal distances, std 0, threshold 5: both masked.
    // Cluster 2: a single token: never masked.
    // Cluster 70 (a second chunk of ids): mean 2.25, sample std 4.5, threshold exactly 9.
    const std::vector<float> d{1, 2, 3, 6, 5, 5, 7, 0, 0, 0, 9};
    const std::vector<int> cluster{0, 0, 0, 0, 1, 1, 2, 70, 70, 70, 70};
    std::vector<std::uint8_t> mask(d.size());
    ias::feature::cluster_outlier_mask(d, cluster, 1.5f, mask);
    CHECK(mask == std::vector<std::uint8_t>{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1});
    ias::feature::cluster_outlier_mask(d, cluster, 1.5f, mask, false);
    CHECK(mask == std::vector<std::uint8_t>{0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1});

    const std::vector<int> negative{0, 0, 0, 0, 1, 1, 2, 70, 70, -1, 70};
    CHECK_THROWS_WITH(ias::feature::cluster_outlier_mask(d, negative, 0.5f, mask), Contains("cluster["));
    std::vector<std::uint8_t> short_mask(2);
    CHECK_THROWS_WITH(ias::feature::cluster_outlier_mask(d, cluster, 0.5f, short_mask), Contains("mask_out"));
    CHECK_THROWS_WITH(ias::feature::cluster_outlier_mask(d, cluster, NAN, mask), Contains("sigma"));
}

TEST_CASE("token_masks: AMI distance is the minimum of distance times one minus cosine", "[feature_prior][token_masks]") {
    feature_matrix centres(2, 2), x(2, 2);
    centres << 2, 0, 0, 1;
    x << 1, 0, 1, 1;
    std::vector<float> d(2);
    std::vector<int> cluster(2);
    ias::feature::ami_distance(x, centres, d, cluster);
    CHECK(cluster == std::vector<int>{0, 1});
    CHECK(d[0] == Approx(0.0).margin(1e-7));
    CHECK(d[1] == Approx(1.0 - 1.0 / std::sqrt(2.0)));  // ‖(1, 0)‖·(1 − cos 45°)
    CHECK_THROWS_WITH(ias::feature::ami_distance(x, centres.leftCols(1), d, cluster), Contains("centres"));
    std::vector<int> short_cluster(1);
    CHECK_THROWS_WITH(ias::feature::ami_distance(x, centres, d, short_cluster), Contains("cluster_out"));
}

// ---------------------------------------------------------------------------------------------
// Curved spaces

TEST_CASE("curved: sphere projection and the stereographic round trip", "[feature_prior][curved]") {
    const float K = 0.5f;
    const double radius = 1.0 / std::sqrt(double(K));
    feature_matrix f = random_features(30, 5, 4);
    f.row(3).setZero();
    feature_matrix sphere(30, 5), flat(30, 4), back(30, 5);
    ias::feature::project_to_sphere(f, float(radius), sphere);
    for (Eigen::Index i = 0; i < f.rows(); ++i) CHECK(sphere.row(i).norm() == Approx(radius).epsilon(1e-6));
    CHECK(sphere(3, 0) == Approx(radius));  // the zero row goes to r·e_0

    ias::feature::stereographic(sphere, K, flat);
    ias::feature::inverse_stereographic(flat, K, back);
    CHECK((back - sphere).cwiseAbs().maxCoeff() < 1e-5f);

    // The chart's centre: the pole x_{d+1} = +1/√K maps to 0, and 0 back to it.
    feature_matrix pole = feature_matrix::Zero(1, 5), zero(1, 4), pole_back(1, 5);
    pole(0, 4) = float(radius);
    ias::feature::stereographic(pole, K, zero);
    CHECK(zero.cwiseAbs().maxCoeff() == 0.0f);
    ias::feature::inverse_stereographic(zero, K, pole_back);
    CHECK(pole_back(0, 4) == Approx(radius));

    const feature_matrix y = random_features(30, 4, 5, 2.0f);
    feature_matrix on_sphere(30, 5), y_back(30, 4);
    ias::feature::inverse_stereographic(y, K, on_sphere);
    for (Eigen::Index i = 0; i < y.rows(); ++i) CHECK(on_sphere.row(i).norm() == Approx(radius).epsilon(1e-5));
    ias::feature::stereographic(on_sphere, K, y_back);
    CHECK((y_back - y).cwiseAbs().maxCoeff() < 1e-4f);

    CHECK_THROWS_WITH(ias::feature::stereographic(sphere, -1.0f, flat), Contains("K is"));
    CHECK_THROWS_WITH(ias::feature::stereographic(sphere, K, back), Contains("out is"));
    CHECK_THROWS_WITH(ias::feature::project_to_sphere(f, 0.0f, sphere), Contains("r is"));
}

TEST_CASE("curved: exp0 and log0 are inverses inside the ball", "[feature_prior][curved]") {
    for (const float K : {-1.0f, -2.5f}) {
        const double c = -double(K);
        feature_matrix v = random_features(40, 8, 6, 0.4f);
        v.row(0).setZero();
        feature_matrix ball(40, 8), back(40, 8);
        ias::feature::poincare_exp0(v, K, ball);
        for (Eigen::Index i = 0; i < v.rows(); ++i) CHECK(ball.row(i).norm() < 1.0 / std::sqrt(c));
        CHECK(ball.row(0).norm() == 0.0f);
        ias::feature::poincare_log0(ball, K, back);
        CHECK((back - v).cwiseAbs().maxCoeff() < 1e-4f);
        // A huge tangent vector lands on the clamp radius, not on or past the boundary.
        feature_matrix huge = feature_matrix::Constant(1, 8, 1e4f), clamped(1, 8);
        ias::feature::poincare_exp0(huge, K, clamped);
        CHECK(clamped.norm() <= (1.0 - ias::feature::poincare_boundary_margin) / std::sqrt(c) * (1 + 1e-6));
    }
    feature_matrix v(1, 2), out(1, 2);
    CHECK_THROWS_WITH(ias::feature::poincare_exp0(v, 1.0f, out), Contains("K is"));
    CHECK_THROWS_WITH(ias::feature::poincare_log0(v, 0.0f, out), Contains("K is"));
}

TEST_CASE("curved: Mobius addition identities and the geodesic distance", "[feature_prior][curved]") {
    const float K = -1.5f;
    const double c = 1.5;
    const feature_matrix x = points_in_ball(25, 6, c, 0.9, 7);
    const feature_matrix y = points_in_ball(25, 6, c, 0.8, 8);
    const feature_matrix zero = feature_matrix::Zero(25, 6);
    const feature_matrix minus_x = -x;
    feature_matrix out(25, 6), sum(25, 6), back(25, 6);

    ias::feature::mobius_add(x, zero, K, out);
    CHECK(same_bytes(out, x));  // x ⊕ 0 = x exactly
    ias::feature::mobius_add(minus_x, x, K, out);
    CHECK(out.cwiseAbs().maxCoeff() < 1e-6f);  // (−x) ⊕ x = 0
    ias::feature::mobius_add(x, y, K, sum);
    ias::feature::mobius_add(minus_x, sum, K, back);
    CHECK((back - y).cwiseAbs().maxCoeff() < 1e-4f);  // left cancellation

    // d(x, y) = (2/√c)·artanh(√c‖(−x) ⊕ y‖), and d(0, y) = (2/√c)·artanh(√c‖y‖).
    const std::vector<float> d = distances(x, y, K);
    ias::feature::mobius_add(minus_x, y, K, out);
    const std::vector<float> from_origin = distances(zero, y, K);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double expected = 2.0 / std::sqrt(c) * std::atanh(std::sqrt(c) * double(out.row(i).norm()));
        CHECK(d[std::size_t(i)] == Approx(expected).epsilon(1e-4));
        CHECK(from_origin[std::size_t(i)] ==
              Approx(2.0 / std::sqrt(c) * std::atanh(std::sqrt(c) * double(y.row(i).norm()))).epsilon(1e-5));
    }
    for (float dx : distances(x, x, K)) CHECK(dx == 0.0f);

    SECTION("in place and shapes") {
        feature_matrix in_place = x;
        ias::feature::mobius_add(in_place, y, K, in_place);
        CHECK((in_place - sum).cwiseAbs().maxCoeff() < 1e-6f);
        std::vector<float> short_out(3);
        CHECK_THROWS_WITH(ias::feature::poincare_distance(x, y, K, short_out), Contains("out has"));
        CHECK_THROWS_WITH(ias::feature::mobius_add(x, y.leftCols(2), K, out), Contains("y is"));
    }
}

TEST_CASE("curved: geodesic shell samples lie at distances in the band from mu", "[feature_prior][curved]") {
    for (const float K : {-1.0f, -4.0f}) {
        const double c = -double(K);
        const feature_matrix mu = points_in_ball(300, 10, c, 0.6, 9);
        const float r1 = 0.5f, r2 = 1.5f;
        feature_matrix out(300, 10);
        ias::feature::geodesic_shell_sample(mu, r1, r2, K, rng_stream(3, 1), out);
        const std::vector<float> d = distances(mu, out, K);
        for (std::size_t i = 0; i < d.size(); ++i) {
            REQUIRE(d[i] >= r1 * (1 - 1e-4));
            REQUIRE(d[i] <= r2 * (1 + 1e-4));
            REQUIRE(out.row(Eigen::Index(i)).norm() < 1.0 / std::sqrt(c));
        }
        CHECK(*std::min_element(d.begin(), d.end()) < r1 + 0.05f);  // the band is covered
        CHECK(*std::max_element(d.begin(), d.end()) > r2 - 0.05f);
    }
    const feature_matrix mu = points_in_ball(4, 3, 1.0, 0.5, 10);
    feature_matrix out(4, 3);
    ias::feature::geodesic_shell_sample(mu, 1.0f, 1.0f, -1.0f, rng_stream(), out);
    for (float d : distances(mu, out, -1.0f)) CHECK(d == Approx(1.0).epsilon(1e-4));
    feature_matrix same = mu;
    CHECK_THROWS_WITH(ias::feature::geodesic_shell_sample(same, 1.0f, 2.0f, -1.0f, rng_stream(), same),
                      Contains("separate"));
    CHECK_THROWS_WITH(ias::feature::geodesic_shell_sample(mu, 2.0f, 1.0f, -1.0f, rng_stream(), out), Contains("r1"));
}

TEST_CASE("curved: wrapped normal samples stay in the ball at geodesic distance sigma times the noise norm",
          "[feature_prior][curved]") {
    const float K = -1.0f, sigma = 0.7f;
    const Eigen::Index n = 200, cols = 6;
    const feature_matrix mu = points_in_ball(n, cols, 1.0, 0.95, 11);
    const rng_stream stream(8, 4);
    feature_matrix out(n, cols);
    ias::feature::wrapped_normal_sample(mu, sigma, K, stream, out);
    feature_matrix eps(n, cols);
    ias::fill_normal(stream, 0, std::span(eps.data(), std::size_t(eps.size())));
    const std::vector<float> d = distances(mu, out, K);
    for (Eigen::Index i = 0; i < n; ++i) {
        REQUIRE(out.row(i).norm() < 1.0f);
        CHECK(d[std::size_t(i)] == Approx(sigma * eps.row(i).norm()).epsilon(2e-3));
    }
    SECTION("sigma 0 returns mu and a point near the boundary stays inside") {
        feature_matrix same(n, cols);
        ias::feature::wrapped_normal_sample(mu, 0.0f, K, stream, same);
        CHECK(same_bytes(same, mu));
        feature_matrix edge = points_in_ball(50, cols, 1.0, 0.99999, 12), far(50, cols);
        ias::feature::wrapped_normal_sample(edge, 20.0f, K, stream, far);
        for (Eigen::Index i = 0; i < far.rows(); ++i) CHECK(far.row(i).norm() < 1.0f);
    }
    CHECK_THROWS_WITH(ias::feature::wrapped_normal_sample(mu, -1.0f, K, stream, out), Contains("sigma"));
    CHECK_THROWS_WITH(ias::feature::wrapped_normal_sample(mu, sigma, 0.5f, stream, out), Contains("K is"));
}

// ---------------------------------------------------------------------------------------------
// Mahalanobis shell

TEST_CASE("mahalanobis: the fit factors the regularised covariance", "[feature_prior][mahalanobis]") {
    const Eigen::Index n = 500, cols = 8;
    const feature_matrix mixing = random_features(cols, cols, 13);
    const feature_matrix normal = (random_features(n, cols, 14) * mixing).rowwise() + Eigen::RowVectorXf::LinSpaced(cols, 1, 8);
    const auto g = ias::feature::gaussian_fit::fit(normal, 0.01f);
    REQUIRE(g.dimension() == cols);
    const Eigen::MatrixXd x = normal.cast<double>();
    const Eigen::RowVectorXd mean = x.colwise().mean();
    const Eigen::MatrixXd centred = x.rowwise() - mean;
    const Eigen::MatrixXd sample_cov = centred.transpose() * centred / double(n - 1);
    CHECK(g.ridge == Approx(0.01 * sample_cov.trace() / double(cols)).epsilon(1e-5));
    Eigen::MatrixXd cov = sample_cov;
    cov.diagonal().array() += double(g.ridge);
    CHECK((g.mean.cast<double>() - mean.transpose()).cwiseAbs().maxCoeff() < 1e-5);
    const Eigen::MatrixXd l = g.factor.cast<double>();
    CHECK((l * l.transpose() - cov).cwiseAbs().maxCoeff() < 1e-4 * cov.cwiseAbs().maxCoeff());
    CHECK((g.whitening.cast<double>() * l - Eigen::MatrixXd::Identity(cols, cols)).cwiseAbs().maxCoeff() < 1e-5);
    // The normal features' own squared distances average (N − 1)/N·tr((Σ + εI)⁻¹Σ): C·(N − 1)/N
    // without the ridge (χ²_C), a little less with it.
    std::vector<float> d(static_cast<std::size_t>(n));
    ias::feature::mahalanobis_distance(g, normal, d);
    double mean_square = 0;
    for (float v : d) mean_square += double(v) * v;
    const double expected = double(n - 1) / double(n) * cov.llt().solve(sample_cov).trace();
    CHECK(mean_square / double(n) == Approx(expected).epsilon(1e-4));
    CHECK(expected < double(cols));

    CHECK_THROWS_WITH(ias::feature::gaussian_fit::fit(normal, -0.1f), Contains("shrinkage"));
    CHECK_THROWS_WITH(ias::feature::gaussian_fit::fit(normal.topRows(1)), Contains("normal is"));
    CHECK_THROWS_WITH(ias::feature::gaussian_fit::fit(feature_matrix::Ones(10, 3)), Contains("vary"));
    // C ≥ N: the sample covariance is singular, the ridge is what makes it invertible.
    const feature_matrix few = random_features(6, 20, 15);
    CHECK_THROWS_WITH(ias::feature::gaussian_fit::fit(few, 0.0f), Contains("shrinkage"));
    CHECK_NOTHROW(ias::feature::gaussian_fit::fit(few, 0.01f));
}

TEST_CASE("mahalanobis: shell samples lie in the distance band under the fit", "[feature_prior][mahalanobis]") {
    const feature_matrix mixing = random_features(16, 16, 16);
    const feature_matrix normal = random_features(400, 16, 17) * mixing;
    const feature_matrix few = random_features(10, 32, 18, 2.0f);  // C ≥ N
    for (const feature_matrix* data : {&normal, &few}) {
        const auto g = ias::feature::gaussian_fit::fit(*data);
        const float d_min = 3.0f, d_max = 6.0f;
        feature_matrix out(500, data->cols());
        ias::feature::mahalanobis_shell(g, d_min, d_max, rng_stream(4, 2), out);
        std::vector<float> d(500);
        ias::feature::mahalanobis_distance(g, out, d);
        for (float v : d) {
            REQUIRE(v >= d_min * (1 - 1e-3));
            REQUIRE(v <= d_max * (1 + 1e-3));
        }
        CHECK(*std::min_element(d.begin(), d.end()) < d_min + 0.1f);
        CHECK(*std::max_element(d.begin(), d.end()) > d_max - 0.1f);
    }
    const auto g = ias::feature::gaussian_fit::fit(normal);
    feature_matrix out(3, 16), narrow(3, 15);
    CHECK_THROWS_WITH(ias::feature::mahalanobis_shell(g, 2.0f, 1.0f, rng_stream(), out), Contains("d_min"));
    CHECK_THROWS_WITH(ias::feature::mahalanobis_shell(g, 1.0f, 2.0f, rng_stream(), narrow), Contains("out is"));
    CHECK_THROWS_WITH(ias::feature::mahalanobis_shell(ias::feature::gaussian_fit{}, 1.0f, 2.0f, rng_stream(), out),
                      Contains("gaussian_fit::fit"));
    std::vector<float> d(2);
    CHECK_THROWS_WITH(ias::feature::mahalanobis_distance(g, out, d), Contains("out has"));
}

// ---------------------------------------------------------------------------------------------
// Determinism of the random operators

TEST_CASE("feature prior operators: results are a pure function of the stream and independent per row",
          "[feature_prior]") {
    const Eigen::Index n = 40, cols = 12;
    const feature_matrix mu = points_in_ball(n, cols, 1.0, 0.5, 19);
    const auto g = ias::feature::gaussian_fit::fit(random_features(100, cols, 20));

    // Each operator run three times (stream A, stream A again, stream B with another index),
    // and once on the first 10 rows only: the first rows must not depend on the others.
    auto check = [&](auto&& run) {
        feature_matrix a(n, cols), again(n, cols), other(n, cols), head(10, cols);
        run(rng_stream(42, 1, 0), a, n);
        run(rng_stream(42, 1, 0), again, n);
        run(rng_stream(42, 2, 0), other, n);
        run(rng_stream(42, 1, 0), head, 10);
        CHECK(same_bytes(a, again));
        CHECK_FALSE(same_bytes(a, other));
        CHECK(same_bytes(feature_matrix(a.topRows(10)), head));
    };
    SECTION("wrapped_normal_sample") {
        check([&](const rng_stream& s, feature_matrix& out, Eigen::Index rows) {
            ias::feature::wrapped_normal_sample(mu.topRows(rows), 0.3f, -1.0f, s, out);
        });
    }
    SECTION("geodesic_shell_sample") {
        check([&](const rng_stream& s, feature_matrix& out, Eigen::Index rows) {
            ias::feature::geodesic_shell_sample(mu.topRows(rows), 0.2f, 0.8f, -1.0f, s, out);
        });
    }
    SECTION("mahalanobis_shell") {
        check([&](const rng_stream& s, feature_matrix& out, Eigen::Index) { ias::feature::mahalanobis_shell(g, 1.0f, 4.0f, s, out); });
    }
    SECTION("ve_perturb") {
        check([&](const rng_stream& s, feature_matrix& out, Eigen::Index rows) {
            feature_matrix noise(rows, cols);
            ias::feature::ve_perturb(mu.topRows(rows), 0.3f, s, out, noise);
        });
    }
}
