// The schedules and samplers of ias::diffusion against closed forms: the published schedule
// values, and the exact denoiser of Gaussian data N(μ, s²), whose samples every sampler must
// reproduce.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <ias/diffusion/exact_denoisers.hpp>
#include <ias/diffusion/masks.hpp>
#include <ias/diffusion/sampler.hpp>

using namespace ias::diffusion;
using Catch::Matchers::Contains;

namespace {

constexpr tensor_shape shape_16{4, 32, 32, 1};  // 4096 values per item, 16384 per batch

std::vector<ias::rng_stream> streams_for(int count, std::uint64_t seed = 7, std::uint32_t first_index = 0) {
    std::vector<ias::rng_stream> s;
    for (int i = 0; i < count; ++i) s.emplace_back(seed, first_index + std::uint32_t(i));
    return s;
}

gaussian_denoiser gaussian(const tensor_shape& shape, float mu, float s, prediction kind = prediction::epsilon) {
    return {std::vector<float>(shape.plane_size(), mu), s, kind};
}

struct moments {
    double mean = 0, variance = 0;
};
moments moments_of(std::span<const float> v) {
    moments m;
    for (float x : v) m.mean += x;
    m.mean /= double(v.size());
    for (float x : v) m.variance += (x - m.mean) * (x - m.mean);
    m.variance /= double(v.size() - 1);
    return m;
}

tensor run_sampler(const sampler& smp, const tensor_shape& shape, std::uint64_t seed = 7, const conditioning& cond = {}) {
    tensor x(shape);
    sampler_scratch scratch;
    const auto streams = streams_for(shape.batch, seed);
    smp.run(x, streams, cond, scratch);
    return x;
}

/// The exact law of every value of a run on N(μ, s²) data with gaussian_denoiser: each step is
/// affine in the state, so a value is A·z + B + (independent noise of variance `noise`), z the
/// start noise. Carried in double, step for step as the samplers' update equations say.
struct affine_law {
    double A = 1.0, B = 0.0, noise = 0.0;
    [[nodiscard]] double mean() const { return B; }
    [[nodiscard]] double variance() const { return A * A + noise; }
};
affine_law reference_law(const sampler_settings& o, const respaced_schedule& sch, double mu, double s, double input = 0.0) {
    std::vector<int> path;
    const int start = sch.first_step(o.strength);
    repaint_path(start, o.jump_length, o.resamplings, path);
    affine_law x;
    if (o.strength < 1.0f) x = {std::sqrt(1.0 - sch.alpha_bar(start)), std::sqrt(sch.alpha_bar(start)) * input, 0.0};
    affine_law prev_x0;
    bool have_prev = false;
    const double inflation = 1.0 + o.variance_inflation;
    for (std::size_t m = 0; m + 1 < path.size(); ++m) {
        const int from = path[m], to = path[m + 1];
        if (to > from) {
            const double r = sch.alpha_bar(to) / sch.alpha_bar(from);
            x = {std::sqrt(r) * x.A, std::sqrt(r) * x.B, r * x.noise + 1.0 - r};
            have_prev = false;
            continue;
        }
        const double ab = sch.alpha_bar(from), abp = sch.alpha_bar(to), s2 = s * s;
        const double g = std::sqrt(ab) * s2 / (ab * s2 + 1.0 - ab), c = (1.0 - g * std::sqrt(ab)) * mu;  // x̂₀ = g·x + c
        const affine_law x0{g * x.A, g * x.B + c, g * g * x.noise};
        const double ea = (1.0 - std::sqrt(ab) * g) / std::sqrt(1.0 - ab), eb = -std::sqrt(ab) * c / std::sqrt(1.0 - ab);  // ε̂ = ea·x + eb
        if (o.kind == sampler_kind::ddpm) {
            const double beta = 1.0 - ab / abp, c0 = std::sqrt(abp) * beta / (1.0 - ab), c1 = std::sqrt(ab / abp) * (1.0 - abp) / (1.0 - ab);
            const double var = abp >= 1.0 ? 0.0 : o.variance == ddpm_variance::large ? beta : beta * (1.0 - abp) / (1.0 - ab);
            const double k = c0 * g + c1;
            x = {k * x.A, k * x.B + c0 * c, k * k * x.noise + inflation * var};
        } else if (o.kind == sampler_kind::ddim) {
            const double sigma = o.eta * std::sqrt((1.0 - abp) / (1.0 - ab)) * std::sqrt(1.0 - ab / abp);
            const double c1 = std::sqrt(std::max(0.0, 1.0 - abp - sigma * sigma));
            const double k = std::sqrt(abp) * g + c1 * ea;
            x = {k * x.A, k * x.B + std::sqrt(abp) * c + c1 * eb, k * k * x.noise + inflation * sigma * sigma};
        } else if (abp >= 1.0) {
            x = x0;
        } else {
            const auto lambda = [](double a) { return 0.5 * std::log(a / (1.0 - a)); };
            const double h = lambda(abp) - lambda(ab), cx = std::sqrt((1.0 - abp) / (1.0 - ab)), cd = -std::sqrt(abp) * std::expm1(-h);
            affine_law d = x0;
            if (have_prev && from + 1 < sch.size()) {
                const double k = 0.5 * h / (lambda(ab) - lambda(sch.alpha_bar(from + 1)));
                d = {(1 + k) * x0.A - k * prev_x0.A, (1 + k) * x0.B - k * prev_x0.B, 0.0};
            }
            x = {cx * x.A + cd * d.A, cx * x.B + cd * d.B, 0.0};
            prev_x0 = x0;
            have_prev = true;
        }
    }
    return x;
}

}  // namespace

