// SPDX-License-Identifier: MIT
// The sampling loop: DDPM, DDIM (η) and DPM-Solver++(2M), with guidance, blended and RePaint
// local synthesis, SDEdit, RealNet's variance inflation and the per-step hooks of METHODS §8.10.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../core/bulk_random.hpp"
#include "../core/rng.hpp"
#include "denoiser.hpp"
#include "schedule.hpp"

namespace ias::diffusion {

/// The update rule from one scheduled step to the previous one (METHODS §3.2).
enum class sampler_kind {
    ddpm,              ///< ancestral sampling (Ho et al. 2020) on the respaced schedule
    ddim,              ///< DDIM (Song et al. 2021) with η: 0 deterministic, 1 DDPM-like
    dpm_solver_pp_2m,  ///< DPM-Solver++(2M) (Lu et al. 2022): second-order multistep, deterministic
};

/// DDPM's reverse variance: σ² = β (large) or β̃ = β·(1 − ᾱ_{t−1})/(1 − ᾱ_t) (small).
enum class ddpm_variance { large, small };

/// Where the sampler is: step `step` of `steps` (x is at training timestep `timestep`, with ᾱ
/// `alpha_bar`, and goes to the previous step, with ᾱ `alpha_bar_prev`, 1 at the last step).
/// `iteration` counts denoising calls from 0; it exceeds the step count under RePaint.
struct step_info {
    int step = 0;
    int steps = 0;
    int timestep = 0;
    double alpha_bar = 1.0;
    double alpha_bar_prev = 1.0;
    int iteration = 0;
};

/// One conditional branch of guidance: the conditioning the network gets, and its scale.
/// With branches ε₀ … ε_K (ε₀ usually unconditional) the guided prediction is
/// ε = ε₀ + Σ_k w_k·(ε_k − ε_{k−1}): classifier-free guidance for K = 1 (ε_u + w·(ε_c − ε_u);
/// Ho and Salimans 2022), DefectDiffu's two independent scales for K = 2 (METHODS §8.10). The
/// first branch's scale is not used. Scale 0 gives branch k − 1's prediction, scale 1 branch k's,
/// both exactly.
struct guidance_branch {
    conditioning cond;
    float scale = 1.0f;
};

/// Classifier-free guidance's two branches: ε_u + scale·(ε_c − ε_u) (Stable Diffusion's default
/// scale is 7.5, GLAD's 9, AnomalyDiffusion's 1, i.e. none).
[[nodiscard]] inline std::vector<guidance_branch> classifier_free_guidance(conditioning unconditional, conditioning conditional,
                                                                           float scale) {
    return {{std::move(unconditional), 1.0f}, {std::move(conditional), scale}};
}

/// Classifier guidance (Dhariwal and Nichol 2021; RealNet's SDAS, METHODS §3.2): the host writes
/// g = ∇_x log p(y | x_t, t) for the batch into `grad`; DDPM shifts its mean by s·σ²·g, DDIM and
/// DPM-Solver++ use ε − √(1 − ᾱ)·s·g. A scale of 0 (or no gradient) turns it off.
struct classifier_guidance {
    float scale = 0.0f;
    std::function<void(const step_info&, const_tensor_view x, tensor_view grad)> gradient;
};

/// The sampler's settings. Defaults: deterministic DDIM from pure noise.
struct sampler_settings {
    sampler_kind kind = sampler_kind::ddim;
    float eta = 0.0f;                              ///< DDIM's η >= 0
    ddpm_variance variance = ddpm_variance::small;  ///< DDPM's σ²
    /// RealNet's SDAS strength s >= 0 (Zhang et al., CVPR 2024; METHODS §3.2): the step's noise
    /// is √(1 + s)·σ·z, pushing samples off the normal manifold; 0 is the plain sampler. RealNet
    /// draws s ~ U(0.1, 0.2) with DDPM; with DDIM it needs η > 0.
    float variance_inflation = 0.0f;
    bool clip_denoised = false;  ///< clip x̂₀ to [−1, 1] (pixel-space models) and recompute ε̂ from it, as ADM does
    /// SDEdit (Meng et al. 2022) for strength < 1: the input x is noised to step
    /// ⌈strength·steps⌉ − 1 and sampled from there. Strength 1 starts from pure noise and
    /// ignores the input.
    float strength = 1.0f;
    /// x already holds the state at the first step (a DDIM inversion's result, `sampler::invert`)
    /// and is sampled from as it is: nothing is drawn or noised at the start.
    bool start_from_input = false;
    /// RePaint's resampling (Lugmayr et al., CVPR 2022; METHODS §3.3): every `jump_length`
    /// steps the state is renoised `jump_length` steps back, `resamplings` − 1 times, to
    /// harmonise the generated region with the known one. 0 (or resamplings 1) turns it off.
    int jump_length = 0;
    int resamplings = 1;
};

/// Local synthesis (METHODS §3.3): the region to keep is replaced, before every step, by the
/// known image noised to that step's level, x ← m⊙x + (1 − m)⊙(√ᾱ·known + √(1 − ᾱ)·ε) with a
/// fresh ε (Blended Diffusion, Blended Latent Diffusion, RePaint), and after the last step by
/// the known image itself, so the kept region ends bit for bit equal to `known` where m = 0.
/// The views live only for the call that receives them.
struct blended_region {
    const_tensor_view known;  ///< the clean image (or its latent) to keep, the state's shape
    const_tensor_view mask;   ///< N×H×W×1: 1 generate, 0 keep, fractional blends; the region at the end
    /// Optional, a region that changes with the step (METHODS §8.10's StagedRegionSchedule:
    /// AdaBLDM's free and editing stages, BLDM's and AnomalyDiffusion's shrinking dilation).
    /// Called before every step with `mask` preset to the fixed mask; it may rewrite it, and
    /// returns false to skip the replacement at this step (a free stage).
    std::function<bool(const step_info&, tensor_view mask)> schedule{};
};

/// Per-step host hooks (METHODS §8.8–8.10), each optional.
struct sampler_hooks {
    /// CUT / AnomalyAny's attention-guided latent optimisation: when it returns true, having
    /// written the gradient ∇_x L of a host loss into `grad`, each item moves against it,
    /// x ← x − latent_step_size·∇L/‖∇L‖ (per item; a zero gradient moves nothing).
    std::function<bool(const step_info&, const_tensor_view x, tensor_view grad)> latent_gradient;
    float latent_step_size = 0.0f;
    /// GLAD's adaptive denoising: may rewrite x̂₀ before the update (which keeps the network's ε̂).
    std::function<void(const step_info&, const_tensor_view x, const_tensor_view eps, tensor_view x0)> x0_override;
    /// Sees every step's state and x̂₀ (feature capture, scores, previews); runs after x0_override.
    std::function<void(const step_info&, const_tensor_view x, const_tensor_view x0)> on_step;
    /// Defect-Gen's model switch: steps whose timestep is below `second_model_below` use
    /// `second_model` (a small-receptive-field model for the late steps) when it is set.
    any_denoiser second_model;
    int second_model_below = 0;
};

/// Reusable buffers of a sampler run: no allocation once warm (one per thread).
struct sampler_scratch {
    std::vector<tensor> eps;  ///< one prediction per guidance branch
    tensor x0, x0_prev, grad, noise, mask;
    std::vector<int> path;
};

/// RePaint's schedule of states (Lugmayr et al. 2022, Algorithm 1 and its jump schedule): from
/// step `start` down to −1 (the clean image), where after reaching a step that is a multiple of
/// `jump_length` (below start + 1 − jump_length) the path climbs back `jump_length` steps, until
/// that happens `resamplings` − 1 times per jump point. A descent from s to s − 1 is a denoising
/// step at s; an ascent from s to s + 1 renoises by the forward transition.
inline void repaint_path(int start, int jump_length, int resamplings, std::vector<int>& path) {
    if (start < 0 || jump_length < 0 || resamplings < 1)
        throw std::invalid_argument("ias::diffusion::repaint_path: start " + std::to_string(start) + ", jump_length " +
                                    std::to_string(jump_length) + " and resamplings " + std::to_string(resamplings) +
                                    " must be >= 0, >= 0 and >= 1");
    path.clear();
    const bool jumps = jump_length > 0 && resamplings > 1;
    for (int step = start; step >= 0; --step) {
        path.push_back(step);
        if (!jumps || step % jump_length != 0 || step >= start + 1 - jump_length) continue;
        for (int r = 1; r < resamplings; ++r) {  // climb back jump_length steps, then descend again
            for (int k = 1; k <= jump_length; ++k) path.push_back(step + k);
            for (int k = jump_length - 1; k >= 0; --k) path.push_back(step + k);
        }
    }
    path.push_back(-1);
}

/// The noise a run starts from: item b's standard normal values at positions 0 … of the bulk
/// sequence of `streams[b].fork(0)`. A host that needs the sampler's ε₀ (GLAD's input-anchored
/// estimate, METHODS §8.8.2) recomputes it with this.
inline void fill_initial_noise(std::span<const rng_stream> streams, tensor_view out) {
    if (int(streams.size()) != out.shape().batch)
        throw std::invalid_argument("ias::diffusion::fill_initial_noise: " + std::to_string(streams.size()) +
                                    " streams for a batch of " + std::to_string(out.shape().batch));
    for (int b = 0; b < out.shape().batch; ++b) fill_normal(streams[b].fork(0), 0, out.plane(b));
}

namespace detail {

/// x ← known + m·(x − known) per pixel, with m one channel: exactly `known` where m = 0 and
/// exactly x where m = 1.
inline void blend_known(float* __restrict x, const float* __restrict known, const float* __restrict m, std::size_t pixels,
                        int channels) noexcept {
    for (std::size_t p = 0; p < pixels; ++p)
        for (int c = 0; c < channels; ++c) {
            const std::size_t i = p * std::size_t(channels) + std::size_t(c);
            const float blended = known[i] + m[p] * (x[i] - known[i]);
            x[i] = m[p] == 0.0f ? known[i] : m[p] == 1.0f ? x[i] : blended;
        }
}

inline void expect_shape(const char* what, const tensor_shape& got, const tensor_shape& want) {
    if (got != want)
        throw std::invalid_argument(std::string("ias::diffusion::sampler: ") + what + " is " + to_string(got) + "; it must be " +
                                    to_string(want));
}

}  // namespace detail

/// A diffusion sampler: the host's network, the schedule it visits, the settings and the hooks.
/// `run` is const and keeps its buffers in the caller's scratch, so one sampler serves many
/// threads. Every random number comes from the per-item streams, so an item's result depends
/// only on its stream, its input and the network, never on the batch it is in or the thread.
struct sampler {
    respaced_schedule schedule;
    any_denoiser model;
    sampler_settings options{};
    classifier_guidance classifier{};
    sampler_hooks hooks{};

