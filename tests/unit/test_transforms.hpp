// SPDX-License-Identifier: MIT
// Small transforms and helpers shared by the unit tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <thread>
#include <type_traits>
#include <vector>

#include <ias/core.hpp>
#include <ias/core/describe.hpp>
#include <ias/textures/texture_source.hpp>

namespace ias_test {

/// A random text for a field that its description allows: an end of the allowed values a
/// third of the time each, else uniform (log-uniform over wide bounds such as pixel sizes up
/// to 10^6, so that the sizes in use come up); a range's ends sorted; a text one of its
/// choices. `cap(name)` may lower a field's upper bound where a large value costs time, not
/// insight (it returns the bound to use, or a negative number for none).
template <class Cap>
std::string random_value(const ias::field_info& p, ias::rng_stream& rng, const Cap& cap) {
    const auto one = [&](bool integer) {
        const double capped = cap(p.name), lo = p.min, hi = capped >= 0 ? std::min(capped, p.max) : p.max;
        const double u = rng.uniform(0.0f, 1.0f), coin = rng.uniform(0.0f, 3.0f);
        const double v = coin < 1 ? lo
                         : coin < 2 ? hi
                         : hi - lo > 1000 && lo >= 0 ? std::min(hi, lo + std::expm1(u * std::log1p(hi - lo)))
                                                     : lo + u * (hi - lo);
        return integer ? ias::detail::describe::number(std::int64_t(std::round(v))) : ias::detail::describe::number(float(v));
    };
    switch (p.type) {
        case ias::field_type::text: return p.choices.at(std::size_t(rng.integer(0, std::int64_t(p.choices.size()) - 1)));
        case ias::field_type::number: return one(false);
        case ias::field_type::integer: return one(true);
        default: {
            const bool integer = p.type == ias::field_type::integer_range;
            std::string a = one(integer), b = one(integer);
            if (std::stod(a) > std::stod(b)) std::swap(a, b);
            return "[" + a + ", " + b + "]";
        }
    }
}

/// Uniform random pixels: floats in [0, 1) (multiples of 2^-24, so 1 - v is exact), or bytes.
template <class T>
ias::image<T> random_image(int width, int height, int channels, std::uint64_t seed) {
    ias::image<T> im(width, height, channels);
    ias::rng_stream rng(seed, 0);
    for (std::size_t i = 0; i < im.size(); ++i) {
        if constexpr (std::is_same_v<T, float>)
            im.data()[i] = rng.uniform();
        else
            im.data()[i] = T(rng.integer(0, 255));
    }
    return im;
}

/// Appends its tag to sample::defect_kind: lets a test see which stages ran, in which order.
struct tag {
    char letter;
    void operator()(ias::sample& s, ias::rng_stream&) const { s.defect_kind += letter; }
};

/// Adds normal noise (sigma 0.05 of full scale) to every pixel: an unparametrised transform.
struct add_noise {
    static constexpr std::string_view name = "add_noise";
    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        s.image.visit([&]<class T>(ias::image_view<T> v) {
            for (int y = 0; y < v.height(); ++y)
                for (int x = 0; x < v.width(); ++x)
                    for (int c = 0; c < v.channels(); ++c) {
                        if constexpr (std::is_same_v<T, float>) {
                            v(x, y, c) = std::clamp(v(x, y, c) + rng.normal(0.0f, 0.05f), 0.0f, 1.0f);
                        } else {
                            const float f = float(v(x, y, c)) + rng.normal(0.0f, 0.05f * 255.0f);
                            v(x, y, c) = std::uint8_t(std::clamp(f, 0.0f, 255.0f));
                        }
                    }
        });
    }
};

/// Paints a random rectangle with a random grey value and marks it in the mask: a
/// parametrised transform, so its parameters are traced and replayed.
struct paint_rect {
    static constexpr std::string_view name = "paint_rect";
    float max_fraction = 0.5f;

    struct params_type {
        int x = 0, y = 0, width = 0, height = 0;
        float value = 0.0f;
        template <class F>
        void visit_fields(F&& f) const {
            f("x", x);
            f("y", y);
            f("width", width);
            f("height", height);
            f("value", value);
        }
    };

    params_type sample_params(ias::rng_stream& rng, const ias::sample& s) const {
        params_type p;
        p.width = 1 + int(rng.integer(0, std::int64_t(float(s.image.width() - 1) * max_fraction)));
        p.height = 1 + int(rng.integer(0, std::int64_t(float(s.image.height() - 1) * max_fraction)));
        p.x = int(rng.integer(0, s.image.width() - p.width));
        p.y = int(rng.integer(0, s.image.height() - p.height));
        p.value = rng.uniform();
        return p;
    }
    void apply(ias::sample& s, const params_type& p) const {
        s.image.visit([&]<class T>(ias::image_view<T> v) {
            const auto value = std::is_same_v<T, float> ? T(p.value) : T(p.value * 255.0f);
            for (int y = p.y; y < p.y + p.height; ++y)
                for (int x = p.x; x < p.x + p.width; ++x)
                    for (int c = 0; c < v.channels(); ++c) v(x, y, c) = value;
        });
        s.ensure_mask();
        for (int y = p.y; y < p.y + p.height; ++y)
            for (int x = p.x; x < p.x + p.width; ++x) s.mask(x, y) = 1.0f;
        s.label = 1;
        s.defect_kind = "rect";
    }
    void operator()(ias::sample& s, ias::rng_stream& rng) const { apply(s, sample_params(rng, s)); }
};

/// A float sample of the given size with a smooth gradient.
inline ias::sample gradient_sample(int width, int height, int channels) {
    ias::image<float> im(width, height, channels);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < channels; ++c)
                im(x, y, c) = float(x + y + c) / float(width + height + channels);
    return ias::sample(std::move(im));
}

/// A texture source that paints one constant value: makes a blend exactly predictable.
struct constant_source final : ias::texture_source {
    float value;
    explicit constant_source(float v) : value(v) {}
    void fill(ias::rng_stream&, ias::image_view<float> out) const override {
        for (int y = 0; y < out.height(); ++y)
            for (int x = 0; x < out.width(); ++x)
                for (int c = 0; c < out.channels(); ++c) out(x, y, c) = value;
    }
};

/// FNV-1a over the bytes of the image, mask, feature mask, label and kind of a sample.
inline std::uint64_t hash(const ias::sample& s) {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&](const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    s.image.visit([&](auto v) {
        for (int y = 0; y < v.height(); ++y) mix(v.row(y), std::size_t(v.width() * v.channels()) * sizeof(*v.data()));
    });
    mix(s.mask.data(), s.mask.size() * sizeof(float));
    mix(s.feature_mask.data(), s.feature_mask.size() * sizeof(float));
    mix(&s.label, sizeof(s.label));
    mix(s.defect_kind.data(), s.defect_kind.size());
    return h;
}

/// Whether `result(i)` (a sample) hashes the same for every i < n when computed in order on
/// one thread as when the odd indices run on a second thread: its bytes depend on the index,
/// not on the thread or the order.
template <class Result>
bool same_on_two_threads(Result&& result, std::uint64_t n) {
    std::vector<std::uint64_t> sequential(n), parallel(n);
    for (std::uint64_t i = 0; i < n; ++i) sequential[i] = hash(result(i));
    std::thread odd([&] {
        for (std::uint64_t i = 1; i < n; i += 2) parallel[i] = hash(result(i));
    });
    for (std::uint64_t i = 0; i < n; i += 2) parallel[i] = hash(result(i));
    odd.join();
    return parallel == sequential;
}

}  // namespace ias_test
