// SPDX-License-Identifier: MIT
// any_transform and dynamic_pipeline: transforms composed at run time (Python, config files).
#pragma once

#include <initializer_list>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "concepts.hpp"
#include "run_on_region.hpp"

namespace ias {

/// Holds any transform behind one type, for composition decided at run time. Copies share
/// the held transform, which is immutable. Tracing and replay reach through to it, and an
/// any_transform consumes no randomness of its own: wrapping a transform does not change
/// the bytes it produces. Use it at the boundary only; compile-time pipelines are faster.
class any_transform {
public:
    static constexpr std::string_view name = "any_transform";

    template <class T>
        requires(!std::same_as<std::remove_cvref_t<T>, any_transform> && transform<std::remove_cvref_t<T>>)
    any_transform(T&& t)  // NOLINT(google-explicit-constructor): wrapping is the point
        : impl_(std::make_shared<const model<std::remove_cvref_t<T>>>(std::forward<T>(t))) {}

    void operator()(sample& s, rng_stream& rng) const { impl_->run(s, rng); }
    void replay(sample& s, trace_reader& reader) const { impl_->replay(s, reader); }
    void run_on_region(sample& s, rng_stream& rng, const pixel_region& where, region_input input) const {
        impl_->run_on_region(s, rng, where, input);
    }
    /// The held transform's trace name.
    [[nodiscard]] std::string_view stage_name() const noexcept { return impl_->stage_name(); }

private:
    struct concept_base {
        virtual ~concept_base() = default;
        virtual void run(sample& s, rng_stream& rng) const = 0;
        virtual void replay(sample& s, trace_reader& reader) const = 0;
        virtual void run_on_region(sample& s, rng_stream& rng, const pixel_region& where, region_input input) const = 0;
        [[nodiscard]] virtual std::string_view stage_name() const noexcept = 0;
    };
    template <class T>
    struct model final : concept_base {
        explicit model(T t) : held(std::move(t)) {}
        void run(sample& s, rng_stream& rng) const override { ias::run(held, s, rng); }
        void replay(sample& s, trace_reader& reader) const override { ias::replay(held, s, reader); }
        void run_on_region(sample& s, rng_stream& rng, const pixel_region& where, region_input input) const override {
            ias::run_on_region(held, s, rng, where, input);
        }
        [[nodiscard]] std::string_view stage_name() const noexcept override { return detail::stage_name<T>(); }
        T held;
    };

    std::shared_ptr<const concept_base> impl_;
};

/// A pipeline whose stages are chosen at run time. Stage i draws from `rng.fork(i)`, exactly
/// as in `pipeline`, so `dynamic_pipeline{a, b, c}` and `pipeline(a, b, c)` give the same bytes.
class dynamic_pipeline {
public:
    static constexpr std::string_view name = "pipeline";

    dynamic_pipeline() = default;
    dynamic_pipeline(std::initializer_list<any_transform> stages) : stages_(stages) {}

    void push_back(any_transform stage) { stages_.push_back(std::move(stage)); }
    [[nodiscard]] std::size_t size() const noexcept { return stages_.size(); }
    [[nodiscard]] bool empty() const noexcept { return stages_.empty(); }
    [[nodiscard]] const any_transform& operator[](std::size_t i) const noexcept { return stages_[i]; }

    void operator()(sample& s, rng_stream& rng) const {
        for (std::size_t i = 0; i < stages_.size(); ++i) detail::run_child(stages_[i], s, rng, std::uint32_t(i));
    }
    void run_on_region(sample& s, rng_stream& rng, const pixel_region& where, region_input input) const {
        detail::run_chain_on_region(stages_.size(), where, input, [&](std::size_t i, const pixel_region& r, region_input in) {
            rng_stream child = rng.fork(std::uint32_t(i));
            stages_[i].run_on_region(s, child, r, in);
        });
    }
    void replay(sample& s, trace_reader& reader) const {
        for (const auto& stage : stages_) stage.replay(s, reader);
    }

private:
    std::vector<any_transform> stages_;
};

}  // namespace ias
