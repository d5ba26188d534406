// Feature-space synthesis: SimpleNet's noise and GLASS's gradient-ascent shell on a batch of
// feature vectors, with the discriminator's gradient supplied by the caller.
#include <cmath>
#include <cstdio>
#include <vector>

#include <ias/feature/feature_noise.hpp>
#include <ias/feature/glass_gas.hpp>

int main() {
    using ias::feature::feature_matrix;
    const Eigen::Index rows = 36 * 36, channels = 256;  // one 288 × 288 image at stride 8
    feature_matrix normal(rows, channels);
    ias::fill_normal(ias::rng_stream(1, 0), 0, std::span(normal.data(), std::size_t(normal.size())));

    // SimpleNet: q⁻ = q + N(0, 0.015²), every row a synthetic anomaly.
    feature_matrix noised(rows, channels);
    ias::feature::gaussian_feature_noise(normal, ias::rng_stream(42, 0), noised, {.sigma = 0.015f});

    // GLASS: start from the noise, climb the discriminator's loss, stay in the shell [r, 2r].
    const feature_matrix centre = normal.colwise().mean();
    std::vector<float> scratch_distances;
    const float r = ias::feature::glass_radius(normal, centre, scratch_distances);  // 0.75 quantile
    const Eigen::VectorXf w = Eigen::VectorXf::Ones(channels) / std::sqrt(float(channels));
    auto gradient = [&](ias::feature::const_features g, ias::feature::features grad) {
        // The host's discriminator D(g) = σ(g·w); the gradient of BCE(D(g), 1) is (D(g) − 1)·w.
        for (Eigen::Index i = 0; i < g.rows(); ++i)
            grad.row(i) = (1.0f / (1.0f + std::exp(-g.row(i).dot(w))) - 1.0f) * w.transpose();
    };
    ias::feature::glass_gas_scratch scratch;
    feature_matrix synthetic(rows, channels);
    ias::feature::glass_gas(normal, centre, r, ias::rng_stream(42, 0), gradient, synthetic, scratch);

    float nearest = INFINITY, farthest = 0;
    for (Eigen::Index i = 0; i < rows; ++i) {
        const float distance = (synthetic.row(i) - centre).norm();
        nearest = std::min(nearest, distance);
        farthest = std::max(farthest, distance);
    }
    std::printf("SimpleNet noise: mean |q - q-| %.4f\n", (noised - normal).cwiseAbs().mean());
    std::printf("GLASS GAS: distances to the centre in [%.3f, %.3f], shell [r, 2r] = [%.3f, %.3f]\n",
                nearest, farthest, r, 2 * r);
}