TEST_CASE("diffusion schedule values match the published formulas", "[diffusion]") {
    const auto linear = noise_schedule::linear();
    REQUIRE(linear.steps() == 1000);
    CHECK(linear.beta(0) == 1e-4);
    CHECK(linear.beta(999) == Approx(0.02).epsilon(1e-12));
    CHECK(linear.beta(500) == Approx(1e-4 + (0.02 - 1e-4) * 500.0 / 999.0).epsilon(1e-12));
    CHECK(linear.alpha_bar(999) == Approx(4.0358297653756754e-05).epsilon(1e-9));  // DDPM's ᾱ_T
    CHECK(linear.alpha_bar(499) == Approx(0.07858724288177821).epsilon(1e-9));

    const auto scaled = noise_schedule::scaled_linear();
    CHECK(scaled.beta(0) == Approx(0.00085).epsilon(1e-12));
    CHECK(scaled.beta(999) == Approx(0.012).epsilon(1e-12));
    CHECK(scaled.alpha_bar(999) == Approx(0.004660098513077234).epsilon(1e-9));  // Stable Diffusion's last ᾱ
    CHECK(scaled.alpha_bar(499) == Approx(0.27766965045646763).epsilon(1e-9));

    const auto cosine = noise_schedule::cosine();
    CHECK(cosine.beta(999) == 0.999);  // clipped
    CHECK(cosine.beta(0) == Approx(4.128422482196914e-05).epsilon(1e-9));
    CHECK(cosine.alpha_bar(499) == Approx(0.49384359044063775).epsilon(1e-9));  // = h(500)/h(0)
    for (int t = 1; t < 1000; ++t) {
        REQUIRE(linear.alpha_bar(t) < linear.alpha_bar(t - 1));
        REQUIRE(cosine.alpha_bar(t) == Approx(cosine.alpha_bar(t - 1) * (1.0 - cosine.beta(t))).epsilon(1e-12));
    }

    CHECK_THROWS_WITH(noise_schedule::linear(0), Contains("number of timesteps is 0"));
    CHECK_THROWS_WITH(noise_schedule::from_betas({0.1, 1.0}), Contains("beta[1] = 1"));
}

TEST_CASE("diffusion schedule respacing gives the timesteps of LDM ADM and diffusers", "[diffusion]") {
    using v = std::vector<int>;
    const auto uniform = uniform_timesteps(1000, 50);
    REQUIRE(uniform.size() == 50);
    CHECK(uniform.front() == 0);
    CHECK(uniform[1] == 20);
    CHECK(uniform.back() == 980);
    CHECK(uniform_timesteps(1000, 50, 1).back() == 981);  // LDM's +1
    CHECK(uniform_timesteps(1000, 30).size() == 31);      // LDM keeps range(0, T, T // S)
    CHECK(ddim_timesteps(1000, 20) == [] { v t; for (int i = 0; i < 1000; i += 50) t.push_back(i); return t; }());
    const auto ddim30 = ddim_timesteps(1000, 30);  // stride 34
    REQUIRE(ddim30.size() == 30);
    CHECK(ddim30[1] == 34);
    CHECK_THROWS_WITH(ddim_timesteps(10, 7), Contains("exactly 7"));
    const int ten[] = {10};
    CHECK(section_timesteps(1000, ten) == v{0, 111, 222, 333, 444, 555, 666, 777, 888, 999});
    const int split[] = {2, 3};
    CHECK(section_timesteps(11, split) == v{0, 5, 6, 8, 10});  // sections of 6 and 5 timesteps
    CHECK(trailing_timesteps(1000, 10) == v{99, 199, 299, 399, 499, 599, 699, 799, 899, 999});
    CHECK_THROWS_WITH(uniform_timesteps(1000, 1000, 1), Contains("outside [0, 1000)"));

    const auto linear = noise_schedule::linear();
    const respaced_schedule spaced(linear, ddim_timesteps(1000, 20));
    REQUIRE(spaced.size() == 20);
    CHECK(spaced.timestep(19) == 950);
    CHECK(spaced.alpha_bar(-1) == 1.0);
    CHECK(spaced.alpha_bar(3) == linear.alpha_bar(150));
    CHECK(spaced.beta(3) == Approx(1.0 - linear.alpha_bar(150) / linear.alpha_bar(100)).epsilon(1e-12));
    CHECK(spaced.beta(0) == Approx(linear.beta(0)).epsilon(1e-12));
    CHECK(spaced.first_step(1.0f) == 19);
    CHECK(spaced.first_step(0.5f) == 9);
    CHECK(spaced.first_step(0.01f) == 0);
    CHECK_THROWS_WITH(spaced.first_step(0.0f), Contains("strength is 0"));
    const int bad[] = {5, 5};
    CHECK_THROWS_WITH(respaced_schedule(linear, bad), Contains("timestep[1] = 5"));
}

