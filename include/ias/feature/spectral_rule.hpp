// SPDX-License-Identifier: MIT
// GLASS's spectral rule: hypersphere or manifold feature synthesis, chosen from the spectrum of a class's mean image.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <unsupported/Eigen/FFT>

#include "../core/image.hpp"
#include "../core/luma.hpp"
#include "../fn/resize.hpp"
#include "glass_gas.hpp"

namespace ias::feature {

/// The constants of GLASS's spectral rule (`utils.distribution_judge`), with the reference values.
struct spectral_rule_settings {
    int size = 289;             ///< side of the square grid the mean image is resized to, in [2, 4096]
    int blur = 39;              ///< side of the box (mean) filter, in [1, size]
    float threshold = 170.0f;   ///< a frequency is bright when 20·ln|F| exceeds this; finite
    float density = 0.21f;      ///< either density above this (and the two tests below) means hypersphere; finite, >= 0
    float min_radius = 12.0f;   ///< the bright points must reach farther than this from the centre (bins); finite, >= 0
    int min_points = 60;        ///< there must be more bright points than this; >= 0

    /// Throws std::invalid_argument naming the field, its value and the allowed range.
    void validate() const {
        auto fail = [](const std::string& what) { throw std::invalid_argument("ias::feature::spectral_rule_settings: " + what); };
        if (size < 2 || size > 4096) fail("size must lie in [2, 4096], got " + std::to_string(size));
        if (blur < 1 || blur > size)
            fail("blur must lie in [1, size = " + std::to_string(size) + "], got " + std::to_string(blur));
        if (!std::isfinite(threshold)) fail("threshold must be finite, got " + std::to_string(threshold));
        if (!(density >= 0.0f) || !std::isfinite(density)) fail("density must be finite and >= 0, got " + std::to_string(density));
        if (!(min_radius >= 0.0f) || !std::isfinite(min_radius))
            fail("min_radius must be finite and >= 0, got " + std::to_string(min_radius));
        if (min_points < 0) fail("min_points must be >= 0, got " + std::to_string(min_points));
    }
};

/// What the spectral rule measured, and what it chose. Distances are in frequency bins of
/// the `size` × `size` grid, from the centre (size/2, size/2) where the shifted spectrum has
/// its zero frequency.
struct spectral_evidence {
    int points = 0;          ///< n, the number of bright frequencies (the zero frequency included when bright)
    float max_dx = 0.0f;     ///< s_x, the largest |Δx| of a bright point (0 when there is none)
    float max_dy = 0.0f;     ///< s_y, the largest |Δy| of a bright point (0 when there is none)
    float radius = 0.0f;     ///< R, the largest Euclidean distance of a bright point (0 when there is none)
    float l1_density = 0.0f; ///< n / (4·max(s_x, 1)·max(s_y, 1))
    float l2_density = 0.0f; ///< n / (number of grid points within R of the centre); 0 when n = 0
    glass_distribution choice = glass_distribution::manifold;
};

namespace detail::spectral {

/// OpenCV's default border (BORDER_REFLECT_101, "gfedcb|abcdefgh|gfedcba") for any index,
/// however far outside [0, n): the reflection is periodic with period 2(n − 1).
[[nodiscard]] inline int reflect_101(int i, int n) noexcept {
    if (n == 1) return 0;
    const int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

/// The grey value of pixel (x, y) on GLASS's 0..255 scale: OpenCV's BGR2GRAY weights
/// (ITU-R 601) of the RGB channels, the alpha channel ignored; one channel as it is.
[[nodiscard]] inline float grey_255(image_view<const float> v, int x, int y) noexcept {
    if (v.channels() == 1) return 255.0f * v(x, y, 0);
    return 255.0f * (luma(v(x, y, 0), v(x, y, 1), v(x, y, 2)));
}

/// `out` ← the `k` × `k` mean of the n × n plane `in`, anchored at k/2 like OpenCV's
/// `cv2.blur`, with its default reflect-101 border. Separable: rows, then columns.
inline void box_blur(const std::vector<float>& in, std::vector<float>& out, int n, int k) {
    const int before = k / 2;
    std::vector<int> index(std::size_t(n + k - 1));  // source index of window position x − before + j
    for (int i = 0; i < n + k - 1; ++i) index[std::size_t(i)] = reflect_101(i - before, n);
    std::vector<float> rows(in.size());
    const auto un = std::size_t(n);
    const float scale = 1.0f / float(k);
    for (std::size_t y = 0; y < un; ++y) {
        const float* src = in.data() + y * un;
        for (int x = 0; x < n; ++x) {
            double sum = 0.0;
            for (int j = 0; j < k; ++j) sum += double(src[index[std::size_t(x + j)]]);
            rows[y * un + std::size_t(x)] = float(sum) * scale;
        }
    }
    out.assign(in.size(), 0.0f);
    for (int y = 0; y < n; ++y) {
        for (int j = 0; j < k; ++j) {
            const float* src = rows.data() + std::size_t(index[std::size_t(y + j)]) * un;
            float* dst = out.data() + std::size_t(y) * un;
            for (std::size_t x = 0; x < un; ++x) dst[x] += src[x];
        }
        float* dst = out.data() + std::size_t(y) * un;
        for (std::size_t x = 0; x < un; ++x) dst[x] *= scale;
    }
}

}  // namespace detail::spectral

/// Chooses GLASS's synthesis mode for a product class from its mean training image
/// (Chen et al., "A Unified Anomaly Synthesis Strategy with Gradient Ascent for Industrial
/// Anomaly Detection and Localization", ECCV 2024; `utils.distribution_judge`, used when
/// `--distribution 1`; METHODS §2.13 step 9). A mean image whose heavily blurred spectrum
/// holds a dense cloud of strong frequencies reaching beyond the lowest few is taken as a
/// texture-like class, whose normal features fill a compact ball (hypersphere); anything else
/// as object-like (manifold).
///
/// The steps, with the reference constants of `options`:
/// 1. convert to grey on a 0..255 scale: `mean_image` holds floats in [0, 1] (ias's float
///    convention), scaled by 255; 3 or 4 channels are RGB(A) and weighted 0.299 R + 0.587 G
///    + 0.114 B (alpha ignored), 1 channel is taken as it is. Grey before resizing, which
///    equals GLASS's resize-then-grey, both being linear;
/// 2. resize to `size` × `size` by `fn::resize_bilinear` (OpenCV's INTER_LINEAR, as GLASS's
///    `cv2.resize`);
/// 3. blur with the `blur` × `blur` box filter, border reflect-101 (OpenCV's default, which
///    `cv2.blur` uses in GLASS);
/// 4. 2-D DFT (row FFTs, then column FFTs; Eigen's kissfft, any size), zero frequency shifted
///    to (size/2, size/2) as `np.fft.fftshift` does;
/// 5. a point is bright when 20·ln|F| > `threshold` (natural log, as GLASS's `np.log`); a zero
///    magnitude is never bright (GLASS's log gives −inf there);
/// 6. from the bright points: n, s_x, s_y, R, `l1_density = n / (4·max(s_x, 1)·max(s_y, 1))`
///    (GLASS's clamp of the sides to 1, so a lone zero frequency gives 0.25 and no point 0),
///    and `l2_density = n / |{(x, y) : 0 <= x, y < 2·size, (x − c)² + (y − c)² <= R²}|`,
///    c = size/2: GLASS counts on a 2·size × 2·size grid of indices from 0 that holds the
///    centre at (c, c), so the disc is cut only on the low side and only when R > c; for
///    R <= c it is the full disc;
/// 7. hypersphere when (`l1_density` > `density` or `l2_density` > `density`) and R >
///    `min_radius` and n > `min_points`; otherwise manifold.
///
/// Differences from GLASS: GLASS rounds the image to 8 bits before and after each of steps
/// 1–3 (and truncates when it turns the normalised mean back into a picture); this function
/// keeps floats. Rounding errors (rms 0.29 per pixel) add about 0.29·size ≈ 84 (rms) to a
/// magnitude, against e^8.5 ≈ 4915 at the threshold, so they move only points within a few
/// percent of it. The FFT is in single precision, as GLASS's `cv2.dft` on float32.
///
/// What the rule responds to (measured on synthetic 288 × 288 images; see the tests): the
/// 39 × 39 box averages away periods shorter than about 20 pixels, so a fine checker or weave
/// keeps only its zero frequency and is manifold. A perfectly periodic pattern gives only its
/// few harmonics, too sparse to be dense; the dense clouds that make a hypersphere come from
/// what the blur's reflected border and sharp edges add around them. So a coarse checker
/// (period 32 or 36) aligned with the image border is hypersphere, the same checker shifted
/// by a few pixels is manifold, smooth blobs are manifold (R ≈ 5), and a sharp disc of radius
/// 60 or more lands just past R = 12 (hypersphere). A horizontal ramp, whose wrap-around
/// step makes one bright line along the x axis, is hypersphere through the clamp of s_y to 1.
///
/// Deterministic; allocates a few `size` × `size` planes. Throws std::invalid_argument for an
/// empty image, a channel count other than 1, 3 or 4, or invalid `options`.
[[nodiscard]] inline spectral_evidence glass_spectral_rule(image_view<const float> mean_image,
                                                           const spectral_rule_settings& options = {}) {
    options.validate();
    if (mean_image.empty())
        throw std::invalid_argument("ias::feature::glass_spectral_rule: mean_image is empty (" +
                                    std::to_string(mean_image.width()) + "x" + std::to_string(mean_image.height()) +
                                    "); it must have at least one pixel");
    const int channels = mean_image.channels();
    if (channels != 1 && channels != 3 && channels != 4)
        throw std::invalid_argument("ias::feature::glass_spectral_rule: mean_image must have 1, 3 or 4 channels, got " +
                                    std::to_string(channels));

    const int n = options.size;
    const auto un = std::size_t(n);
    // 1–2. Grey (0..255), then resized to n × n.
    image<float> grey(mean_image.width(), mean_image.height(), 1);
    for (int y = 0; y < mean_image.height(); ++y)
        for (int x = 0; x < mean_image.width(); ++x) grey(x, y) = detail::spectral::grey_255(mean_image, x, y);
    image<float> resized(n, n, 1);
    fn::resize_scratch scratch;
    fn::resize_bilinear<float>(grey.view(), resized.view(), scratch);

    // 3. Box blur.
    std::vector<float> plane(resized.data(), resized.data() + resized.size());
    std::vector<float> blurred;
    detail::spectral::box_blur(plane, blurred, n, options.blur);

    // 4. Row FFTs of the real rows, then column FFTs.
    Eigen::FFT<float> fft;
    std::vector<std::complex<float>> spectrum(un * un);
    for (std::size_t y = 0; y < un; ++y) fft.fwd(spectrum.data() + y * un, blurred.data() + y * un, Eigen::Index(n));
    std::vector<std::complex<float>> column(un), transformed(un);
    for (std::size_t x = 0; x < un; ++x) {
        for (std::size_t y = 0; y < un; ++y) column[y] = spectrum[y * un + x];
        fft.fwd(transformed.data(), column.data(), Eigen::Index(n));
        for (std::size_t y = 0; y < un; ++y) spectrum[y * un + x] = transformed[y];
    }

    // 5–6. Bright points, measured from the centre of the shifted spectrum. Frequency bin k
    // lands at (k + c) mod n after the shift, so its offset from the centre is that minus c.
    const int c = n / 2;
    int points = 0;
    int side_x = 0, side_y = 0;
    long long radius_squared = 0;
    for (int ky = 0; ky < n; ++ky) {
        const int dy = (ky + c) % n - c;
        for (int kx = 0; kx < n; ++kx) {
            const float magnitude = std::abs(spectrum[std::size_t(ky) * un + std::size_t(kx)]);
            if (!(magnitude > 0.0f) || !(20.0f * std::log(magnitude) > options.threshold)) continue;
            const int dx = (kx + c) % n - c;
            ++points;
            side_x = std::max(side_x, std::abs(dx));
            side_y = std::max(side_y, std::abs(dy));
            radius_squared = std::max(radius_squared, (long long)dx * dx + (long long)dy * dy);
        }
    }
    spectral_evidence e{};
    e.points = points;
    e.max_dx = float(side_x);
    e.max_dy = float(side_y);
    e.radius = float(std::sqrt(double(radius_squared)));
    e.l1_density = float(double(points) / (4.0 * double(std::max(side_x, 1)) * double(std::max(side_y, 1))));
    if (points > 0) {
        // Integer grid points (x, y) in [0, 2n)² with (x − c)² + (y − c)² <= R²; R² is an
        // integer, so the count is exact. Never zero: the centre itself counts.
        long long disc = 0;
        const int reach = int(std::sqrt(double(radius_squared))) + 1;
        for (int dy = std::max(-c, -reach); dy <= std::min(2 * n - 1 - c, reach); ++dy) {
            const long long rest = radius_squared - (long long)dy * dy;
            if (rest < 0) continue;
            long long half = (long long)std::sqrt(double(rest));
            while (half * half > rest) --half;
            while ((half + 1) * (half + 1) <= rest) ++half;
            disc += std::min<long long>(half, 2LL * n - 1 - c) - std::max<long long>(-half, -c) + 1;
        }
        e.l2_density = float(double(points) / double(disc));
    }
    // 7. The decision.
    const bool dense = e.l1_density > options.density || e.l2_density > options.density;
    e.choice = dense && e.radius > options.min_radius && points > options.min_points ? glass_distribution::hypersphere
                                                                                     : glass_distribution::manifold;
    return e;
}

/// Writes into `out` the per-element mean of `images`, all of the same width, height and
/// channel count (1, 3 or 4, as `image` holds; any strides): GLASS's mean training image,
/// which its spectral rule analyses. Sums in double and rounds once to float. `out` may
/// share memory with an input: every input is read before `out` is written. Throws std::invalid_argument for an empty list, an empty image,
/// images of different sizes or channel counts, or a channel count `image` cannot hold.
inline void mean_image(std::span<const image_view<const float>> images, image<float>& out) {
    if (images.empty()) throw std::invalid_argument("ias::feature::mean_image: images is empty; give at least one image");
    const int w = images[0].width(), h = images[0].height(), c = images[0].channels();
    if (images[0].empty())
        throw std::invalid_argument("ias::feature::mean_image: images[0] is empty (" + std::to_string(w) + "x" + std::to_string(h) + ")");
    if (c != 1 && c != 3 && c != 4)
        throw std::invalid_argument("ias::feature::mean_image: images must have 1, 3 or 4 channels, got " + std::to_string(c));
    for (std::size_t i = 1; i < images.size(); ++i) {
        const auto& v = images[i];
        if (v.width() != w || v.height() != h || v.channels() != c)
            throw std::invalid_argument("ias::feature::mean_image: images[" + std::to_string(i) + "] is " + std::to_string(v.width()) +
                                        "x" + std::to_string(v.height()) + "x" + std::to_string(v.channels()) + ", images[0] is " +
                                        std::to_string(w) + "x" + std::to_string(h) + "x" + std::to_string(c));
    }
    std::vector<double> sum(std::size_t(w) * std::size_t(h) * std::size_t(c), 0.0);
    for (const auto& v : images)
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int k = 0; k < c; ++k)
                    sum[(std::size_t(y) * std::size_t(w) + std::size_t(x)) * std::size_t(c) + std::size_t(k)] += double(v(x, y, k));
    out.resize(w, h, c);
    const double count = double(images.size());
    float* dst = out.data();
    for (std::size_t i = 0; i < sum.size(); ++i) dst[i] = float(sum[i] / count);
}

}  // namespace ias::feature
