// A transform that computes only the pixels that will be read (ias::run_on_region).
#include <cstdio>
#include <string_view>

#include <ias/ias.hpp>

struct darken {  // pointwise: it reads the pixels it writes, so it needs no input_region
    static constexpr std::string_view name = "darken";
    struct params_type {
        float factor = 1.0f;
    };
    params_type sample_params(ias::rng_stream& rng, const ias::sample&) const { return {rng.uniform(0.5f, 1.0f)}; }
    void apply(ias::sample& s, const params_type& p, const ias::pixel_region& where = {}) const {
        auto pixels = s.image.get<float>().view();
        where.for_each_span(pixels.width(), pixels.height(), [&](int y, int x0, int x1) {
            for (int i = x0 * pixels.channels(); i < x1 * pixels.channels(); ++i) pixels.row(y)[i] *= p.factor;
        });
    }
    void operator()(ias::sample& s, ias::rng_stream& rng) const { apply(s, sample_params(rng, s)); }
    // A 3×3 filter would add: void input_region(const params_type&, ias::pixel_region& r) const { r.dilate(); }
};

int main() {
    const auto chain = ias::pipeline(darken{}, ias::rotate{});  // rotate reads the turned-back pixels
    ias::pixel_region wanted;
    wanted.clear(64, 64);
    wanted.add_span(10, 0, 16);  // 16 pixels of row 10

    ias::sample s(ias::image<float>(64, 64, 3, 0.5f));
    ias::rng_stream rng(1, 0);
    ias::run_on_region(chain, s, rng, wanted, [&](const ias::pixel_region& read) {
        std::printf("the chain reads %zu of 4096 input pixels\n", read.pixel_count(64, 64));
    });
}