    /// Throws std::invalid_argument naming the setting that is out of range.
    void validate() const {
        const auto bad = [](const std::string& what) { throw std::invalid_argument("ias::diffusion::sampler: " + what); };
        if (!model) bad("no model was given");
        if (!(options.eta >= 0.0f && std::isfinite(options.eta))) bad("eta is " + std::to_string(options.eta) + "; it must be >= 0");
        if (!(options.variance_inflation >= 0.0f && std::isfinite(options.variance_inflation)))
            bad("variance_inflation is " + std::to_string(options.variance_inflation) + "; it must be >= 0");
        if (options.variance_inflation > 0.0f && options.kind == sampler_kind::dpm_solver_pp_2m)
            bad("variance_inflation needs a stochastic sampler (ddpm, or ddim with eta > 0); dpm_solver_pp_2m adds no noise");
        if (options.jump_length < 0 || options.resamplings < 1)
            bad("jump_length " + std::to_string(options.jump_length) + " and resamplings " + std::to_string(options.resamplings) +
                " must be >= 0 and >= 1");
        if (!std::isfinite(classifier.scale)) bad("classifier.scale is not finite");
        if (classifier.scale != 0.0f && !classifier.gradient) bad("classifier.scale is set but classifier.gradient is empty");
        if (hooks.latent_gradient && !(hooks.latent_step_size >= 0.0f && std::isfinite(hooks.latent_step_size)))
            bad("hooks.latent_step_size is " + std::to_string(hooks.latent_step_size) + "; it must be >= 0");
        (void)schedule.first_step(options.strength);  // throws for a strength outside (0, 1]
    }