TEST_CASE("ddim and dpm-solver with an exact Gaussian denoiser are the affine map of their start noise", "[diffusion]") {
    // Deterministic samplers on Gaussian data: every value must be exactly A·z + B.
    const float mu = 0.3f, s = 0.5f;
    const auto schedule = noise_schedule::linear();
    tensor z(shape_16);
    const auto streams = streams_for(shape_16.batch);
    fill_initial_noise(streams, z);
    struct named {
        const char* name;
        respaced_schedule spaced;
        sampler_settings options;
        double discretisation;  // how far this sampler's A is from s
    };
    const std::vector<named> cases = {
        {"ddim 50 steps", respaced_schedule(schedule, uniform_timesteps(1000, 50)), {}, 0.06},
        {"ddim 500 steps", respaced_schedule(schedule, uniform_timesteps(1000, 500)), {}, 0.007},
        {"dpm-solver++ 2m 20 steps", respaced_schedule(schedule, trailing_timesteps(1000, 20)), {.kind = sampler_kind::dpm_solver_pp_2m}, 0.05},
        {"dpm-solver++ 2m 100 steps", respaced_schedule(schedule, trailing_timesteps(1000, 100)), {.kind = sampler_kind::dpm_solver_pp_2m}, 0.003},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const tensor x = run_sampler(sampler{c.spaced, gaussian(shape_16, mu, s), c.options}, shape_16);
        const affine_law law = reference_law(c.options, c.spaced, mu, s);
        double worst = 0.0;
        for (std::size_t i = 0; i < x.size(); ++i)
            worst = std::max(worst, std::abs(double(x.data()[i]) - (law.A * z.data()[i] + law.B)));
        CHECK(worst < 3e-5);
        CHECK(law.noise == 0.0);
        // The probability-flow ODE maps N(0, 1) onto N(μ, s²); the discrete samplers approach it.
        CHECK(law.A == Approx(s).epsilon(c.discretisation));
        CHECK(law.B == Approx(mu).margin(0.01));
    }
}

TEST_CASE("ddpm ddim and dpm-solver samples of Gaussian data match its mean and variance", "[diffusion]") {
    const float mu = -0.4f, s = 0.6f;
    const auto schedule = noise_schedule::linear();
    struct named {
        const char* name;
        sampler smp;
        double discretisation;  // relative error of the sampler's variance
    };
    const std::vector<named> cases = {
        {"ddpm 1000 steps small variance", sampler{respaced_schedule(schedule), gaussian(shape_16, mu, s), {.kind = sampler_kind::ddpm}}, 0.02},
        {"ddpm 1000 steps large variance",
         sampler{respaced_schedule(schedule), gaussian(shape_16, mu, s), {.kind = sampler_kind::ddpm, .variance = ddpm_variance::large}}, 0.005},
        {"ddpm respaced to 100 steps",
         sampler{respaced_schedule(schedule, ddim_timesteps(1000, 100)), gaussian(shape_16, mu, s), {.kind = sampler_kind::ddpm}}, 0.12},
        {"ddim eta 1 100 steps",
         sampler{respaced_schedule(schedule, uniform_timesteps(1000, 100)), gaussian(shape_16, mu, s), {.kind = sampler_kind::ddim, .eta = 1.0f}}, 0.12},
        {"ddim eta 0 cosine 50 steps",
         sampler{respaced_schedule(noise_schedule::cosine(), uniform_timesteps(1000, 50)), gaussian(shape_16, mu, s)}, 0.06},
        {"dpm-solver++ 2m 20 steps",
         sampler{respaced_schedule(schedule, trailing_timesteps(1000, 20)), gaussian(shape_16, mu, s), {.kind = sampler_kind::dpm_solver_pp_2m}}, 0.05},
        {"dpm-solver++ 2m cosine 15 steps",
         sampler{respaced_schedule(noise_schedule::cosine(), trailing_timesteps(1000, 15)), gaussian(shape_16, mu, s),
                 {.kind = sampler_kind::dpm_solver_pp_2m}}, 0.1},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const tensor x = run_sampler(c.smp, shape_16);
        const moments m = moments_of(x.values());
        const affine_law law = reference_law(c.smp.options, c.smp.schedule, mu, s);
        // 16384 values: the standard error of the mean is s/128 = 0.005, of the variance 1.1 %.
        CHECK(m.mean == Approx(law.mean()).margin(0.02));
        CHECK(m.variance == Approx(law.variance()).epsilon(0.05));
        // And the sampler's own law is that of the data, up to its discretisation error.
        CHECK(law.mean() == Approx(mu).margin(0.01));
        CHECK(law.variance() == Approx(double(s) * s).epsilon(c.discretisation));
    }
}

