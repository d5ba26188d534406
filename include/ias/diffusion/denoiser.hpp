// SPDX-License-Identifier: MIT
// The denoiser concept (the host's network), any_denoiser, and the ε / x₀ / v conversions.
#pragma once

#include <cmath>
#include <concepts>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "conditioning.hpp"
#include "tensor.hpp"

namespace ias::diffusion {

/// What a network predicts from (x_t, t): the noise ε (DDPM, ADM, Stable Diffusion 1.x), the
/// clean sample x₀, or the velocity v = √ᾱ·ε − √(1 − ᾱ)·x₀ (SD 2.x "v-prediction").
enum class prediction { epsilon, sample, velocity };

/// One call of a network: the batch x_t at training timestep `timestep` (whose ᾱ is
/// `alpha_bar`), and the conditioning of this guidance branch.
struct denoiser_input {
    const_tensor_view x;
    int timestep = 0;
    double alpha_bar = 1.0;
    const conditioning& cond;
};

/// A network the host supplies (libtorch, ONNX Runtime, a Python callable): it writes its
/// prediction for the whole batch `in.x` into `out` (the same shape) and says which kind of
/// prediction it makes. ias owns the loop; the network never sees a random number.
template <class D>
concept denoiser = requires(const D& d, const denoiser_input& in, tensor_view out) {
    d(in, out);
    { d.predicts() } -> std::same_as<prediction>;
};

/// Any denoiser, or a callable `void(const denoiser_input&, tensor_view out)` with the kind of
/// prediction it makes, behind one type. Copies share the held network.
class any_denoiser {
public:
    using function = std::function<void(const denoiser_input&, tensor_view)>;

    any_denoiser() = default;
    /// Wraps a callable that predicts `kind`.
    any_denoiser(prediction kind, function f) : kind_(kind), f_(std::make_shared<const function>(std::move(f))) {
        if (!*f_) throw std::invalid_argument("ias::diffusion::any_denoiser: the function is empty");
    }
    /// Wraps a type that models `denoiser`.
    template <class D>
        requires(!std::same_as<std::remove_cvref_t<D>, any_denoiser> && denoiser<std::remove_cvref_t<D>>)
    any_denoiser(D&& d)  // NOLINT(google-explicit-constructor): wrapping is the point
        : kind_(d.predicts()),
          f_(std::make_shared<const function>([held = std::forward<D>(d)](const denoiser_input& in, tensor_view out) {
              held(in, out);
          })) {}

    void operator()(const denoiser_input& in, tensor_view out) const { (*f_)(in, out); }
    [[nodiscard]] prediction predicts() const noexcept { return kind_; }
    [[nodiscard]] explicit operator bool() const noexcept { return f_ != nullptr; }

private:
    prediction kind_ = prediction::epsilon;
    std::shared_ptr<const function> f_;
};

/// Turns a prediction of `kind` at x_t (with ᾱ = `alpha_bar` in (0, 1)) into ε̂ and x̂₀, in place
/// of `out` and into `x0` (METHODS §3.2): x̂₀ = (x_t − √(1−ᾱ)·ε̂)/√ᾱ, ε̂ = (x_t − √ᾱ·x̂₀)/√(1−ᾱ),
/// and for v: ε̂ = √ᾱ·v + √(1−ᾱ)·x_t, x̂₀ = √ᾱ·x_t − √(1−ᾱ)·v. Plain float loops; the arrays
/// are contiguous and of the same size.
inline void to_epsilon_and_x0(prediction kind, const float* __restrict x, float* __restrict out, float* __restrict x0,
                              std::size_t n, double alpha_bar) noexcept {
    const float a = float(std::sqrt(alpha_bar)), b = float(std::sqrt(1.0 - alpha_bar));
    const float inv_a = float(1.0 / std::sqrt(alpha_bar)), inv_b = float(1.0 / std::sqrt(1.0 - alpha_bar));
    switch (kind) {
        case prediction::epsilon:
            for (std::size_t i = 0; i < n; ++i) x0[i] = (x[i] - b * out[i]) * inv_a;
            break;
        case prediction::sample:
            for (std::size_t i = 0; i < n; ++i) {
                x0[i] = out[i];
                out[i] = (x[i] - a * x0[i]) * inv_b;
            }
            break;
        case prediction::velocity:
            for (std::size_t i = 0; i < n; ++i) {
                const float v = out[i];
                x0[i] = a * x[i] - b * v;
                out[i] = a * v + b * x[i];
            }
            break;
    }
}

}  // namespace ias::diffusion