    /// Samples the batch `x` (N×H×W×C) in place with the network conditioned on `cond`.
    void run(tensor_view x, std::span<const rng_stream> streams, const conditioning& cond, sampler_scratch& scratch,
             const blended_region* region = nullptr) const {
        const guidance_branch single{cond, 1.0f};
        run(x, streams, std::span<const guidance_branch>(&single, 1), scratch, region);
    }

    /// Samples `x` in place with guidance branches (see guidance_branch). With strength 1, x is
    /// overwritten by noise; with strength < 1 it holds the clean start image (SDEdit). `streams`
    /// has one stream per item. With `region`, the kept region ends equal to region->known.
    /// Throws std::invalid_argument for bad settings or shapes and ias::error when the result is
    /// not finite (a host network returned NaN or Inf).
    void run(tensor_view x, std::span<const rng_stream> streams, std::span<const guidance_branch> branches,
             sampler_scratch& scratch, const blended_region* region = nullptr) const {
        validate();
        const tensor_shape shape = x.shape();
        if (int(streams.size()) != shape.batch)
            throw std::invalid_argument("ias::diffusion::sampler: " + std::to_string(streams.size()) + " streams for a batch of " +
                                        std::to_string(shape.batch) + "; give one stream per item");
        if (branches.empty()) throw std::invalid_argument("ias::diffusion::sampler: no guidance branch was given");
        if (region) {
            detail::expect_shape("the region's known image", region->known.shape(), shape);
            detail::expect_shape("the region's mask", region->mask.shape(), shape.with_channels(1));
        }
        scratch.eps.resize(branches.size());
        for (auto& e : scratch.eps) e.reshape(shape);
        scratch.x0.reshape(shape);
        scratch.noise.reshape(shape);
        if (region) scratch.mask.reshape(shape.with_channels(1));

        const int start = schedule.first_step(options.strength);
        repaint_path(start, options.jump_length, options.resamplings, scratch.path);

        // The start: pure noise, or the input noised to the first step (SDEdit), or the input.
        for (int b = 0; b < shape.batch && !options.start_from_input; ++b) {
            if (options.strength >= 1.0f) {
                fill_normal(streams[b].fork(0), 0, x.plane(b));
            } else {
                fill_normal(streams[b].fork(0), 0, scratch.noise.plane(b));
                add_noise(x.item(b), scratch.noise.view().item(b), schedule.alpha_bar(start), x.item(b));
            }
        }

        bool have_previous_x0 = false;  // DPM-Solver++(2M)'s history
        int iteration = 0;
        for (std::size_t move = 0; move + 1 < scratch.path.size(); ++move) {
            const int from = scratch.path[move], to = scratch.path[move + 1];
            const std::uint32_t tag = std::uint32_t(move) + 1;  // noise of this move: fork(tag) of each item's stream
            if (to > from) {  // a RePaint ascent: x_to = √(ᾱ_to/ᾱ_from)·x + √(1 − ᾱ_to/ᾱ_from)·z
                const double ratio = schedule.alpha_bar(to) / schedule.alpha_bar(from);
                for (int b = 0; b < shape.batch; ++b) {
                    fill_normal(streams[b].fork(tag), 0, scratch.noise.plane(b));
                    add_noise(x.item(b), scratch.noise.view().item(b), ratio, x.item(b));
                }
                have_previous_x0 = false;
                continue;
            }
            const step_info info{from, schedule.size(), schedule.timestep(from), schedule.alpha_bar(from),
                                 schedule.alpha_bar(to), iteration++};
            if (region) replace_known(x, streams, tag, *region, info, scratch);
            if (hooks.latent_gradient) latent_step(x, info, scratch);
            const bool x0_ready = predict(x, info, branches, scratch);
            update(x, streams, tag, info, x0_ready, have_previous_x0, scratch);
        }
        if (region) {
            const std::size_t pixels = std::size_t(shape.height) * std::size_t(shape.width);
            for (int b = 0; b < shape.batch; ++b)
                detail::blend_known(x.plane(b).data(), region->known.plane(b).data(), region->mask.plane(b).data(), pixels,
                                    shape.channels);
        }
        for (float v : x.values())
            if (!std::isfinite(v))
                throw error("ias::diffusion::sampler: the sample has non-finite values; a host hook (the denoiser, a gradient or "
                            "an override) returned NaN or Inf");
    }