TEST_CASE("diffusion prediction kinds give the same samples and ddim with eta 1 is ddpm", "[diffusion]") {
    const respaced_schedule spaced(noise_schedule::linear(), uniform_timesteps(1000, 25));
    const tensor_shape shape{2, 8, 8, 3};
    const tensor eps = run_sampler(sampler{spaced, gaussian(shape, 0.2f, 0.4f, prediction::epsilon)}, shape);
    for (prediction kind : {prediction::sample, prediction::velocity}) {
        const tensor other = run_sampler(sampler{spaced, gaussian(shape, 0.2f, 0.4f, kind)}, shape);
        for (std::size_t i = 0; i < eps.size(); ++i) REQUIRE(other.data()[i] == Approx(eps.data()[i]).margin(1e-4));
    }
    // DDIM with η = 1 is DDPM with the small variance (Song et al. 2021, §4.1), draw for draw.
    const tensor ddim1 = run_sampler(sampler{spaced, gaussian(shape, 0.2f, 0.4f), {.kind = sampler_kind::ddim, .eta = 1.0f}}, shape);
    const tensor ddpm = run_sampler(sampler{spaced, gaussian(shape, 0.2f, 0.4f), {.kind = sampler_kind::ddpm}}, shape);
    for (std::size_t i = 0; i < ddpm.size(); ++i) REQUIRE(ddim1.data()[i] == Approx(ddpm.data()[i]).margin(1e-4));
}

namespace {
/// An exact Gaussian denoiser whose mean comes from the conditioning entry "mu".
any_denoiser conditioned_gaussian(const tensor_shape& shape, float s) {
    return any_denoiser(prediction::epsilon, [shape, s](const denoiser_input& in, tensor_view out) {
        gaussian(shape, in.cond.get<float>("mu"), s)(in, out);
    });
}
}  // namespace

TEST_CASE("diffusion guidance with scale 0 and 1 reduces to the plain ddim and ddpm samplers", "[diffusion]") {
    const tensor_shape shape{2, 16, 16, 1};
    const auto uncond = conditioning{}.set("mu", 0.0f), cond = conditioning{}.set("mu", 1.0f), third = conditioning{}.set("mu", -1.0f);
    for (sampler_kind kind : {sampler_kind::ddim, sampler_kind::ddpm, sampler_kind::dpm_solver_pp_2m}) {
        const sampler smp{respaced_schedule(noise_schedule::linear(), uniform_timesteps(1000, 20)), conditioned_gaussian(shape, 0.5f),
                          {.kind = kind}};
        const auto plain_u = run_sampler(smp, shape, 7, uncond), plain_c = run_sampler(smp, shape, 7, cond);
        const auto plain_t = run_sampler(smp, shape, 7, third);
        const auto guided = [&](std::vector<guidance_branch> branches) {
            tensor x(shape);
            sampler_scratch scratch;
            smp.run(x, streams_for(shape.batch), branches, scratch);
            return x;
        };
        CHECK(guided({{uncond}, {cond, 0.0f}}).values()[5] == plain_u.values()[5]);
        CHECK(guided({{uncond}, {cond, 0.0f}}).view().size() == plain_u.size());
        const auto zero = guided(classifier_free_guidance(uncond, cond, 0.0f)), one = guided(classifier_free_guidance(uncond, cond, 1.0f));
        CHECK(std::equal(zero.values().begin(), zero.values().end(), plain_u.values().begin()));
        CHECK(std::equal(one.values().begin(), one.values().end(), plain_c.values().begin()));
        // DefectDiffu's chain with both scales 1 is the last branch, with the second 0 the middle one.
        const auto chain = guided({{uncond}, {cond, 1.0f}, {third, 1.0f}}), middle = guided({{uncond}, {cond, 1.0f}, {third, 0.0f}});
        CHECK(std::equal(chain.values().begin(), chain.values().end(), plain_t.values().begin()));
        CHECK(std::equal(middle.values().begin(), middle.values().end(), plain_c.values().begin()));
        // A scale above 1 extrapolates past the conditional mean.
        CHECK(moments_of(guided({{uncond}, {cond, 3.0f}}).values()).mean > 1.2);
    }
}

