// SPDX-License-Identifier: MIT
// A tiny program that uses ias the way a consumer project does.
#include <ias/ias.hpp>

struct brighten {
    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        const float gain = rng.uniform(1.0f, 2.0f);
        s.image.visit([&](auto v) {
            for (int y = 0; y < v.height(); ++y)
                for (int x = 0; x < v.width(); ++x) v(x, y) = decltype(+v(x, y))(float(v(x, y)) * gain);
        });
    }
};

int main() {
    ias::sample s(ias::image<float>(8, 8, 1, 0.25f));
    ias::rng_stream rng(1, 0);
    ias::run(ias::pipeline(brighten{}, ias::sometimes(0.5, brighten{})), s, rng);
    const float v = s.image.get<float>()(0, 0);
    return v > 0.25f && v < 1.0f ? 0 : 1;
}