    /// DDIM inversion (image → noise, for the editing methods of the DefectFill and AnoGen family;
    /// METHODS §3.2): from the clean x (step −1) up to step `to_step` (−1: the last), each step
    /// x_i = √ᾱ_i·x̂₀ + √(1 − ᾱ_i)·ε̂ with ε̂ the network's prediction at timestep(i) from the
    /// state of step i − 1 and x̂₀ = (x − √(1 − ᾱ_{i−1})·ε̂)/√ᾱ_{i−1}, as null-text inversion and
    /// diffusers' inverse scheduler do. Deterministic; sample back with `start_from_input`.
    void invert(tensor_view x, const conditioning& cond, sampler_scratch& scratch, int to_step = -1) const {
        validate();
        const int last = to_step < 0 ? schedule.size() - 1 : to_step;
        if (last >= schedule.size())
            throw std::invalid_argument("ias::diffusion::sampler::invert: to_step is " + std::to_string(to_step) +
                                        "; the schedule has " + std::to_string(schedule.size()) + " steps");
        scratch.eps.resize(1);
        scratch.eps[0].reshape(x.shape());
        scratch.x0.reshape(x.shape());
        const std::size_t n = x.size();
        for (int i = 0; i <= last; ++i) {
            const double ab = schedule.alpha_bar(i), ab_prev = schedule.alpha_bar(i - 1);
            const any_denoiser& net = hooks.second_model && schedule.timestep(i) < hooks.second_model_below ? hooks.second_model : model;
            float* eps = scratch.eps[0].data();
            net(denoiser_input{x, schedule.timestep(i), ab, cond}, scratch.eps[0].view());
            to_epsilon_and_x0(net.predicts(), x.data(), eps, scratch.x0.data(), n, ab);  // ε̂ of a sample or v prediction
            const float inv_a = float(1.0 / std::sqrt(ab_prev)), b_prev = float(std::sqrt(1.0 - ab_prev));
            const float a = float(std::sqrt(ab)), b = float(std::sqrt(1.0 - ab));
            float* xs = x.data();
            for (std::size_t k = 0; k < n; ++k) xs[k] = a * ((xs[k] - b_prev * eps[k]) * inv_a) + b * eps[k];
        }
    }

private:
    void replace_known(tensor_view x, std::span<const rng_stream> streams, std::uint32_t tag, const blended_region& region,
                       const step_info& info, sampler_scratch& scratch) const {
        scratch.mask.assign(region.mask);
        if (region.schedule && !region.schedule(info, scratch.mask.view())) return;
        const tensor_shape shape = x.shape();
        const std::size_t plane = shape.plane_size(), pixels = std::size_t(shape.height) * std::size_t(shape.width);
        for (int b = 0; b < shape.batch; ++b) {
            // The known image's noise sits after the step noise in the move's sequence.
            fill_normal(streams[b].fork(tag), plane, scratch.noise.plane(b));
            add_noise(region.known.item(b), scratch.noise.view().item(b), info.alpha_bar, scratch.noise.view().item(b));
            detail::blend_known(x.plane(b).data(), scratch.noise.plane(b).data(), scratch.mask.plane(b).data(), pixels,
                                shape.channels);
        }
    }

