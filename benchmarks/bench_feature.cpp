// Feature-space synthesis: SimpleNet's noise, GLASS's GAS, DSR's codebook substitution, bulk normals.
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include <ias/core/bulk_random.hpp>
#include <ias/feature/codebook_substitution.hpp>
#include <ias/feature/feature_noise.hpp>
#include <ias/feature/glass_gas.hpp>

using ias::feature::feature_matrix;

namespace {

feature_matrix random_features(Eigen::Index rows, Eigen::Index cols) {
    feature_matrix f(rows, cols);
    ias::fill_normal(ias::rng_stream(1, 0), 0, std::span(f.data(), std::size_t(f.size())));
    return f;
}

}  // namespace

// SimpleNet's q⁻ = q + N(0, 0.015²) on 4096 adapted features of 1536 channels (8 images of
// 288 × 288 give 8·36·36 = 10368 rows; 4096 is the size), single thread, out of place.
// benchmarks/compare/simplenet_noise.py times torch's `x + torch.randn_like(x) * 0.015`.
static void BM_simplenet_noise(benchmark::State& state) {
    const feature_matrix q = random_features(4096, 1536);
    feature_matrix noised(4096, 1536);
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::feature::gaussian_feature_noise(q, ias::rng_stream(7, index++), noised, {0.015f, 1});
        benchmark::DoNotOptimize(noised.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * q.size());
    state.SetBytesProcessed(state.iterations() * q.size() * 2 * std::int64_t(sizeof(float)));
}
BENCHMARK(BM_simplenet_noise)->Unit(benchmark::kMillisecond);

// The bulk generator alone, into an L1-resident buffer: the cost of the deviates without memory traffic.
static void BM_fill_normal_l1(benchmark::State& state) {
    std::vector<float> z(16384);
    std::uint64_t position = 0;
    for (auto _ : state) {
        ias::fill_normal(ias::rng_stream(3, 0), position, z);
        position = (position + z.size()) % (std::uint64_t{1} << 30);
        benchmark::DoNotOptimize(z.data());
    }
    state.SetItemsProcessed(state.iterations() * std::int64_t(z.size()));
}
BENCHMARK(BM_fill_normal_l1);

// GLASS's GAS on one batch: 1296 = 36·36 rows (one 288 × 288 image) of 1536 channels, 20
// ascent steps with a projection every 5, against a linear discriminator D(g) = σ(g·w + b),
// whose gradient of BCE(D(g), 1) the callback computes: (σ(g·w + b) − 1)·w per row.
static void BM_glass_gas(benchmark::State& state) {
    const Eigen::Index rows = 1296, cols = 1536;
    const feature_matrix t = random_features(rows, cols);
    const feature_matrix centre = t.colwise().mean();
    Eigen::VectorXf w = Eigen::VectorXf::LinSpaced(cols, -1.0f, 1.0f) / std::sqrt(float(cols));
    const float bias = 0.1f;
    Eigen::VectorXf logits(rows);
    auto linear_gradient = [&](ias::feature::const_features g, ias::feature::features grad) {
        logits.noalias() = g * w;
        for (Eigen::Index r = 0; r < rows; ++r) {
            const float p = 1.0f / (1.0f + std::exp(-(logits[r] + bias)));
            grad.row(r) = (p - 1.0f) * w.transpose();
        }
    };
    std::vector<float> distances;
    const float radius = ias::feature::glass_radius(t, centre, distances);
    ias::feature::glass_gas_scratch scratch;
    feature_matrix g(rows, cols);
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::feature::glass_gas(t, centre, radius, ias::rng_stream(9, index++), linear_gradient, g, scratch);
        benchmark::DoNotOptimize(g.data());
    }
    state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_glass_gas)->Unit(benchmark::kMillisecond);

// DSR's substitution on a 32 × 32 latent grid of 128 channels, half masked, codebook K = 4096.
static void BM_codebook_substitution(benchmark::State& state) {
    const feature_matrix codebook = random_features(4096, 128);
    const feature_matrix z = random_features(1024, 128);
    std::vector<float> mask(1024);
    for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = (i / 16) % 2 ? 1.0f : 0.0f;
    feature_matrix out(1024, 128);
    ias::feature::codebook_scratch scratch;
    std::uint32_t index = 0;
    for (auto _ : state) {
        ias::feature::codebook_substitution(z, codebook, mask, 0.6f, ias::rng_stream(2, index++), out, scratch);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_codebook_substitution)->Unit(benchmark::kMillisecond);
