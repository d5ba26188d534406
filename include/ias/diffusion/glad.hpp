// SPDX-License-Identifier: MIT
// GLAD (Yao et al., ECCV 2024): latent mixing and corrected noise for training, sigmoid fusion, top-k scoring and the adaptive switch for sampling.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tensor.hpp"

namespace ias::diffusion {

namespace detail {

inline void glad_check_same(const char* fn, const char* name, const tensor_shape& s, const char* ref_name,
                            const tensor_shape& ref) {
    if (s != ref)
        throw std::invalid_argument(std::string("ias::diffusion::") + fn + ": " + name + " is " + to_string(s) + " but " +
                                    ref_name + " is " + to_string(ref) + "; the shapes must match");
}

}  // namespace detail

/// GLAD's anomaly-oriented training latent (METHODS §8.8.1 step 2):
/// out = alpha·anomalous + (1 − alpha)·normal, elementwise. GLAD uses alpha = t/T, so the
/// training target is more anomalous at high noise levels.
///
/// All three tensors have one shape; `out` may be the same buffer as either input.
/// `alpha` in [0, 1]. Throws std::invalid_argument naming the shapes or `alpha`.
inline void mix_latents(const_tensor_view anomalous, const_tensor_view normal, float alpha, tensor_view out) {
    detail::glad_check_same("mix_latents", "normal", normal.shape(), "anomalous", anomalous.shape());
    detail::glad_check_same("mix_latents", "out", out.shape(), "anomalous", anomalous.shape());
    if (!(alpha >= 0.0f && alpha <= 1.0f))
        throw std::invalid_argument("ias::diffusion::mix_latents: alpha is " + std::to_string(alpha) +
                                    "; it must be in [0, 1] (GLAD: t/T)");
    const float* a = anomalous.data();
    const float* n = normal.data();
    float* o = out.data();
    const float beta = 1.0f - alpha;
    for (std::size_t i = 0; i < out.size(); ++i) o[i] = alpha * a[i] + beta * n[i];
}

/// GLAD's corrected noise target (METHODS §8.8.1 step 2): the ε* that makes the noised mixed
/// latent x_t = √ᾱ·x0_mixed + √(1−ᾱ)·eps consistent with the *normal* latent,
/// ε* = (x_t − √ᾱ·normal)/√(1−ᾱ) = (√ᾱ·x0_mixed + √(1−ᾱ)·eps − √ᾱ·normal)/√(1−ᾱ), so that
/// (x_t − √(1−ᾱ)·ε*)/√ᾱ = normal: the model trained against it learns to denoise anomalies
/// towards normal.
///
/// METHODS §8.8.1 prints the numerator as √ᾱ·z_n + √(1−ᾱ)·ε − √ᾱ·x₀', with z_n and x₀'
/// swapped; that ε* would give x̂₀ = 2·x₀' − z_n, contradicting the property the same
/// paragraph states ("the ε that would make x_t consistent with the normal x₀"). The property
/// is what is implemented.
///
/// Evaluated as eps + √(ᾱ/(1−ᾱ))·(x0_mixed − normal), algebraically the same and with fewer
/// roundings. All four tensors have one shape; `out` may be the same buffer as any input.
/// `alpha_bar` (ᾱ_t) in (0, 1) exclusive. Throws std::invalid_argument naming the shapes or
/// `alpha_bar`.
inline void corrected_epsilon(const_tensor_view x0_mixed, const_tensor_view normal, const_tensor_view eps, double alpha_bar,
                              tensor_view out) {
    detail::glad_check_same("corrected_epsilon", "normal", normal.shape(), "x0_mixed", x0_mixed.shape());
    detail::glad_check_same("corrected_epsilon", "eps", eps.shape(), "x0_mixed", x0_mixed.shape());
    detail::glad_check_same("corrected_epsilon", "out", out.shape(), "x0_mixed", x0_mixed.shape());
    if (!(alpha_bar > 0.0 && alpha_bar < 1.0))
        throw std::invalid_argument("ias::diffusion::corrected_epsilon: alpha_bar is " + std::to_string(alpha_bar) +
                                    "; it must be in (0, 1)");
    const auto k = float(std::sqrt(alpha_bar / (1.0 - alpha_bar)));
    const float* x0 = x0_mixed.data();
    const float* zn = normal.data();
    const float* e = eps.data();
    float* o = out.data();
    for (std::size_t i = 0; i < out.size(); ++i) o[i] = e[i] + k * (x0[i] - zn[i]);
}

/// GLAD's local fusion of the two x̂₀ estimates (METHODS §8.8.2 step 3):
/// out = σ(A)·x0 + (1 − σ(A))·x0_input per channel, with σ the logistic sigmoid and A the
/// anomaly map: where the map says anomalous the model's own estimate wins, elsewhere the
/// input-anchored estimate keeps the input's detail. A = 0 gives the average.
///
/// `x0`, `x0_input` and `out` are N×H×W×C of one shape; `anomaly_map` is N×H×W×1. `out` may
/// be the same buffer as `x0` or `x0_input`. Throws std::invalid_argument naming the shapes.
inline void sigmoid_fusion(const_tensor_view x0, const_tensor_view x0_input, const_tensor_view anomaly_map, tensor_view out) {
    detail::glad_check_same("sigmoid_fusion", "x0_input", x0_input.shape(), "x0", x0.shape());
    detail::glad_check_same("sigmoid_fusion", "out", out.shape(), "x0", x0.shape());
    detail::glad_check_same("sigmoid_fusion", "anomaly_map", anomaly_map.shape(), "x0 with one channel",
                            x0.shape().with_channels(1));
    const auto channels = std::size_t(x0.shape().channels);
    const std::size_t pixels = anomaly_map.size();
    const float* a = x0.data();
    const float* b = x0_input.data();
    const float* m = anomaly_map.data();
    float* o = out.data();
    for (std::size_t p = 0; p < pixels; ++p) {
        // exp(−A) overflows to inf for very negative A, and 1/(1 + inf) = 0 is the right limit.
        const float s = 1.0f / (1.0f + std::exp(-m[p]));
        const float r = 1.0f - s;
        for (std::size_t c = 0; c < channels; ++c) {
            const std::size_t i = p * channels + c;
            o[i] = s * a[i] + r * b[i];
        }
    }
}

/// The mean of the `k` largest of `values`: GLAD's anomaly score of a map (METHODS §8.8.2
/// step 2, k = 10). A `k` larger than the number of values uses them all. `scratch` receives a
/// copy of the values (grown only, so reuse avoids allocation); std::nth_element partitions it.
/// Throws std::invalid_argument when `k` < 1, `values` is empty or holds a NaN (which has no
/// rank). Sums in double.
[[nodiscard]] inline float top_k_mean(std::span<const float> values, int k, std::vector<float>& scratch) {
    if (k < 1) throw std::invalid_argument("ias::diffusion::top_k_mean: k is " + std::to_string(k) + "; it must be >= 1");
    if (values.empty()) throw std::invalid_argument("ias::diffusion::top_k_mean: values is empty");
    scratch.assign(values.begin(), values.end());
    if (std::any_of(scratch.begin(), scratch.end(), [](float v) { return std::isnan(v); }))
        throw std::invalid_argument("ias::diffusion::top_k_mean: values holds a NaN");
    const std::size_t n = std::min(std::size_t(k), scratch.size());
    const auto kth = scratch.begin() + std::ptrdiff_t(n - 1);
    std::nth_element(scratch.begin(), kth, scratch.end(), std::greater<float>());
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += double(scratch[i]);
    return float(sum / double(n));
}

/// GLAD's adaptive switch (METHODS §8.8.2 step 3): decides, at each denoising step of a sample
/// that has not switched yet, whether to keep the model's x̂₀, fuse it locally with the
/// input-anchored x̂₀^in, or replace it by x̂₀^in. The caller marks the sample switched (and
/// records the step: GLAD's global adaptive step count) on any decision other than `keep`.
struct glad_switch {
    /// Score above which the sample switches at once: the anomaly is evident, stop denoising
    /// globally (GLAD's per-class `input_threshold`, 0.1–0.5).
    float input_threshold = 0.3f;
    /// Score above which a switching sample is fused locally (σ(A) map) rather than replaced
    /// by the input-anchored estimate (GLAD's `threshold`).
    float threshold = 0.3f;
    /// Timestep below which the sample switches whatever its score (GLAD's `min_step`, 350).
    int min_timestep = 350;

    enum class decision {
        keep,            ///< not switching: plain DDIM with the model's x̂₀
        local_fusion,    ///< x̂₀ ← sigmoid_fusion(x̂₀, x̂₀^in, A)
        input_anchored,  ///< x̂₀ ← x̂₀^in
    };

    /// If `score` > input_threshold or `timestep` < min_timestep: `local_fusion` when `score` >
    /// threshold, else `input_anchored`; otherwise `keep`.
    [[nodiscard]] decision decide(float score, int timestep) const noexcept {
        if (score > input_threshold || timestep < min_timestep)
            return score > threshold ? decision::local_fusion : decision::input_anchored;
        return decision::keep;
    }
};

/// GLAD's start timestep t₀ on MVTec AD (METHODS §8.8.2 step 1): the test latent is noised to
/// t₀ before adaptive denoising. 600 for "capsule", 850 for "transistor", 750 for every other
/// class (VisA uses about 450–500; pass those explicitly).
[[nodiscard]] inline int glad_denoise_step(std::string_view mvtec_class) noexcept {
    if (mvtec_class == "capsule") return 600;
    if (mvtec_class == "transistor") return 850;
    return 750;
}

}  // namespace ias::diffusion