    void latent_step(tensor_view x, const step_info& info, sampler_scratch& scratch) const {
        scratch.grad.reshape(x.shape());
        if (!hooks.latent_gradient(info, x, scratch.grad.view())) return;
        for (int b = 0; b < x.shape().batch; ++b) {
            const auto g = scratch.grad.plane(b);
            double squares = 0.0;
            for (float v : g) squares += double(v) * double(v);
            if (!(squares > 0.0)) continue;
            const float step = float(hooks.latent_step_size / std::sqrt(squares));
            const auto xs = x.plane(b);
            for (std::size_t i = 0; i < xs.size(); ++i) xs[i] -= step * g[i];
        }
    }

    /// ε̂ of step `info` into scratch.eps[0], with guidance, clipping and the x̂₀ hooks, and x̂₀
    /// into scratch.x0 when something needs it (returns whether it did). A plain ε-prediction
    /// DDIM or DDPM step leaves x̂₀ to the update, which computes it on the fly: one pass over
    /// the state fewer.
    bool predict(const_tensor_view x, const step_info& info, std::span<const guidance_branch> branches,
                 sampler_scratch& scratch) const {
        const any_denoiser& net = hooks.second_model && info.timestep < hooks.second_model_below ? hooks.second_model : model;
        const std::size_t n = x.size();
        const bool x0_ready = net.predicts() != prediction::epsilon || options.clip_denoised || hooks.x0_override ||
                              hooks.on_step || options.kind == sampler_kind::dpm_solver_pp_2m;
        for (std::size_t k = 0; k < branches.size(); ++k) {
            net(denoiser_input{x, info.timestep, info.alpha_bar, branches[k].cond}, scratch.eps[k].view());
            if (net.predicts() != prediction::epsilon)
                to_epsilon_and_x0(net.predicts(), x.data(), scratch.eps[k].data(), scratch.x0.data(), n, info.alpha_bar);
        }
        float* __restrict eps = scratch.eps[0].data();
        const float a = float(std::sqrt(info.alpha_bar)), b = float(std::sqrt(1.0 - info.alpha_bar));
        bool recompute_x0 = false;
        if (branches.size() > 1) {
            // ε = Σ_k c_k·ε_k with c_k = w_k − w_{k+1} (w_0 = 1, w_{K+1} = 0): the telescoped
            // ε₀ + Σ w_k·(ε_k − ε_{k−1}), exact at scales 0 and 1.
            const auto weight = [&](std::size_t k) { return k == 0 ? 1.0f : k < branches.size() ? branches[k].scale : 0.0f; };
            const float c0 = weight(0) - weight(1);
            for (std::size_t i = 0; i < n; ++i) eps[i] *= c0;
            for (std::size_t k = 1; k < branches.size(); ++k) {
                const float ck = weight(k) - weight(k + 1);
                const float* __restrict ek = scratch.eps[k].data();
                for (std::size_t i = 0; i < n; ++i) eps[i] += ck * ek[i];
            }
            recompute_x0 = true;
        }
        if (classifier.scale != 0.0f && options.kind != sampler_kind::ddpm) {  // ADM's condition_score
            scratch.grad.reshape(x.shape());
            classifier.gradient(info, x, scratch.grad.view());
            const float s = b * classifier.scale;
            const float* __restrict g = scratch.grad.data();
            for (std::size_t i = 0; i < n; ++i) eps[i] -= s * g[i];
            recompute_x0 = true;
        }
        float* __restrict x0 = scratch.x0.data();
        const float* __restrict xs = x.data();
        if (x0_ready && (recompute_x0 || net.predicts() == prediction::epsilon))
            to_epsilon_and_x0(prediction::epsilon, xs, eps, x0, n, info.alpha_bar);
        if (options.clip_denoised) {
            for (std::size_t i = 0; i < n; ++i) x0[i] = std::clamp(x0[i], -1.0f, 1.0f);
            const float inv_b = float(1.0 / std::sqrt(1.0 - info.alpha_bar));
            for (std::size_t i = 0; i < n; ++i) eps[i] = (xs[i] - a * x0[i]) * inv_b;
        }
        if (hooks.x0_override) hooks.x0_override(info, x, scratch.eps[0].view(), scratch.x0.view());
        if (hooks.on_step) hooks.on_step(info, x, scratch.x0.view());
        return x0_ready;
    }