TEST_CASE("diffusion classifier guidance is off at scale 0 and pulls ddpm and ddim samples toward the class", "[diffusion]") {
    const tensor_shape shape{2, 32, 32, 1};
    for (sampler_kind kind : {sampler_kind::ddpm, sampler_kind::ddim}) {
        INFO(int(kind));
        sampler smp{respaced_schedule(noise_schedule::linear(), uniform_timesteps(1000, 50)), gaussian(shape, 0.0f, 1.0f), {.kind = kind}};
        const tensor plain = run_sampler(smp, shape);
        // ∇ log p(y | x) for p(y | x) = N(y; x, 1) with y = 2: pulls every value toward 2.
        smp.classifier.gradient = [](const step_info&, const_tensor_view x, tensor_view grad) {
            for (std::size_t i = 0; i < x.size(); ++i) grad.data()[i] = 2.0f - x.data()[i];
        };
        smp.classifier.scale = 0.0f;
        const tensor off = run_sampler(smp, shape);
        CHECK(std::equal(off.values().begin(), off.values().end(), plain.values().begin()));
        smp.classifier.scale = 1.0f;
        const double guided_mean = moments_of(run_sampler(smp, shape).values()).mean;
        CHECK(guided_mean > 0.3);
        CHECK(guided_mean < 2.0);
    }
}

TEST_CASE("blended diffusion keeps the known region exactly and each item depends only on its stream", "[diffusion]") {
    const tensor_shape shape{3, 16, 16, 3};
    tensor known(shape), mask(shape.with_channels(1));
    for (std::size_t i = 0; i < known.size(); ++i) known.data()[i] = float(i % 17) / 17.0f - 0.5f;
    for (int b = 0; b < shape.batch; ++b)
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 16; ++x) mask.view().image(b)(x, y) = x >= 4 && x < 12 && y >= 4 + b && y < 10 + b ? 1.0f : x == 3 ? 0.5f : 0.0f;
    for (sampler_kind kind : {sampler_kind::ddpm, sampler_kind::ddim, sampler_kind::dpm_solver_pp_2m}) {
        const sampler smp{respaced_schedule(noise_schedule::linear(), uniform_timesteps(1000, 20)), gaussian(shape, 0.0f, 0.5f),
                          {.kind = kind, .eta = 1.0f}};
        const blended_region region{known, mask};
        tensor x(shape);
        sampler_scratch scratch;
        const auto streams = streams_for(shape.batch, 11);
        smp.run(x, streams, conditioning{}, scratch, &region);
        std::size_t kept = 0, generated_changed = 0;
        for (int b = 0; b < shape.batch; ++b)
            for (int y = 0; y < 16; ++y)
                for (int px = 0; px < 16; ++px)
                    for (int c = 0; c < 3; ++c) {
                        const float m = mask.view().image(b)(px, y), out = x.view().image(b)(px, y, c), in = known.view().image(b)(px, y, c);
                        if (m == 0.0f) {
                            REQUIRE(out == in);
                            ++kept;
                        } else if (m == 1.0f) {
                            generated_changed += out != in;
                        }
                    }
        CHECK(kept > 0);
        CHECK(generated_changed > 100);
        // Item 1 alone, with its own stream, gives the same bytes as inside the batch.
        tensor alone(shape.with_channels(3));
        alone.reshape({1, 16, 16, 3});
        const blended_region region1{known.view().item(1), mask.view().item(1)};
        smp.run(alone, std::span(streams).subspan(1, 1), conditioning{}, scratch, &region1);
        CHECK(std::equal(alone.values().begin(), alone.values().end(), x.plane(1).begin()));
    }
}

TEST_CASE("repaint path and resampling keep the known region and the generated moments", "[diffusion]") {
    std::vector<int> path;
    repaint_path(5, 2, 2, path);
    // Jump points 0 and 2 (below 6 − 2): climb back 2 steps once each.
    CHECK(path == std::vector<int>{5, 4, 3, 2, 3, 4, 3, 2, 1, 0, 1, 2, 1, 0, -1});
    repaint_path(249, 10, 10, path);
    int descents = 0;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        REQUIRE(std::abs(path[i + 1] - path[i]) == 1);
        descents += path[i + 1] < path[i];
    }
    CHECK(path.front() == 249);
    CHECK(path.back() == -1);
    CHECK(descents == 250 + 24 * 9 * 10);  // RePaint's T = 250, j = 10, r = 10
    repaint_path(3, 0, 5, path);
    CHECK(path == std::vector<int>{3, 2, 1, 0, -1});

    const tensor_shape shape{2, 32, 32, 1};
    tensor known(shape, 0.9f), mask(shape.with_channels(1));
    for (int b = 0; b < 2; ++b)
        for (int y = 0; y < 32; ++y)
            for (int x = 16; x < 32; ++x) mask.view().image(b)(x, y) = 1.0f;
    const sampler smp{respaced_schedule(noise_schedule::linear(), ddim_timesteps(1000, 50)), gaussian(shape, 0.1f, 0.5f),
                      {.kind = sampler_kind::ddpm, .jump_length = 5, .resamplings = 3}};
    const blended_region region{known, mask};
    tensor x(shape);
    sampler_scratch scratch;
    smp.run(x, streams_for(2), conditioning{}, scratch, &region);
    std::vector<float> generated;
    for (int b = 0; b < 2; ++b)
        for (int y = 0; y < 32; ++y)
            for (int px = 0; px < 32; ++px) {
                if (px < 16) REQUIRE(x.view().image(b)(px, y) == 0.9f);
                else generated.push_back(x.view().image(b)(px, y));
            }
    // Independent pixels: the generated half follows the sampler's law on N(0.1, 0.25) whatever
    // the known half holds, the resampling included.
    const moments m = moments_of(generated);
    const affine_law law = reference_law(smp.options, smp.schedule, 0.1, 0.5);
    CHECK(m.mean == Approx(law.mean()).margin(0.03));
    CHECK(m.variance == Approx(law.variance()).epsilon(0.08));
    CHECK(law.variance() < reference_law({.kind = sampler_kind::ddpm}, smp.schedule, 0.1, 0.5).variance());
}

