// SPDX-License-Identifier: MIT
// Core costs: pipeline overhead against hand-written calls, random numbers, generate().
#include <benchmark/benchmark.h>

#include <ias/generate.hpp>

namespace {

/// A trivial stage: one integer operation on the sample, no randomness.
template <int K>
struct bump {
    void operator()(ias::sample& s, ias::rng_stream&) const { s.label = s.label * 3 + K; }
};

const auto eight_stages = ias::pipeline(bump<1>{}, bump<2>{}, bump<3>{}, bump<4>{}, bump<5>{}, bump<6>{}, bump<7>{}, bump<8>{});

/// Times `ias::run(t, sample, stream)` per sample, with a new index each time.
template <class T>
void run_per_sample(benchmark::State& state, const T& t) {
    ias::sample s;
    std::uint64_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(1, index++ & 0xFFFF);
        ias::run(t, s, rng);
        benchmark::DoNotOptimize(s.label);
    }
    state.SetItemsProcessed(state.iterations());
}

// The pipeline of 8 trivial stages, called as users call it.
void BM_pipeline_overhead_pipeline(benchmark::State& state) { run_per_sample(state, eight_stages); }
BENCHMARK(BM_pipeline_overhead_pipeline);

// The same 8 stages by hand, each with the stream the pipeline would give it: identical
// output, so the difference to the case above is the pipeline's own cost.
void BM_pipeline_overhead_by_hand(benchmark::State& state) {
    ias::sample s;
    std::uint64_t index = 0;
    for (auto _ : state) {
        const ias::rng_stream rng(1, index++ & 0xFFFF);
        auto r0 = rng.fork(0), r1 = rng.fork(1), r2 = rng.fork(2), r3 = rng.fork(3);
        auto r4 = rng.fork(4), r5 = rng.fork(5), r6 = rng.fork(6), r7 = rng.fork(7);
        bump<1>{}(s, r0);
        bump<2>{}(s, r1);
        bump<3>{}(s, r2);
        bump<4>{}(s, r3);
        bump<5>{}(s, r4);
        bump<6>{}(s, r5);
        bump<7>{}(s, r6);
        bump<8>{}(s, r7);
        benchmark::DoNotOptimize(s.label);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_pipeline_overhead_by_hand);

// By hand with one shared stream and no forks: what per-stage streams cost on top.
void BM_pipeline_overhead_by_hand_no_forks(benchmark::State& state) {
    ias::sample s;
    std::uint64_t index = 0;
    for (auto _ : state) {
        ias::rng_stream rng(1, index++ & 0xFFFF);
        bump<1>{}(s, rng);
        bump<2>{}(s, rng);
        bump<3>{}(s, rng);
        bump<4>{}(s, rng);
        bump<5>{}(s, rng);
        bump<6>{}(s, rng);
        bump<7>{}(s, rng);
        bump<8>{}(s, rng);
        benchmark::DoNotOptimize(s.label);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_pipeline_overhead_by_hand_no_forks);

// Type-erased composition, for comparison with the compile-time pipeline above.
void BM_pipeline_overhead_dynamic(benchmark::State& state) {
    run_per_sample(state, ias::dynamic_pipeline{bump<1>{}, bump<2>{}, bump<3>{}, bump<4>{}, bump<5>{}, bump<6>{},
                                                bump<7>{}, bump<8>{}});
}
BENCHMARK(BM_pipeline_overhead_dynamic);

void BM_rng_uniform(benchmark::State& state) {
    ias::rng_stream rng(1, 0);
    for (auto _ : state) benchmark::DoNotOptimize(rng.uniform());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_rng_uniform);

void BM_rng_normal(benchmark::State& state) {
    ias::rng_stream rng(1, 0);
    for (auto _ : state) benchmark::DoNotOptimize(rng.normal());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_rng_normal);

void BM_rng_gamma(benchmark::State& state) {
    ias::rng_stream rng(1, 0);
    for (auto _ : state) benchmark::DoNotOptimize(rng.gamma(2.0f));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_rng_gamma);

/// Adds a stream-drawn constant to every pixel: a cheap per-pixel stage for generate().
struct offset {
    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        const float delta = rng.uniform(-0.1f, 0.1f);
        auto& im = s.image.get<float>();
        float* p = im.data();
        for (std::size_t i = 0; i < im.size(); ++i) p[i] += delta;
    }
};

// generate() over 256x256x3 float samples: the per-sample cost of the batch machinery
// (clear, source copy, validate, run, sink) on the given number of threads.
void BM_generate_256(benchmark::State& state) {
    const ias::image<float> normal(256, 256, 3, 0.5f);
    const auto threads = unsigned(state.range(0));
    const std::uint64_t batch = 64;
    for (auto _ : state) {
        ias::generate(
            offset{}, [&](std::uint64_t, ias::sample& s) { s.image.assign(normal.view()); }, 0, batch, threads,
            [](std::uint64_t, const ias::sample& s) { benchmark::DoNotOptimize(s.label); });
    }
    state.SetItemsProcessed(state.iterations() * std::int64_t(batch));
}
BENCHMARK(BM_generate_256)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();

}  // namespace