    void update(tensor_view x, std::span<const rng_stream> streams, std::uint32_t tag, const step_info& info, bool x0_ready,
                bool& have_previous_x0, sampler_scratch& scratch) const {
        const std::size_t n = x.size();
        float* __restrict xs = x.data();
        const float* __restrict eps = scratch.eps[0].data();
        const float* __restrict x0 = scratch.x0.data();
        const double ab = info.alpha_bar, ab_prev = info.alpha_bar_prev;
        const bool last = ab_prev >= 1.0;
        const double inflation = std::sqrt(1.0 + double(options.variance_inflation));
        const auto draw_noise = [&] {
            for (int b = 0; b < x.shape().batch; ++b) fill_normal(streams[b].fork(tag), 0, scratch.noise.plane(b));
        };
        const float* __restrict z = scratch.noise.data();
        // x̂₀ = (x_t − √(1 − ᾱ)·ε̂)/√ᾱ, as to_epsilon_and_x0 computes it, when predict left it to us.
        const float b = float(std::sqrt(1.0 - ab)), inv_a = float(1.0 / std::sqrt(ab));
        const auto x0_at = [&](std::size_t i) { return x0_ready ? x0[i] : (xs[i] - b * eps[i]) * inv_a; };

        switch (options.kind) {
            case sampler_kind::ddpm: {
                // μ̃ = (√ᾱ_prev·β/(1 − ᾱ))·x̂₀ + (√α·(1 − ᾱ_prev)/(1 − ᾱ))·x_t, α = ᾱ/ᾱ_prev, β = 1 − α.
                const double beta = 1.0 - ab / ab_prev;
                const float c0 = float(std::sqrt(ab_prev) * beta / (1.0 - ab));
                const float c1 = float(std::sqrt(ab / ab_prev) * (1.0 - ab_prev) / (1.0 - ab));
                const double var = options.variance == ddpm_variance::large ? beta : beta * (1.0 - ab_prev) / (1.0 - ab);
                if (classifier.scale != 0.0f) {  // ADM's condition_mean: μ + s·σ²·g
                    scratch.grad.reshape(x.shape());
                    classifier.gradient(info, x, scratch.grad.view());
                    const float s = float(double(classifier.scale) * var);
                    const float* __restrict g = scratch.grad.data();
                    for (std::size_t i = 0; i < n; ++i) xs[i] = c0 * x0_at(i) + c1 * xs[i] + s * g[i];
                } else if (x0_ready) {
                    for (std::size_t i = 0; i < n; ++i) xs[i] = c0 * x0[i] + c1 * xs[i];
                } else {
                    for (std::size_t i = 0; i < n; ++i) xs[i] = c0 * x0_at(i) + c1 * xs[i];
                }
                if (!last) {
                    draw_noise();
                    const float sigma = float(inflation * std::sqrt(var));
                    for (std::size_t i = 0; i < n; ++i) xs[i] += sigma * z[i];
                }
                break;
            }
            case sampler_kind::ddim: {
                // x' = √ᾱ'·x̂₀ + √(1 − ᾱ' − σ²)·ε̂ + √(1 + s)·σ·z, σ = η·√((1 − ᾱ')/(1 − ᾱ))·√(1 − ᾱ/ᾱ').
                const double sigma = double(options.eta) * std::sqrt((1.0 - ab_prev) / (1.0 - ab)) * std::sqrt(1.0 - ab / ab_prev);
                const float c0 = float(std::sqrt(ab_prev)), c1 = float(std::sqrt(std::max(0.0, 1.0 - ab_prev - sigma * sigma)));
                if (x0_ready)
                    for (std::size_t i = 0; i < n; ++i) xs[i] = c0 * x0[i] + c1 * eps[i];
                else
                    for (std::size_t i = 0; i < n; ++i) xs[i] = c0 * x0_at(i) + c1 * eps[i];
                if (sigma > 0.0) {
                    draw_noise();
                    const float s = float(inflation * sigma);
                    for (std::size_t i = 0; i < n; ++i) xs[i] += s * z[i];
                }
                break;
            }
            case sampler_kind::dpm_solver_pp_2m: {
                // With α = √ᾱ, σ = √(1 − ᾱ), λ = log(α/σ) and h = λ' − λ:
                // x' = (σ'/σ)·x − α'·(e^{−h} − 1)·D, D = x̂₀ (first order, and at the last step,
                // where σ' = 0 and x' = x̂₀) or (1 + 1/(2r))·x̂₀ − 1/(2r)·x̂₀_prev, r = h_prev/h.
                if (last) {
                    std::copy_n(x0, n, xs);
                    break;
                }
                const auto lambda = [](double alpha_bar) { return 0.5 * std::log(alpha_bar / (1.0 - alpha_bar)); };
                const double h = lambda(ab_prev) - lambda(ab);
                const float cx = float(std::sqrt((1.0 - ab_prev) / (1.0 - ab)));
                const float cd = float(-std::sqrt(ab_prev) * std::expm1(-h));
                scratch.x0_prev.reshape(x.shape());
                float* __restrict prev = scratch.x0_prev.data();
                if (have_previous_x0 && info.step + 1 < schedule.size()) {
                    const double h_prev = lambda(ab) - lambda(schedule.alpha_bar(info.step + 1));
                    const float k = float(0.5 * h / h_prev);  // 1/(2r)
                    for (std::size_t i = 0; i < n; ++i) xs[i] = cx * xs[i] + cd * ((1.0f + k) * x0[i] - k * prev[i]);
                } else {
                    for (std::size_t i = 0; i < n; ++i) xs[i] = cx * xs[i] + cd * x0[i];
                }
                std::copy_n(x0, n, prev);
                have_previous_x0 = true;
                break;
            }
        }
    }
};

}  // namespace ias::diffusion