TEST_CASE("sdedit strength: 1 forgets the input and a small strength stays near it", "[diffusion]") {
    const tensor_shape shape{1, 32, 32, 1};
    const respaced_schedule spaced(noise_schedule::linear(), uniform_timesteps(1000, 50));
    const auto sdedit = [&](float strength, float input) {
        const sampler smp{spaced, gaussian(shape, 0.0f, 1.0f), {.strength = strength}};
        tensor x(shape, input);
        sampler_scratch scratch;
        smp.run(x, streams_for(1), conditioning{}, scratch);
        return x;
    };
    const auto a = sdedit(1.0f, 0.0f), b = sdedit(1.0f, 3.0f);
    CHECK(std::equal(a.values().begin(), a.values().end(), b.values().begin()));
    // Strength 0.02 noises to step 0 (ᾱ = 1 − 1e-4, noise 0.01·z) and denoises once: the input
    // comes back within 0.01·|z| < 0.06.
    const auto near = sdedit(0.02f, 0.7f);
    for (float v : near.values()) REQUIRE(v == Approx(0.7f).margin(0.06));
    // Halfway, the result is pulled toward the data mean 0 but keeps part of the input, as the
    // sampler's law from the noised input says.
    for (float strength : {0.02f, 0.5f, 0.8f}) {
        const moments m = moments_of(sdedit(strength, 2.0f).values());
        const affine_law law = reference_law({.strength = strength}, spaced, 0.0, 1.0, 2.0);
        CHECK(m.mean == Approx(law.mean()).margin(0.1));
        CHECK(m.variance == Approx(law.variance()).epsilon(0.2).margin(1e-4));
    }
    CHECK(reference_law({.strength = 0.5f}, spaced, 0.0, 1.0, 2.0).mean() > 0.3);
    CHECK(reference_law({.strength = 0.5f}, spaced, 0.0, 1.0, 2.0).mean() < 1.9);
}

TEST_CASE("diffusion variance inflation widens ddpm samples as RealNet's strength", "[diffusion]") {
    const respaced_schedule spaced(noise_schedule::linear(), ddim_timesteps(1000, 100));
    const auto variance = [&](float s) {
        return moments_of(run_sampler(sampler{spaced, gaussian(shape_16, 0.0f, 0.5f), {.kind = sampler_kind::ddpm, .variance_inflation = s}},
                                      shape_16)
                              .values())
            .variance;
    };
    for (float strength : {0.0f, 0.2f, 1.0f})
        CHECK(variance(strength) ==
              Approx(reference_law({.kind = sampler_kind::ddpm, .variance_inflation = strength}, spaced, 0.0, 0.5).variance()).epsilon(0.05));
    const double plain = variance(0.0f), inflated = variance(0.2f), strong = variance(1.0f);
    CHECK(inflated > plain * 1.1);
    CHECK(strong > inflated * 1.3);
}

