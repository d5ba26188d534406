// The diffusion sampler's own cost per step, next to a copy of its state.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include <ias/diffusion/sampler.hpp>

namespace {

using namespace ias::diffusion;

constexpr int steps = 50;

/// A trivial network (ε̂ = 0.1·x_t), so that the time is the sampler's: the guidance and
/// conversion to ε̂ and x̂₀, the update, the hooks' checks and the noise it draws.
const any_denoiser trivial(prediction::epsilon, [](const denoiser_input& in, tensor_view out) {
    const float* x = in.x.data();
    float* o = out.data();
    for (std::size_t i = 0; i < out.size(); ++i) o[i] = 0.1f * x[i];
});

void run_steps(benchmark::State& state, const sampler_settings& options) {
    const int side = int(state.range(0));
    const sampler smp{respaced_schedule(noise_schedule::linear(), uniform_timesteps(1000, steps)), trivial, options};
    tensor x({1, side, side, 3});
    sampler_scratch scratch;
    std::uint32_t index = 0;
    for (auto _ : state) {
        const ias::rng_stream stream(1, index++);
        smp.run(x, std::span(&stream, 1), conditioning{}, scratch);
        benchmark::DoNotOptimize(x.data());
        benchmark::ClobberMemory();
    }
    // Time per step (the run also draws the start noise once: 1/50 of a step's worth here).
    state.counters["per_step"] = benchmark::Counter(double(state.iterations()) * steps,
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.SetBytesProcessed(std::int64_t(state.iterations()) * steps * std::int64_t(x.size() * sizeof(float)));
}

}  // namespace

// 64×64×3 (the size), 50 deterministic DDIM steps per iteration; per_step is the figure.
static void BM_ddim_step(benchmark::State& state) { run_steps(state, {}); }
BENCHMARK(BM_ddim_step)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);

// DDPM draws a fresh N(0, I) state every step: the bulk normal generator's share.
static void BM_ddpm_step(benchmark::State& state) { run_steps(state, {.kind = sampler_kind::ddpm}); }
BENCHMARK(BM_ddpm_step)->Arg(64)->Unit(benchmark::kMicrosecond);

// The yardstick: one memcpy of the 64×64×3 float state.
static void BM_memcpy_state(benchmark::State& state) {
    const int side = int(state.range(0));
    std::vector<float> from(std::size_t(side) * std::size_t(side) * 3, 1.0f), to(from.size());
    for (auto _ : state) {
        std::memcpy(to.data(), from.data(), from.size() * sizeof(float));
        benchmark::DoNotOptimize(to.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(from.size() * sizeof(float)));
}
BENCHMARK(BM_memcpy_state)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);
