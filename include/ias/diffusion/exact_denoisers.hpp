// SPDX-License-Identifier: MIT
// Exact denoisers: the closed-form posterior means of Gaussian and Gaussian-mixture data, as
// test oracles and as a model-free denoiser of a small set of normal patches.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "denoiser.hpp"

namespace ias::diffusion {

namespace detail {
/// Writes the prediction of `kind` from the exact x̂₀ already in `out`, at x with ᾱ.
inline void from_x0(prediction kind, const float* x, float* out, std::size_t n, double alpha_bar) noexcept {
    const float a = float(std::sqrt(alpha_bar)), b = float(std::sqrt(1.0 - alpha_bar)), inv_b = float(1.0 / std::sqrt(1.0 - alpha_bar));
    for (std::size_t i = 0; i < n; ++i) {
        const float x0 = out[i];
        const float eps = (x[i] - a * x0) * inv_b;
        out[i] = kind == prediction::sample ? x0 : kind == prediction::epsilon ? eps : a * eps - b * x0;
    }
}
inline void expect_plane(const char* who, std::size_t plane, const tensor_shape& shape) {
    if (plane != shape.plane_size())
        throw std::invalid_argument(std::string("ias::diffusion::") + who + ": the data has " + std::to_string(plane) +
                                    " values per item, but x is " + to_string(shape) + " (" +
                                    std::to_string(shape.plane_size()) + " per item)");
}
}  // namespace detail

/// The optimal denoiser of data x₀ ~ N(μ, s²·I) (μ one plane, the same for every item): under
/// the forward process x_t ~ N(√ᾱ·μ, (ᾱs² + 1 − ᾱ)·I), so E[x₀ | x_t] = μ + √ᾱ·s²/(ᾱs² + 1 − ᾱ)·(x_t − √ᾱ·μ).
/// Samplers driven by it must reproduce N(μ, s²): the oracle of the sampler tests.
struct gaussian_denoiser {
    std::vector<float> mean;  ///< μ, one plane (height × width × channels)
    float stddev = 1.0f;      ///< s > 0
    prediction kind = prediction::epsilon;

    [[nodiscard]] prediction predicts() const noexcept { return kind; }
    void operator()(const denoiser_input& in, tensor_view out) const {
        detail::expect_plane("gaussian_denoiser", mean.size(), in.x.shape());
        const double ab = in.alpha_bar, s2 = double(stddev) * stddev;
        const float gain = float(std::sqrt(ab) * s2 / (ab * s2 + 1.0 - ab)), root = float(std::sqrt(ab));
        for (int b = 0; b < in.x.shape().batch; ++b) {
            const auto x = in.x.plane(b);
            const auto o = out.plane(b);
            for (std::size_t i = 0; i < x.size(); ++i) o[i] = mean[i] + gain * (x[i] - root * mean[i]);
            detail::from_x0(kind, x.data(), o.data(), o.size(), ab);
        }
    }
};

/// The optimal denoiser of data drawn from an equal mixture of N(c_k, τ²·I) around K centres
/// (for instance K normal patches of a real image): with v = ᾱτ² + 1 − ᾱ, the posterior weight
/// of centre k is w_k ∝ exp(−‖x_t − √ᾱ·c_k‖²/(2v)) and E[x₀ | x_t] = Σ_k w_k·(c_k + √ᾱ·τ²/v·(x_t − √ᾱ·c_k)).
/// As τ → 0 the samples become the centres themselves; with a blended region, the centres that
/// fit the kept context. Cost O(K·plane) per item and call.
struct gaussian_mixture_denoiser {
    std::vector<float> centres;  ///< K planes, one after the other
    float spread = 0.05f;        ///< τ >= 0
    prediction kind = prediction::epsilon;

    [[nodiscard]] prediction predicts() const noexcept { return kind; }
    void operator()(const denoiser_input& in, tensor_view out) const {
        const std::size_t plane = in.x.shape().plane_size();
        if (plane == 0 || centres.empty() || centres.size() % plane != 0)
            throw std::invalid_argument("ias::diffusion::gaussian_mixture_denoiser: " + std::to_string(centres.size()) +
                                        " centre values are not a whole number (>= 1) of items of x's shape " +
                                        to_string(in.x.shape()));
        const std::size_t count = centres.size() / plane;
        const double ab = in.alpha_bar, t2 = double(spread) * spread, v = ab * t2 + 1.0 - ab;
        const float root = float(std::sqrt(ab)), gain = float(std::sqrt(ab) * t2 / v);
        thread_local std::vector<double> weights;
        weights.resize(count);
        for (int b = 0; b < in.x.shape().batch; ++b) {
            const auto x = in.x.plane(b);
            const auto o = out.plane(b);
            double largest = -HUGE_VAL;
            for (std::size_t k = 0; k < count; ++k) {
                const float* c = centres.data() + k * plane;
                double d2 = 0.0;
                for (std::size_t i = 0; i < plane; ++i) {
                    const double d = double(x[i]) - double(root) * c[i];
                    d2 += d * d;
                }
                weights[k] = -d2 / (2.0 * v);
                largest = std::max(largest, weights[k]);
            }
            double total = 0.0;
            for (double& w : weights) total += (w = std::exp(w - largest));
            std::fill(o.begin(), o.end(), 0.0f);
            for (std::size_t k = 0; k < count; ++k) {
                const float w = float(weights[k] / total);
                if (w == 0.0f) continue;
                const float* c = centres.data() + k * plane;
                for (std::size_t i = 0; i < plane; ++i) o[i] += w * (c[i] + gain * (x[i] - root * c[i]));
            }
            detail::from_x0(kind, x.data(), o.data(), plane, ab);
        }
    }
};

}  // namespace ias::diffusion