TEST_CASE("diffusion hooks see every step and can override x0 switch models and step the latent", "[diffusion]") {
    const tensor_shape shape{1, 8, 8, 2};
    const respaced_schedule spaced(noise_schedule::scaled_linear(), uniform_timesteps(1000, 10, 1));
    sampler smp{spaced, gaussian(shape, 0.0f, 1.0f)};
    std::vector<int> seen;
    smp.hooks.on_step = [&](const step_info& info, const_tensor_view, const_tensor_view) { seen.push_back(info.timestep); };
    // GLAD-style override: x̂₀ ← 0.25 at every step; the last step then returns it exactly.
    smp.hooks.x0_override = [](const step_info&, const_tensor_view, const_tensor_view, tensor_view x0) {
        for (float& v : x0.values()) v = 0.25f;
    };
    int second_calls = 0, second_max_timestep = -1;
    smp.hooks.second_model = any_denoiser(prediction::epsilon, [&](const denoiser_input& in, tensor_view out) {
        ++second_calls;
        second_max_timestep = std::max(second_max_timestep, in.timestep);
        gaussian(shape, 0.0f, 1.0f)(in, out);
    });
    smp.hooks.second_model_below = 500;
    const tensor x = run_sampler(smp, shape);
    CHECK(seen == std::vector<int>{901, 801, 701, 601, 501, 401, 301, 201, 101, 1});
    CHECK(second_calls == 5);
    CHECK(second_max_timestep == 401);
    for (float v : x.values()) REQUIRE(v == 0.25f);

    // The latent gradient step moves each item by exactly latent_step_size along −∇/‖∇‖.
    sampler plain{spaced, any_denoiser(prediction::epsilon, [](const denoiser_input& in, tensor_view out) {
                      (void)in;
                      for (float& v : out.values()) v = 0.0f;
                  })};
    std::vector<float> first_input;
    plain.hooks.on_step = [&](const step_info& info, const_tensor_view x, const_tensor_view) {
        if (info.iteration == 0) first_input.assign(x.values().begin(), x.values().end());
    };
    plain.hooks.latent_step_size = 0.5f;
    plain.hooks.latent_gradient = [](const step_info& info, const_tensor_view, tensor_view grad) {
        for (float& v : grad.values()) v = 3.0f;
        return info.iteration == 0;
    };
    (void)run_sampler(plain, shape);
    tensor z(shape);
    fill_initial_noise(streams_for(1), z);
    const float moved = 0.5f / std::sqrt(float(shape.size()));  // −η·(3, 3, …)/‖(3, 3, …)‖
    for (std::size_t i = 0; i < z.size(); ++i) REQUIRE(first_input[i] == Approx(z.data()[i] - moved).margin(1e-6));
}

TEST_CASE("diffusion region schedules stage the replacement and see the fixed mask", "[diffusion]") {
    const tensor_shape shape{1, 8, 8, 1};
    tensor known(shape, 0.5f), mask(shape.with_channels(1), 0.0f);
    const sampler smp{respaced_schedule(noise_schedule::linear(), uniform_timesteps(1000, 10)), gaussian(shape, 0.0f, 1.0f),
                      {.kind = sampler_kind::ddpm}};
    int calls = 0, replaced = 0;
    blended_region region{known, mask};
    // AdaBLDM's free stage for the first half, then everything kept.
    region.schedule = [&](const step_info& info, tensor_view m) {
        ++calls;
        for (float v : m.values()) REQUIRE(v == 0.0f);
        if (info.step >= 5) {
            for (float& v : m.values()) v = 1.0f;
            return false;
        }
        ++replaced;
        return true;
    };
    tensor x(shape);
    sampler_scratch scratch;
    smp.run(x, streams_for(1), conditioning{}, scratch, &region);
    CHECK(calls == 10);
    CHECK(replaced == 5);
    for (float v : x.values()) REQUIRE(v == 0.5f);  // the fixed mask keeps everything at the end
}

TEST_CASE("diffusion samplers reject bad settings and non-finite networks by name", "[diffusion]") {
    const tensor_shape shape{2, 4, 4, 1};
    const respaced_schedule spaced(noise_schedule::linear(), uniform_timesteps(1000, 5));
    tensor x(shape);
    sampler_scratch scratch;
    const auto streams = streams_for(2);
    sampler smp{spaced, gaussian(shape, 0.0f, 1.0f)};
    CHECK_THROWS_WITH(smp.run(x, std::span(streams).first(1), conditioning{}, scratch), Contains("1 streams for a batch of 2"));
    tensor wrong({2, 4, 4, 3});
    const blended_region region{wrong, wrong};
    CHECK_THROWS_WITH(smp.run(x, streams, conditioning{}, scratch, &region), Contains("known image is 2x4x4x3"));
    smp.options.eta = -1.0f;
    CHECK_THROWS_WITH(smp.run(x, streams, conditioning{}, scratch), Contains("eta is -1"));
    smp.options = {.kind = sampler_kind::dpm_solver_pp_2m, .variance_inflation = 0.1f};
    CHECK_THROWS_WITH(smp.run(x, streams, conditioning{}, scratch), Contains("variance_inflation needs a stochastic sampler"));
    smp.options = {.strength = 1.5f};
    CHECK_THROWS_WITH(smp.run(x, streams, conditioning{}, scratch), Contains("strength is 1.5"));
    smp.options = {};
    smp.classifier.scale = 1.0f;
    CHECK_THROWS_WITH(smp.run(x, streams, conditioning{}, scratch), Contains("classifier.gradient is empty"));
    const sampler broken{spaced, any_denoiser(prediction::epsilon, [](const denoiser_input&, tensor_view out) {
                             for (float& v : out.values()) v = NAN;
                         })};
    CHECK_THROWS_AS(broken.run(x, streams, conditioning{}, scratch), ias::error);
    const sampler empty{spaced, any_denoiser{}};
    CHECK_THROWS_WITH(empty.run(x, streams, conditioning{}, scratch), Contains("no model"));
    CHECK_THROWS_WITH(conditioning{}.set("prompt", 1).get<float>("class"), Contains("no entry 'class' (the bundle has: prompt)"));
    const gaussian_mixture_denoiser odd{{1.0f, 2.0f, 3.0f}};
    const conditioning none;
    CHECK_THROWS_WITH(odd(denoiser_input{x, 0, 0.5, none}, x), Contains("3 centre values"));
}

