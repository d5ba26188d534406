// SPDX-License-Identifier: MIT
// Noise schedules (linear, scaled-linear, cosine), timestep respacing, and the forward process.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor.hpp"

namespace ias::diffusion {

namespace detail {
[[noreturn]] inline void bad_schedule(const std::string& what) {
    throw std::invalid_argument("ias::diffusion: " + what);
}
inline void expect_steps(const char* fn, int steps) {
    if (steps < 1) bad_schedule(std::string(fn) + ": the number of timesteps is " + std::to_string(steps) + "; it must be >= 1");
}
}  // namespace detail

/// A discrete noise schedule of T timesteps t = 0 … T−1 (0-based, as in DDPM's, ADM's and
/// diffusers' code): β_t, α_t = 1 − β_t and ᾱ_t = Π_{s≤t} α_s, in double (METHODS §3.1). The
/// forward process is q(x_t | x₀) = N(√ᾱ_t·x₀, (1 − ᾱ_t)·I).
class noise_schedule {
public:
    /// DDPM's and ADM's (and RealNet's) schedule: β_t = linspace(β_start, β_end, T).
    static noise_schedule linear(int steps = 1000, double beta_start = 1e-4, double beta_end = 0.02) {
        detail::expect_steps("noise_schedule::linear", steps);
        std::vector<double> betas(std::size_t(steps), beta_start);
        for (int t = 1; t < steps; ++t) betas[std::size_t(t)] = beta_start + (beta_end - beta_start) * t / (steps - 1);
        return from_betas(std::move(betas));
    }
    /// Latent and Stable Diffusion's schedule (AnomalyDiffusion, DualAnoDiff, SeaS, AnoGen):
    /// β_t = linspace(√β_start, √β_end, T)².
    static noise_schedule scaled_linear(int steps = 1000, double beta_start = 0.00085, double beta_end = 0.012) {
        detail::expect_steps("noise_schedule::scaled_linear", steps);
        const double a = std::sqrt(beta_start), b = std::sqrt(beta_end);
        std::vector<double> betas(std::size_t(steps), beta_start);
        for (int t = 1; t < steps; ++t) {
            const double r = a + (b - a) * t / (steps - 1);
            betas[std::size_t(t)] = r * r;
        }
        return from_betas(std::move(betas));
    }
    /// Improved DDPM's cosine schedule (Nichol and Dhariwal 2021): ᾱ(τ) = h(τ)/h(0) with
    /// h(τ) = cos²((τ/T + s)/(1 + s)·π/2), and β_t = min(1 − ᾱ(t+1)/ᾱ(t), max_beta), t = 0 … T−1.
    static noise_schedule cosine(int steps = 1000, double offset = 0.008, double max_beta = 0.999) {
        detail::expect_steps("noise_schedule::cosine", steps);
        const auto h = [&](double tau) {
            const double c = std::cos((tau / steps + offset) / (1.0 + offset) * std::numbers::pi / 2.0);
            return c * c;
        };
        std::vector<double> betas(static_cast<std::size_t>(steps));
        for (int t = 0; t < steps; ++t) betas[std::size_t(t)] = std::min(1.0 - h(t + 1) / h(t), max_beta);
        return from_betas(std::move(betas));
    }
    /// A schedule from its β_t; each must lie in (0, 1).
    static noise_schedule from_betas(std::vector<double> betas) {
        if (betas.empty()) detail::bad_schedule("noise_schedule: there are no betas");
        noise_schedule s;
        s.alpha_bars_.resize(betas.size());
        double product = 1.0;
        for (std::size_t t = 0; t < betas.size(); ++t) {
            if (!(betas[t] > 0.0 && betas[t] < 1.0))
                detail::bad_schedule("noise_schedule: beta[" + std::to_string(t) + "] = " + std::to_string(betas[t]) +
                                     "; every beta must lie in (0, 1)");
            product *= 1.0 - betas[t];
            s.alpha_bars_[t] = product;
        }
        s.betas_ = std::move(betas);
        return s;
    }

