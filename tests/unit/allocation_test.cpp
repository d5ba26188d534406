// SPDX-License-Identifier: MIT
// No allocation per sample in steady state: the global allocation functions of the test
// program count calls, and a second run over more samples must allocate no more than the first.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include <ias/ias.hpp>
#include <ias/io/texture_bank.hpp>

#include "test_transforms.hpp"

namespace {
std::atomic<long> allocations{0};
}

// Every replaceable non-aligned form is replaced, so that each allocation is paired with
// the matching deallocation (AddressSanitizer checks the pairs).
namespace {
void* counted_alloc(std::size_t size) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
void* counted_alloc_or_throw(std::size_t size) {
    if (void* p = counted_alloc(size)) return p;
    throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return counted_alloc_or_throw(size); }
void* operator new[](std::size_t size) { return counted_alloc_or_throw(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

TEST_CASE("allocation: pipelines and generate allocate nothing per sample once warm", "[allocation]") {
    const auto p = ias::pipeline(ias_test::add_noise{}, ias::sometimes(0.5, ias_test::paint_rect{}),
                                 ias::one_of(ias_test::paint_rect{}, ias_test::add_noise{}), ias::repeat(0, 3, ias_test::add_noise{}));
    const ias::image<float> normal(48, 40, 3, 0.5f);

    SECTION("calling a pipeline on a reused sample") {
        ias::sample s(ias::image<float>(48, 40, 3));
        auto run_many = [&](std::uint32_t n) {
            const long before = allocations.load();
            for (std::uint32_t i = 0; i < n; ++i) {
                s.clear_annotations();
                s.image.assign(normal.view());
                s.ensure_mask();
                ias::rng_stream rng(3, i);
                ias::run(p, s, rng);
            }
            return allocations.load() - before;
        };
        run_many(10);  // warm: buffers reach their size
        CHECK(run_many(200) == 0);
    }
    SECTION("generate on one thread") {
        auto count_for = [&](std::uint64_t n) {
            const long before = allocations.load();
            ias::generate(p, [&](std::uint64_t, ias::sample& s) { s.image.assign(normal.view()); }, 0, n, 1,
                          [](std::uint64_t, const ias::sample&) {});
            return allocations.load() - before;
        };
        // The fixed cost of a run (the worker's sample and its buffers) does not grow with the count.
        const long small = count_for(5);
        CHECK(small > 0);  // the counter sees the allocations that do happen
        CHECK(count_for(500) == small);
    }
}

namespace {
/// Runs `t` on one reused sample for `warm` indices (every branch taken, every buffer at its
/// size), then checks that 300 more allocate nothing.
template <class T>
void check_no_allocation_once_warm(const T& t, std::uint32_t warm = 400) {
    ias::image<std::uint8_t> normal(64, 48, 3);
    for (std::size_t i = 0; i < normal.size(); ++i) normal.data()[i] = std::uint8_t(i * 7);
    ias::sample s(normal);
    auto run_many = [&](std::uint32_t first, std::uint32_t n) {
        const long before = allocations.load();
        for (std::uint32_t i = first; i < first + n; ++i) {
            s.clear_annotations();
            s.image.assign(normal.view());
            s.ensure_mask();
            ias::rng_stream rng(11, i);
            ias::run(t, s, rng);
        }
        return allocations.load() - before;
    };
    run_many(0, warm);
    CHECK(run_many(warm, 300) == 0);
}
}  // namespace

TEST_CASE("allocation: every mask transform and the texture blend allocate nothing per sample once warm", "[allocation]") {
    check_no_allocation_once_warm(ias::pipeline(
        ias::estimate_foreground{ias::realnet_foreground("screw")}, ias::perlin_mask({.union_weight = 1}),
        ias::one_of(ias::rectangle_mask{}, ias::scar_mask{}, ias::ellipse_mask{}, ias::stroke_mask{}, ias::bezier_blob_mask{},
                    ias::fractal_mask({.iterations = 2000}), ias::grid_mask{}, ias::patch_window_mask{}, ias::bezier_scar_mask{}, ias::bezier_clump_mask{},
                    ias::superpixel_mask({.slic = {.segments = 20, .iterations = 2}})),
        ias::restrict_to_foreground{}, ias::texture_blend{}));
}

TEST_CASE("allocation: diffusion inpainting and the GAN hook allocate nothing per sample once warm", "[allocation]") {
    // A mixture denoiser of two flat 64 × 48 × 3 images: the sampler, RePaint's path, the
    // paste-back and the host model's per-thread weights all reuse their buffers.
    std::vector<float> centres(2 * 64 * 48 * 3, -0.5f);
    std::fill(centres.begin() + 64 * 48 * 3, centres.end(), 0.5f);
    const auto sampler = std::make_shared<const ias::diffusion::sampler>(ias::diffusion::sampler{
        ias::diffusion::respaced_schedule(ias::diffusion::noise_schedule::linear(), ias::diffusion::uniform_timesteps(1000, 10)),
        ias::diffusion::gaussian_mixture_denoiser{centres, 0.05f}, {.kind = ias::diffusion::sampler_kind::ddpm, .jump_length = 2, .resamplings = 2}});
    const auto generator = std::make_shared<const ias::patch_generator>([](const ias::generator_input& in, ias::generator_output& out) {
        for (std::size_t i = 0; i < out.patch.size(); ++i) out.patch.data()[i] = in.z[i % in.z.size()] > 0 ? 1.0f : 0.0f;
    });
    check_no_allocation_once_warm(ias::pipeline(ias::ellipse_mask{},
                                                ias::one_of(ias::diffusion_inpaint({.sampler = sampler, .paste_back = {.dilation = 2, .feather_sigma = 1.5f}}),
                                                            ias::generated_patch({.generator = generator, .latent_size = 64}))));
}

TEST_CASE("allocation: the procedural defects allocate nothing once warm", "[allocation]") {
    // Every kind on 256 × 256, on the whole image and on a disk-shaped object.
    ias::image<float> im(256, 256, 3, 0.5f), mask(256, 256, 1, 0.0f), disk(256, 256, 1, 0.0f);
    for (int y = 0; y < 256; ++y)
        for (int x = 0; x < 256; ++x) disk(x, y) = std::hypot(float(x) - 128.0f, float(y) - 128.0f) < 100.0f ? 1.0f : 0.0f;
    const ias::image<float> none;
    const auto run = [&](std::uint32_t first, std::uint32_t n) {
        const long before = allocations.load();
        for (std::uint32_t i = first; i < first + n; ++i) {
            ias::rng_stream rng(1, i);
            for (const ias::defect_type kind : ias::all_defect_types)
                ias::draw_defect(ias::defect_spec::of(kind), im, mask, i % 2 == 0 ? none : disk, rng);
        }
        return allocations.load() - before;
    };
    run(0, 1500);  // per-thread buffers grow to the largest defects (a long, much-branched crack is rare)
    CHECK(run(1500, 300) == 0);
    // The pipeline stage, with a foreground and a binary mask (the paths that undo changes).
    std::vector<ias::defect_spec> every;
    for (const ias::defect_type kind : ias::all_defect_types) every.push_back(ias::defect_spec::of(kind));
    check_no_allocation_once_warm(ias::pipeline(ias::estimate_foreground{ias::realnet_foreground("screw")},
                                                ias::procedural_defects({.specs = every, .binary_mask = true})));
}

TEST_CASE("allocation: the recipes allocate nothing per sample once warm", "[allocation]") {
    SECTION("draem") { check_no_allocation_once_warm(ias::recipes::draem()); }
    SECTION("memseg with the foreground of a category and the structure source") {
        check_no_allocation_once_warm(ias::recipes::memseg({.category = "bottle", .structure_probability = 1.0f}));
        check_no_allocation_once_warm(ias::recipes::memseg({.category = "bottle"}));
    }
    SECTION("glass_las") { check_no_allocation_once_warm(ias::recipes::glass_las()); }
}

TEST_CASE("allocation: the self-contained and two-image recipes allocate nothing per sample once warm", "[allocation]") {
    std::vector<ias::image<std::uint8_t>> normals;
    for (int k = 0; k < 3; ++k) {
        auto& im = normals.emplace_back(64, 48, 3);
        for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = std::uint8_t(i * (5 + k) + 31 * k);
    }
    const auto pool = ias::texture_bank::from_images(normals);
    // Patch sizes vary from sample to sample: buffers grow geometrically to the largest, so
    // these warm over more samples.
    for (const char* name : {"nsa", "fpi", "pii", "reb_defectmaker"}) {
        CAPTURE(name);
        check_no_allocation_once_warm(ias::recipes::make(name, {}, {}, pool), 1500);
    }
    for (const char* name : {"cutout", "cutpaste", "cutpaste_3way", "cutpaste_scar", "cutpaste_union", "random_erasing"}) {
        CAPTURE(name);
        check_no_allocation_once_warm(ias::recipes::make(name), 1500);
    }
    SECTION("nsa with object masks") {
        check_no_allocation_once_warm(ias::recipes::make("nsa", {{"blend", "mix"}, {"category", "bottle"}}, {}, pool), 1500);
    }
    SECTION("fractal") { check_no_allocation_once_warm(ias::recipes::make("fractal", {{"iterations", "2000"}}), 1500); }
    SECTION("local_ops") { check_no_allocation_once_warm(ias::local_ops_preset().augmentation, 1500); }
}


TEST_CASE("allocation: the per-pixel Gaussian baseline fits and scores without allocating once warm", "[allocation]") {
    ias::baseline::pixel_gaussian model;
    ias::image<float> im(64, 48, 3), scores(64, 48, 1);
    ias::rng_stream rng(3, 0);
    const auto noisy = [&] {
        for (std::size_t i = 0; i < im.size(); ++i) im.data()[i] = rng.uniform();
    };
    for (int k = 0; k < 3; ++k) noisy(), model.add(std::as_const(im).view());
    long before = allocations.load();
    for (int k = 0; k < 20; ++k) noisy(), model.add(std::as_const(im).view());
    CHECK(allocations.load() - before == 0);
    model.finish();
    model.score(std::as_const(im).view(), scores.view());
    before = allocations.load();
    for (int k = 0; k < 20; ++k) noisy(), model.score(std::as_const(im).view(), scores.view());
    CHECK(allocations.load() - before == 0);
}