TEST_CASE("diffusion gaussian mixture denoiser samples the centres as the spread vanishes", "[diffusion]") {
    const tensor_shape shape{8, 4, 4, 1};
    std::vector<float> centres(2 * 16);
    for (int i = 0; i < 16; ++i) {
        centres[std::size_t(i)] = 0.8f;
        centres[std::size_t(16 + i)] = i % 2 ? -0.8f : 0.2f;
    }
    const sampler smp{respaced_schedule(noise_schedule::linear(), uniform_timesteps(1000, 50)), gaussian_mixture_denoiser{centres, 0.01f}};
    const tensor x = run_sampler(smp, shape, 3);
    int first = 0, second = 0;
    for (int b = 0; b < shape.batch; ++b) {
        const auto p = x.plane(b);
        const bool is_first = std::abs(p[0] - 0.8f) < 0.05f;
        for (int i = 0; i < 16; ++i) REQUIRE(p[std::size_t(i)] == Approx(centres[std::size_t(is_first ? i : 16 + i)]).margin(0.05));
        (is_first ? first : second)++;
    }
    CHECK(first > 0);  // 8 items, each centre with probability 1/2
    CHECK(second > 0);
}

TEST_CASE("diffusion region schedule shrinking_dilation follows AnomalyDiffusion's radius", "[diffusion]") {
    const auto schedule = shrinking_dilation();
    std::size_t previous_area = 1u << 30;
    for (int timestep : {999, 700, 400, 150, 20}) {
        tensor mask({2, 41, 41, 1}, 0.0f);
        for (int b = 0; b < 2; ++b) mask.view().image(b)(20, 20) = 1.0f;
        const step_info info{.step = 0, .steps = 50, .timestep = timestep};
        REQUIRE(schedule(info, mask));
        const int r = anomalydiffusion_dilation_radius(timestep, 50);  // 17, 12, 8, 4, 1
        std::size_t area = 0;
        for (float v : mask.plane(1)) area += v > 0.0f;
        const auto plane = mask.view().image(1);
        CHECK(plane(20 + r, 20) == 1.0f);
        CHECK(plane(20, 20 - r) == 1.0f);
        if (r + 21 < 41) CHECK(plane(21 + r, 20) == 0.0f);
        if (r >= 2) CHECK(plane(20 + r, 20 + r) == 0.0f);  // a disk, not a square
        CHECK(area < previous_area);
        previous_area = area;
    }
    tensor one({1, 5, 5, 1}, 0.0f);
    one.data()[12] = 1.0f;
    REQUIRE(schedule(step_info{.step = 0, .steps = 200, .timestep = 10}, one));  // radius 0: unchanged
    CHECK(std::count(one.values().begin(), one.values().end(), 1.0f) == 1);
}

TEST_CASE("ddim inversion maps Gaussian data to noise and ddim sampling maps it back", "[diffusion]") {
    const tensor_shape shape{2, 32, 32, 1};
    const float mu = 0.2f, s = 0.5f;
    const sampler smp{respaced_schedule(noise_schedule::linear(), uniform_timesteps(1000, 200)), gaussian(shape, mu, s),
                      {.start_from_input = true}};
    tensor data(shape);
    fill_initial_noise(streams_for(2, 99), data);
    for (float& v : data.values()) v = mu + s * v;  // a sample of N(μ, s²)
    tensor x = data;
    sampler_scratch scratch;
    smp.invert(x, conditioning{}, scratch);
    const moments m = moments_of(x.values());  // the inverted latent is close to N(0, 1)
    CHECK(m.mean == Approx(0.0).margin(0.03));
    CHECK(m.variance == Approx(1.0).epsilon(0.05));
    smp.run(x, streams_for(2), conditioning{}, scratch);  // deterministic DDIM from the inverted latent
    double worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, double(std::abs(x.data()[i] - data.data()[i])));
    CHECK(worst < 0.03);
    CHECK_THROWS_WITH(smp.invert(x, conditioning{}, scratch, 200), Contains("to_step is 200"));
}
