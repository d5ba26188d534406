// Diffusion as hooks: the host supplies the network; ias the schedule, the sampler, the
// masks, the compositing and the filtering, all as pipeline stages.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include <ias/ias.hpp>

namespace dm = ias::diffusion;

int main() {
    // The host's network. Here the exact denoiser of two flat 32 × 32 grey images (dark and
    // light); with libtorch the lambda would copy in.x into a tensor, call the UNet with
    // in.timestep and in.cond (prompt embeddings, class ids: anything), and copy the
    // prediction back into out.
    std::vector<float> flats(2 * 32 * 32, -0.6f);
    std::fill(flats.begin() + 32 * 32, flats.end(), 0.6f);
    const dm::gaussian_mixture_denoiser exact{flats, 0.02f};
    const dm::any_denoiser unet(dm::prediction::epsilon, [&](const dm::denoiser_input& in, dm::tensor_view out) { exact(in, out); });

    // 25 DDIM steps (η = 1) on Stable Diffusion's schedule, with RePaint's resampling.
    const auto sampler = std::make_shared<const dm::sampler>(dm::sampler{
        dm::respaced_schedule(dm::noise_schedule::scaled_linear(), dm::uniform_timesteps(1000, 25, 1)), unet,
        {.kind = dm::sampler_kind::ddim, .eta = 1.0f, .jump_length = 5, .resamplings = 2}});

    // Mask first, then inpaint the mask in context; keep only dark fills (a stand-in for a
    // CLIP score or a detector), retrying up to 6 times with fresh noise.
    const auto darkness = [](const ias::sample& s) {
        const auto& im = s.image.get<float>();
        double sum = 0, n = 0;
        for (int y = 0; y < im.height(); ++y)
            for (int x = 0; x < im.width(); ++x)
                if (s.mask(x, y) > 0.5f) sum += 1.0 - im(x, y), n += 1;
        return n > 0 ? sum / n : 0.0;
    };
    const auto synthesis = ias::pipeline(
        ias::ellipse_mask({.count = {1, 1}, .radius = {0.2f, 0.3f}}),
        ias::rejection_filter(ias::diffusion_inpaint({.sampler = sampler, .paste_back = {.feather_sigma = 1.0f}}), darkness, 0.7, 1.0, 6));

    for (std::uint32_t index = 0; index < 4; ++index) {
        ias::sample s{ias::any_image(ias::image<float>(32, 32, 1, 0.5f))};
        s.trace.emplace();  // records the filter's scores
        ias::rng_stream rng(2026, index);
        ias::run(synthesis, s, rng);
        const auto& filter = s.trace->entries()[1].fields;  // after the mask stage: accepted, scores
        std::printf("sample %u: label %d, kind %s, accepted attempt %g of %zu\n", index, s.label, s.defect_kind.c_str(),
                    filter[0].values[0], filter[1].values.size());
    }
}