    /// T, the number of training timesteps.
    [[nodiscard]] int steps() const noexcept { return int(betas_.size()); }
    [[nodiscard]] double beta(int t) const { return betas_.at(std::size_t(t)); }
    [[nodiscard]] double alpha_bar(int t) const { return alpha_bars_.at(std::size_t(t)); }
    [[nodiscard]] std::span<const double> betas() const noexcept { return betas_; }
    [[nodiscard]] std::span<const double> alpha_bars() const noexcept { return alpha_bars_; }

private:
    noise_schedule() = default;
    std::vector<double> betas_, alpha_bars_;
};

/// LDM's "uniform" DDIM timesteps: stride c = T / count (integer division), timesteps
/// {0, c, 2c, …} below T, each plus `offset` (LDM and Stable Diffusion use offset 1;
/// diffusers' "leading" spacing). Ascending. Throws when count is not in [1, T] or a timestep
/// would reach T.
inline std::vector<int> uniform_timesteps(int train_steps, int count, int offset = 0) {
    detail::expect_steps("uniform_timesteps", train_steps);
    if (count < 1 || count > train_steps)
        detail::bad_schedule("uniform_timesteps: count is " + std::to_string(count) + "; it must lie in [1, " +
                             std::to_string(train_steps) + "]");
    const int stride = train_steps / count;
    std::vector<int> out;
    for (int t = 0; t < train_steps; t += stride) {
        if (t + offset < 0 || t + offset >= train_steps)
            detail::bad_schedule("uniform_timesteps: offset " + std::to_string(offset) + " moves timestep " + std::to_string(t) +
                                 " outside [0, " + std::to_string(train_steps) + ")");
        out.push_back(t + offset);
    }
    return out;
}

/// diffusers' "trailing" spacing (DPM-Solver++ and zero-terminal-SNR setups): round(T − k·T/count) − 1
/// for k = 0 … count − 1, so the first step starts at the last training timestep. Ascending.
inline std::vector<int> trailing_timesteps(int train_steps, int count) {
    detail::expect_steps("trailing_timesteps", train_steps);
    if (count < 1 || count > train_steps)
        detail::bad_schedule("trailing_timesteps: count is " + std::to_string(count) + "; it must lie in [1, " +
                             std::to_string(train_steps) + "]");
    std::vector<int> out(static_cast<std::size_t>(count));
    const double stride = double(train_steps) / count;
    for (int k = 0; k < count; ++k) out[std::size_t(count - 1 - k)] = int(std::lround(train_steps - k * stride)) - 1;
    return out;
}

/// ADM's (and RealNet's) `section_counts = "ddimN"`: the timesteps {0, c, 2c, …} below T for
/// the smallest stride c that gives exactly `count` of them. Throws when no stride does.
inline std::vector<int> ddim_timesteps(int train_steps, int count) {
    detail::expect_steps("ddim_timesteps", train_steps);
    for (int stride = 1; stride < train_steps; ++stride)
        if ((train_steps + stride - 1) / stride == count) {
            std::vector<int> out;
            for (int t = 0; t < train_steps; t += stride) out.push_back(t);
            return out;
        }
    if (count == 1) return {0};
    detail::bad_schedule("ddim_timesteps: no integer stride gives exactly " + std::to_string(count) + " timesteps of " +
                         std::to_string(train_steps));
}

/// ADM's respacing by sections (`section_counts = "10,15,20"`): T is cut into len(counts)
/// near-equal sections (the first T mod k one longer) and section i contributes counts[i]
/// timesteps at a fractional stride (size − 1)/(count − 1), rounded. Ascending, without repeats.
inline std::vector<int> section_timesteps(int train_steps, std::span<const int> counts) {
    detail::expect_steps("section_timesteps", train_steps);
    if (counts.empty() || int(counts.size()) > train_steps)
        detail::bad_schedule("section_timesteps: there are " + std::to_string(counts.size()) + " sections; there must be 1 to " +
                             std::to_string(train_steps));
    const int sections = int(counts.size());
    const int base = train_steps / sections, extra = train_steps % sections;
    std::vector<int> out;
    int start = 0;
    for (int i = 0; i < sections; ++i) {
        const int size = base + (i < extra ? 1 : 0), count = counts[std::size_t(i)];
        if (count < 1 || count > size)
            detail::bad_schedule("section_timesteps: section " + std::to_string(i) + " has " + std::to_string(size) +
                                 " timesteps and cannot give " + std::to_string(count) + " (at least 1)");
        const double stride = count <= 1 ? 1.0 : double(size - 1) / (count - 1);
        for (int k = 0; k < count; ++k) out.push_back(start + int(std::lround(k * stride)));
        start += size;
    }
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

/// The timesteps a sampler visits, with their ᾱ (a respaced schedule, ADM's SpacedDiffusion):
/// step i = 0 … size − 1 is at training timestep timestep(i), ascending. A sampler goes from
/// step i to step i − 1; step −1 is the clean image, with ᾱ = 1. The respaced β of step i is
/// 1 − ᾱ(i)/ᾱ(i − 1), which is what DDPM's ancestral step on the subsequence uses.
class respaced_schedule {
public:
    /// Every training timestep.
    explicit respaced_schedule(const noise_schedule& schedule) {
        for (int t = 0; t < schedule.steps(); ++t) push(t, schedule.alpha_bar(t));
    }
    /// The given training timesteps, which must be strictly increasing and in [0, T).
    respaced_schedule(const noise_schedule& schedule, std::span<const int> timesteps) {
        if (timesteps.empty()) detail::bad_schedule("respaced_schedule: no timesteps were given");
        for (std::size_t i = 0; i < timesteps.size(); ++i) {
            const int t = timesteps[i];
            if (t < 0 || t >= schedule.steps() || (i > 0 && t <= timesteps[i - 1]))
                detail::bad_schedule("respaced_schedule: timestep[" + std::to_string(i) + "] = " + std::to_string(t) +
                                     "; timesteps must be strictly increasing and lie in [0, " +
                                     std::to_string(schedule.steps()) + ")");
            push(t, schedule.alpha_bar(t));
        }
    }

    /// The number of sampling steps.
    [[nodiscard]] int size() const noexcept { return int(timesteps_.size()); }
    /// The training timestep of step i (what the network is told).
    [[nodiscard]] int timestep(int i) const { return timesteps_.at(std::size_t(i)); }
    /// ᾱ of step i; ᾱ(−1) = 1 (the clean image).
    [[nodiscard]] double alpha_bar(int i) const { return i < 0 ? 1.0 : alpha_bars_.at(std::size_t(i)); }
    /// The respaced β of step i: 1 − ᾱ(i)/ᾱ(i − 1).
    [[nodiscard]] double beta(int i) const { return 1.0 - alpha_bar(i) / alpha_bar(i - 1); }
    [[nodiscard]] std::span<const int> timesteps() const noexcept { return timesteps_; }

    /// SDEdit's first step for `strength` in (0, 1] (img2img): the input is noised to step
    /// ⌈strength·size⌉ − 1, so strength 1 starts from the last step and a small strength keeps
    /// more of the input. Throws for a strength outside (0, 1].
    [[nodiscard]] int first_step(float strength) const {
        if (!(strength > 0.0f && strength <= 1.0f))
            detail::bad_schedule("the SDEdit strength is " + std::to_string(strength) + "; it must lie in (0, 1]");
        return std::max(1, int(std::ceil(double(strength) * size() - 1e-9))) - 1;
    }

private:
    void push(int t, double alpha_bar) {
        timesteps_.push_back(t);
        alpha_bars_.push_back(alpha_bar);
    }
    std::vector<int> timesteps_;
    std::vector<double> alpha_bars_;
};

/// The forward process: out = √ᾱ·x0 + √(1 − ᾱ)·eps (`out` may alias either input). Throws when
/// the shapes differ or ᾱ is outside [0, 1].
inline void add_noise(const_tensor_view x0, const_tensor_view eps, double alpha_bar, tensor_view out) {
    if (x0.shape() != eps.shape() || x0.shape() != out.shape())
        detail::bad_schedule("add_noise: x0 is " + to_string(x0.shape()) + ", eps " + to_string(eps.shape()) + " and out " +
                             to_string(out.shape()) + "; they must have one shape");
    if (!(alpha_bar >= 0.0 && alpha_bar <= 1.0))
        detail::bad_schedule("add_noise: alpha_bar is " + std::to_string(alpha_bar) + "; it must lie in [0, 1]");
    const float a = float(std::sqrt(alpha_bar)), b = float(std::sqrt(1.0 - alpha_bar));
    const float* x = x0.data();
    const float* e = eps.data();
    float* o = out.data();
    for (std::size_t i = 0; i < out.size(); ++i) o[i] = a * x[i] + b * e[i];
}

}  // namespace ias::diffusion
