// SPDX-License-Identifier: MIT
// pixel_gaussian: an unsupervised detector scoring each pixel by the Mahalanobis distance of five local luminance features.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "../core/error.hpp"
#include "../core/image_view.hpp"
#include "../core/luma.hpp"
#include "../detail/grow.hpp"

namespace ias::baseline {

/// Settings of `pixel_gaussian`. Checked by `validate()`, which the constructor calls.
struct pixel_gaussian_settings {
    /// Side, in pixels, of the square box over which the local mean and standard deviation
    /// of the luminance are taken. Odd, in [3, 15].
    int window = 5;
    /// true: one Gaussian per pixel position, for aligned parts whose appearance depends on
    /// where in the image a pixel is (screws, bottles, PCBs shot from a fixed pose).
    /// false: one Gaussian shared by every position, for textures (carpet, tiles, fabric),
    /// whose statistics do not depend on the position.
    bool per_position = true;
    /// Ridge added to each covariance Σ before it is inverted, relative to Σ's mean variance:
    /// Σ + (regularisation · trace(Σ) / 5 + 1e-6) · I. In [0, 1].
    float regularisation = 0.01f;

    /// Throws std::invalid_argument naming the field, its value and the allowed range when a
    /// setting is out of range (a NaN regularisation included).
    void validate() const {
        if (window < 3 || window > 15 || window % 2 == 0)
            throw std::invalid_argument("ias::baseline::pixel_gaussian_settings: window is " + std::to_string(window) +
                                        "; it must be odd and in [3, 15]");
        if (!(regularisation >= 0.0f && regularisation <= 1.0f))
            throw std::invalid_argument("ias::baseline::pixel_gaussian_settings: regularisation is " +
                                        std::to_string(regularisation) + "; it must be in [0, 1]");
    }
};

namespace detail {

/// Per-thread buffers of `pixel_gaussian`, sized by `assign_grown`, so that a thread that
/// keeps adding or scoring images of one size stops allocating after its first call.
struct pixel_gaussian_scratch {
    std::vector<float> luminance;    ///< W × H, row-major
    std::vector<double> column;      ///< W: Σ over the window's rows of (L − ½)
    std::vector<double> column_sq;   ///< W: Σ over the window's rows of (L − ½)²
    std::vector<float> rows;         ///< 8 rows of W: the 5 features, 2 Sobel partial sums, the distances
    std::vector<double> centred;     ///< 5 rows of W: the features minus `pixel_gaussian_shift`, in double
};

inline pixel_gaussian_scratch& pixel_gaussian_buffers() {
    thread_local pixel_gaussian_scratch scratch;  // per-thread: `score` is const and thread-safe
    return scratch;
}

/// Constants subtracted from the features before their sums and products are accumulated:
/// the covariance does not change, but the sums of squares of L and of the box mean, which
/// lie in [0, 1], stop carrying a large ½² term that the subtraction n·μ·μᵀ would cancel.
inline constexpr std::array<double, 5> pixel_gaussian_shift{0.5, 0.5, 0.0, 0.0, 0.0};

template <class T>
float pixel_gaussian_value(T v) noexcept {
    if constexpr (std::is_same_v<T, float>)
        return v;
    else
        return float(v) * (1.0f / 255.0f);
}

inline std::string pixel_gaussian_extent(int width, int height) {
    return std::to_string(width) + "x" + std::to_string(height);
}

/// Throws ias::error naming the first element of row `y` of `src` that is NaN or infinite.
[[noreturn]] inline void pixel_gaussian_non_finite(const char* op, image_view<const float> src, int y) {
    for (int x = 0; x < src.width(); ++x)
        for (int c = 0; c < src.channels(); ++c)
            if (!std::isfinite(src(x, y, c)))
                throw error(std::string(op) + ": image element (x=" + std::to_string(x) + ", y=" + std::to_string(y) +
                            ", c=" + std::to_string(c) + ") is " + (std::isnan(src(x, y, c)) ? "NaN" : "infinite") +
                            "; pixel values must be finite, in [0, 1]");
    throw error(std::string(op) + ": row " + std::to_string(y) + " has a pixel whose luminance is not finite");
}

/// Writes the luminance of `src` (1 or 3 channels, any strides) into the row-major W × H
/// buffer `out`; throws ias::error for a NaN or infinite float element. Float rows are checked
/// with a branch-free AND of (v − v == 0), which is false only for NaN and ±Inf, so that the
/// loops stay vectorisable; the slow search for the element runs only when a row fails.
template <class T>
void pixel_gaussian_luminance(const char* op, image_view<const T> src, float* out) {
    const int w = src.width();
    const std::ptrdiff_t step = src.pixel_stride();
    for (int y = 0; y < src.height(); ++y) {
        const T* in = src.row(y);
        float* l = out + std::size_t(y) * std::size_t(w);
        int finite = 1;
        if (src.channels() == 1) {
            for (int x = 0; x < w; ++x) {
                const float v = pixel_gaussian_value(in[x * step]);
                l[x] = v;
                if constexpr (std::is_same_v<T, float>) finite &= int(v - v == 0.0f);
            }
        } else {
            for (int x = 0; x < w; ++x) {
                const float r = pixel_gaussian_value(in[x * step]);
                const float g = pixel_gaussian_value(in[x * step + 1]);
                const float b = pixel_gaussian_value(in[x * step + 2]);
                l[x] = luma(r, g, b);
                if constexpr (std::is_same_v<T, float>)
                    finite &= int(r - r == 0.0f) & int(g - g == 0.0f) & int(b - b == 0.0f);
            }
        }
        if constexpr (std::is_same_v<T, float>)
            if (!finite) pixel_gaussian_non_finite(op, src, y);
    }
}

/// Computes the five features of every pixel of the row-major W × H luminance `l`, one row at
/// a time, and calls `use(y, f)` with `f[k]` pointing at W floats of feature k of row y.
/// See `pixel_gaussian` for the features. The box sums slide: per column, the sum over the
/// window's rows gains one row and loses one as y advances; along a row, the sum over the
/// window's columns gains one column sum and loses one as x advances. So the cost is O(W·H)
/// for any window. The sums are in double, with L − ½ in place of L, so that the variance
/// E[(L−½)²] − E[L−½]² does not lose its digits to cancellation. The border is replicated:
/// every index is clamped to the image, for the box as for the Sobel kernels.
template <class Use>
void pixel_gaussian_features(const float* l, int w, int h, int window, pixel_gaussian_scratch& s, Use&& use) {
    const int r = window / 2;
    const double inverse_area = 1.0 / double(window * window);
    const std::size_t width = std::size_t(w);
    auto row = [&](int y) { return l + std::size_t(std::clamp(y, 0, h - 1)) * width; };

    ias::detail::assign_grown(s.column, width, 0.0);
    ias::detail::assign_grown(s.column_sq, width, 0.0);
    ias::detail::assign_grown(s.rows, 8 * width, 0.0f);
    double* const column = s.column.data();
    double* const column_sq = s.column_sq.data();
    float* const f0 = s.rows.data();
    float* const f1 = f0 + width;
    float* const f2 = f1 + width;
    float* const f3 = f2 + width;
    float* const f4 = f3 + width;
    float* const smooth = f4 + width;  // up + 2·mid + down, per column
    float* const diff = smooth + width;   // down − up, per column
    const float* const features[5] = {f0, f1, f2, f3, f4};

    for (int k = -r; k <= r; ++k) {
        const float* in = row(k);
        for (std::size_t x = 0; x < width; ++x) {
            const double a = double(in[x]) - 0.5;
            column[x] += a;
            column_sq[x] += a * a;
        }
    }
    for (int y = 0; y < h; ++y) {
        // Box mean and standard deviation: a running sum of the column sums along the row.
        double sum = 0.0, sum_sq = 0.0;
        for (int k = -r; k <= r; ++k) {
            const int x = std::clamp(k, 0, w - 1);
            sum += column[x];
            sum_sq += column_sq[x];
        }
        for (int x = 0; x < w; ++x) {
            const double mean = sum * inverse_area;  // of L − ½
            const double variance = sum_sq * inverse_area - mean * mean;
            f1[x] = float(mean + 0.5);
            f2[x] = float(std::sqrt(std::max(variance, 0.0)));
            const int in = std::min(x + r + 1, w - 1), out = std::max(x - r, 0);
            sum += column[in] - column[out];
            sum_sq += column_sq[in] - column_sq[out];
        }
        // L and the Sobel derivatives, separated: [1 2 1] across times [−1 0 1] along.
        const float* up = row(y - 1);
        const float* mid = row(y);
        const float* down = row(y + 1);
        for (std::size_t x = 0; x < width; ++x) {
            f0[x] = mid[x];
            smooth[x] = up[x] + 2.0f * mid[x] + down[x];
            diff[x] = down[x] - up[x];
        }
        const int last = w - 1;
        f3[0] = (smooth[std::min(1, last)] - smooth[0]) * 0.125f;
        f4[0] = (diff[0] + 2.0f * diff[0] + diff[std::min(1, last)]) * 0.125f;
        for (int x = 1; x < last; ++x) {
            f3[x] = (smooth[x + 1] - smooth[x - 1]) * 0.125f;
            f4[x] = (diff[x - 1] + 2.0f * diff[x] + diff[x + 1]) * 0.125f;
        }
        if (last > 0) {
            f3[last] = (smooth[last] - smooth[last - 1]) * 0.125f;
            f4[last] = (diff[last - 1] + 2.0f * diff[last] + diff[last]) * 0.125f;
        }
        use(y, features);
        // Slide the column sums one row down: row y + r + 1 enters, row y − r leaves.
        if (y + 1 < h) {
            const float* in = row(y + r + 1);
            const float* out = row(y - r);
            for (std::size_t x = 0; x < width; ++x) {
                const double a = double(in[x]) - 0.5, b = double(out[x]) - 0.5;
                column[x] += a - b;
                column_sq[x] += a * a - b * b;
            }
        }
    }
}

}  // namespace detail

/// An unsupervised anomaly detector: a Gaussian of five local luminance features per pixel
/// position (or one for all positions), fitted to normal images only and scoring a pixel by
/// the Mahalanobis distance of its features, d(x) = √((f − μ)ᵀ Σ⁻¹ (f − μ)).
///
/// It is the baseline a detector trained on ias's synthetic anomalies (METHODS.md §5.1) has to
/// beat: the same Gaussian model as `feature::gaussian_fit` (per position, as in PaDiM; see
/// feature/mahalanobis_shell.hpp), on five hand-made features of the luminance L instead of
/// network features. Stronger unsupervised detectors exist; this one needs no network, no
/// labels and no anomalies, and shows how much a detector gains from seeing synthetic ones.
///
/// **Features.** L is the luminance in [0, 1]: the single channel, or 0.299 R + 0.587 G +
/// 0.114 B (ITU-R BT.601 luma weights) of an RGB image. For each pixel, with the image's
/// border replicated (indices clamped) and w = `window`:
/// 1. L itself: intensity, so that bright or dark spots show;
/// 2. the mean of L over the w × w box around the pixel: the local brightness, so that a stain
///    or a worn, bleached area larger than one pixel shows even where its pixels vary;
/// 3. the standard deviation of L over that box (population form, divisor w²): local texture
///    energy, so that a pit, a crack or a scratch in a smooth area, or a smoothed-over patch in
///    a texture, shows;
/// 4. the horizontal Sobel derivative of L divided by 8 (kernel [−1 0 1; −2 0 2; −1 0 1]): a
///    ramp rising by s per pixel to the right gives s;
/// 5. the vertical Sobel derivative of L divided by 8 (positive where L rises downwards):
///    edges, so that the rims of pits, cracks and scratches show, and their orientation.
///
/// Together they see the intensity, brightness, texture and edge changes that pits, cracks
/// and bright or dark wear cause, the defects that reconstruction-and-segmentation detectors
/// of the DRAEM family (METHODS.md §2.2) find; they miss what only colour or large-scale shape
/// reveals. Their cost is O(W·H) per image whatever the window (running box sums).
///
/// **Limits.** One Gaussian is one ellipse. A shared Gaussian (per_position false) suits
/// textures whose features are roughly unimodal. On a high-contrast periodic texture, L and
/// its derivatives trace a ring, and the ellipse around the ring also covers values somewhat
/// beyond its dark end: the rim pixels of a pit only a little darker than the texture's dark
/// phase then score like normal ones (stripes 0.5 ± 0.3 with a pit at 0.05: about 60% of the
/// pit pixels above the normal pixels' 99th percentile, pixel AUROC still about 0.99).
/// per_position suits aligned images, not misaligned ones.
///
/// **Fit.** `add` accumulates, per position (per_position) or over all pixels, the count, Σf
/// and Σffᵀ in double (160 bytes per pixel position while fitting with per_position, 160
/// bytes per column otherwise). `finish` turns them into the mean μ and the unbiased
/// covariance Σ (divisor n − 1), adds the ridge (regularisation · trace(Σ)/5 + 1e-6) · I, and
/// factors Σ = C·Cᵀ (Cholesky, in double). The 1e-6 keeps Σ positive definite where every
/// normal image has the same features (a saturated or uniform region): a deviation of 0.001
/// there scores 1. It stores μ and W = C⁻¹ in float (80 bytes per position), so that
/// Σ⁻¹ = Wᵀ·W and d(x) = ‖W(f − μ)‖: a sum of squares, which keeps float precision where
/// features are strongly correlated (L and its box mean are), unlike the quadratic form with
/// Σ⁻¹ itself.
///
/// **Scores.** `score` writes d(x) for every pixel: 0 at the mean, about √5 ≈ 2.2 for a typical
/// normal pixel, large for anomalous ones. Higher means more anomalous, as `auroc`, `aupro`
/// and `evaluate` expect.
///
/// **Pixel types.** `float` (values in [0, 1] by convention; any finite value is accepted)
/// and `uint8_t` (divided by 255, exactly as `convert_pixels`, so 8-bit input gives the
/// results of its float conversion). 1 or 3 channels, any strides.
///
/// **Determinism and threads.** Results depend only on the images, not on the number of
/// threads. Adding the same images in another order changes only the rounding of the double
/// sums. `add` and `finish` modify the detector; `score` is const and may be called from many
/// threads at once. It uses per-thread buffers, so it does not allocate once a thread has
/// scored an image of that size.
///
/// **Errors.** Bad options throw std::invalid_argument (constructor). Bad data throw
/// ias::error: an image that is empty, has 2 or 4 channels, differs in size from the first,
/// or has a NaN or infinite element (named by x, y, c); too few images for `finish`; an `out`
/// of the wrong shape. Calls in the wrong order (`add` after `finish`, `finish` twice,
/// `score` or the accessors before `finish`) throw std::logic_error.
class pixel_gaussian {
public:
    /// The number of features per pixel.
    static constexpr int features = 5;

    /// An empty detector; throws std::invalid_argument for bad `options` (see `validate`).
    explicit pixel_gaussian(pixel_gaussian_settings options = {}) : options_(options) { options_.validate(); }

    /// Adds one normal image (1 or 3 channels, values in [0, 1], any strides) to the fit. The
    /// first image fixes the width and height. Throws ias::error for an empty image, 2 or 4
    /// channels, a size other than the first image's (naming both) or a NaN or infinite
    /// element; std::logic_error after `finish`.
    void add(image_view<const float> normal) { add_image(normal); }
    /// Adds one 8-bit normal image (values / 255); as the float overload otherwise.
    void add(image_view<const std::uint8_t> normal) { add_image(normal); }

    /// Computes every mean and inverse covariance from the images added. Needs at least 2
    /// images with per_position, at least 2 pixels in all otherwise; throws ias::error when
    /// there are fewer, std::logic_error when called twice. Frees the fitting sums.
    void finish() {
        constexpr const char* op = "ias::baseline::pixel_gaussian::finish";
        if (finished_) throw std::logic_error(std::string(op) + ": finish was called already");
        const std::size_t pixels = std::size_t(width_) * std::size_t(height_);
        if (options_.per_position ? images_ < 2 : images_ * pixels < 2)
            throw error(std::string(op) + ": " + std::to_string(images_) + " images (" +
                        std::to_string(images_ * pixels) + " pixels) were added; " +
                        (options_.per_position ? "per_position needs at least 2 images"
                                               : "the shared Gaussian needs at least 2 pixels"));
        const std::size_t positions = this->positions();
        const std::size_t lanes = accumulator_lanes();
        const double n = options_.per_position ? double(images_) : double(images_) * double(pixels);
        mean_.assign(features * positions, 0.0f);
        factor_.assign(factor_size * positions, 0.0f);
        using matrix = Eigen::Matrix<double, features, features>;
        using vector = Eigen::Matrix<double, features, 1>;
        for (std::size_t p = 0; p < positions; ++p) {
            std::array<double, sums> total{};
            for (std::size_t k = 0; k < sums; ++k) {
                const double* plane = sums_.data() + k * lanes;
                if (options_.per_position) {
                    total[k] = plane[p];
                } else {
                    for (std::size_t lane = 0; lane < lanes; ++lane) total[k] += plane[lane];
                }
            }
            vector sum;
            for (int i = 0; i < features; ++i) sum(i) = total[std::size_t(i)];
            matrix covariance;
            std::size_t m = features;
            for (int i = 0; i < features; ++i)
                for (int j = i; j < features; ++j, ++m) {
                    // (Σ f_i f_j − Σ f_i Σ f_j / n) / (n − 1), on the shifted features
                    covariance(i, j) = covariance(j, i) = (total[m] - sum(i) * sum(j) / n) / (n - 1.0);
                }
            const double ridge = double(options_.regularisation) * covariance.trace() / features + 1e-6;
            covariance.diagonal().array() += ridge;
            const Eigen::LLT<matrix> cholesky(covariance);
            if (cholesky.info() != Eigen::Success)
                throw error(std::string(op) + ": the covariance at position (x=" + std::to_string(p % std::size_t(width_)) +
                            ", y=" + std::to_string(p / std::size_t(width_)) +
                            ") is not positive definite even with its ridge; the features are not finite numbers");
            const matrix whitening = cholesky.matrixL().solve(matrix::Identity());
            for (int i = 0; i < features; ++i)
                mean_[std::size_t(i) * positions + p] =
                    float(sum(i) / n + detail::pixel_gaussian_shift[std::size_t(i)]);
            m = 0;
            for (int i = 0; i < features; ++i)
                for (int j = 0; j <= i; ++j, ++m) factor_[m * positions + p] = float(whitening(i, j));
        }
        sums_ = {};
        finished_ = true;
    }

    /// Writes to `out` (one channel, the fitted width × height, any strides) the Mahalanobis
    /// distance of each pixel's features from the Gaussian of its position: one float per
    /// pixel, ≥ 0. `image` has 1 or 3 channels, values in [0, 1], any strides; `out` may be
    /// the same memory as a one-channel float `image`. Throws ias::error for an image of
    /// another size (naming both), of 2 or 4 channels, with a NaN or infinite element, and for
    /// an `out` of the wrong shape; std::logic_error before `finish`.
    void score(image_view<const float> image, image_view<float> out) const { score_image(image, out); }
    /// Scores an 8-bit image (values / 255); as the float overload otherwise.
    void score(image_view<const std::uint8_t> image, image_view<float> out) const { score_image(image, out); }

    /// The fitted mean μ of position (x, y): the five features in the order documented above.
    /// Without per_position every position gives the shared mean. Throws std::logic_error
    /// before `finish`, std::out_of_range for a position outside the image.
    [[nodiscard]] std::array<float, features> mean(int x, int y) const {
        const std::size_t p = position("mean", x, y);
        std::array<float, features> out{};
        for (std::size_t i = 0; i < features; ++i) out[i] = mean_[i * positions() + p];
        return out;
    }
    /// The inverse covariance Σ⁻¹ = Wᵀ·W of position (x, y), row-major 5 × 5, computed from the
    /// stored float factor W. Throws as `mean`.
    [[nodiscard]] std::array<float, features * features> inverse_covariance(int x, int y) const {
        const std::size_t p = position("inverse_covariance", x, y);
        double w[features][features] = {};
        std::size_t m = 0;
        for (int i = 0; i < features; ++i)
            for (int j = 0; j <= i; ++j, ++m) w[i][j] = factor_[m * positions() + p];
        std::array<float, features * features> out{};
        for (int i = 0; i < features; ++i)
            for (int j = 0; j < features; ++j) {
                double v = 0.0;
                for (int k = 0; k < features; ++k) v += w[k][i] * w[k][j];
                out[std::size_t(i * features + j)] = float(v);
            }
        return out;
    }

    /// Width and height fixed by the first image (0 before it).
    [[nodiscard]] int width() const noexcept { return width_; }
    [[nodiscard]] int height() const noexcept { return height_; }
    /// The number of images added.
    [[nodiscard]] std::size_t images() const noexcept { return images_; }
    /// True once `finish` has run.
    [[nodiscard]] bool finished() const noexcept { return finished_; }
    [[nodiscard]] const pixel_gaussian_settings& options() const noexcept { return options_; }

private:
    static constexpr std::size_t sums = 20;         ///< Σf (5) and the upper triangle of Σffᵀ (15)
    static constexpr std::size_t factor_size = 15;  ///< the lower triangle of W, row by row

    [[nodiscard]] std::size_t pixels() const noexcept { return std::size_t(width_) * std::size_t(height_); }
    [[nodiscard]] std::size_t positions() const noexcept { return options_.per_position ? pixels() : 1; }
    /// Accumulators per sum: one per position, or one per column when shared (the columns
    /// are summed by `finish`: shorter chains of additions, and a loop that vectorises).
    [[nodiscard]] std::size_t accumulator_lanes() const noexcept {
        return options_.per_position ? pixels() : std::size_t(width_);
    }

    std::size_t position(const char* fn, int x, int y) const {
        if (!finished_)
            throw std::logic_error(std::string("ias::baseline::pixel_gaussian::") + fn + ": call finish first");
        if (x < 0 || y < 0 || x >= width_ || y >= height_)
            throw std::out_of_range(std::string("ias::baseline::pixel_gaussian::") + fn + ": position (x=" +
                                    std::to_string(x) + ", y=" + std::to_string(y) + ") is outside the " +
                                    detail::pixel_gaussian_extent(width_, height_) + " image");
        return options_.per_position ? std::size_t(y) * std::size_t(width_) + std::size_t(x) : 0;
    }

    template <class T>
    static void check_channels(const char* op, image_view<const T> image, const char* name) {
        if (image.channels() != 1 && image.channels() != 3)
            throw error(std::string(op) + ": " + name + " has " + std::to_string(image.channels()) +
                        " channels; it must have 1 (grey) or 3 (RGB)");
    }

    template <class T>
    void add_image(image_view<const T> normal) {
        constexpr const char* op = "ias::baseline::pixel_gaussian::add";
        if (finished_) throw std::logic_error(std::string(op) + ": the detector is finished; add images before finish");
        check_channels(op, normal, "the image");
        if (normal.empty())
            throw error(std::string(op) + ": the image is empty (" +
                        detail::pixel_gaussian_extent(normal.width(), normal.height()) + ")");
        if (images_ != 0 && (normal.width() != width_ || normal.height() != height_))
            throw error(std::string(op) + ": the image is " +
                        detail::pixel_gaussian_extent(normal.width(), normal.height()) + " but the first image was " +
                        detail::pixel_gaussian_extent(width_, height_) + "; every image must have the first one's size");
        const int w = normal.width(), h = normal.height();
        auto& s = detail::pixel_gaussian_buffers();
        ias::detail::assign_grown(s.luminance, std::size_t(w) * std::size_t(h), 0.0f);
        detail::pixel_gaussian_luminance(op, normal, s.luminance.data());  // throws before anything changes
        if (images_ == 0) {
            width_ = w;
            height_ = h;
            sums_.assign(sums * accumulator_lanes(), 0.0);
        }
        const std::size_t lanes = accumulator_lanes();
        const std::size_t width = std::size_t(w);
        ias::detail::assign_grown(s.centred, features * width, 0.0);
        double* const centred = s.centred.data();
        detail::pixel_gaussian_features(
            s.luminance.data(), w, h, options_.window, s, [&](int y, const float* const* f) {
                const std::size_t base = options_.per_position ? std::size_t(y) * width : 0;
                for (std::size_t i = 0; i < features; ++i) {
                    const float* fi = f[i];
                    double* ci = centred + i * width;
                    const double shift = detail::pixel_gaussian_shift[i];
                    double* acc = sums_.data() + i * lanes + base;
                    for (std::size_t x = 0; x < width; ++x) {
                        ci[x] = double(fi[x]) - shift;
                        acc[x] += ci[x];
                    }
                }
                std::size_t m = features;
                for (std::size_t i = 0; i < features; ++i)
                    for (std::size_t j = i; j < features; ++j, ++m) {
                        const double* ci = centred + i * width;
                        const double* cj = centred + j * width;
                        double* acc = sums_.data() + m * lanes + base;
                        for (std::size_t x = 0; x < width; ++x) acc[x] += ci[x] * cj[x];
                    }
            });
        ++images_;
    }

    /// d² = ‖W(f − μ)‖² for one row: W lower triangular, its 15 entries and μ's 5 read with a
    /// step of 1 (one Gaussian per position) or 0 (shared); a loop the compiler vectorises.
    template <bool PerPosition>
    static void squared_distances(const float* const* f, const float* mean, const float* factor,
                                  std::size_t plane, std::size_t width, float* d2) {
        const float* m0 = mean;
        const float* m1 = m0 + plane;
        const float* m2 = m1 + plane;
        const float* m3 = m2 + plane;
        const float* m4 = m3 + plane;
        const float* w[factor_size];
        for (std::size_t k = 0; k < factor_size; ++k) w[k] = factor + k * plane;
        for (std::size_t x = 0; x < width; ++x) {
            const std::size_t i = PerPosition ? x : 0;
            const float d0 = f[0][x] - m0[i], d1 = f[1][x] - m1[i], d2v = f[2][x] - m2[i];
            const float d3 = f[3][x] - m3[i], d4 = f[4][x] - m4[i];
            const float z0 = w[0][i] * d0;
            const float z1 = w[1][i] * d0 + w[2][i] * d1;
            const float z2 = w[3][i] * d0 + w[4][i] * d1 + w[5][i] * d2v;
            const float z3 = w[6][i] * d0 + w[7][i] * d1 + w[8][i] * d2v + w[9][i] * d3;
            const float z4 = w[10][i] * d0 + w[11][i] * d1 + w[12][i] * d2v + w[13][i] * d3 + w[14][i] * d4;
            d2[x] = z0 * z0 + z1 * z1 + z2 * z2 + z3 * z3 + z4 * z4;
        }
    }

    template <class T>
    void score_image(image_view<const T> image, image_view<float> out) const {
        constexpr const char* op = "ias::baseline::pixel_gaussian::score";
        if (!finished_) throw std::logic_error(std::string(op) + ": call finish before score");
        check_channels(op, image, "the image");
        if (image.width() != width_ || image.height() != height_)
            throw error(std::string(op) + ": the image is " +
                        detail::pixel_gaussian_extent(image.width(), image.height()) + " but the detector was fitted on " +
                        detail::pixel_gaussian_extent(width_, height_) + " images; they must have the same size");
        if (out.width() != width_ || out.height() != height_ || out.channels() != 1)
            throw error(std::string(op) + ": out is " + detail::pixel_gaussian_extent(out.width(), out.height()) +
                        " with channels=" + std::to_string(out.channels()) + "; it must be " +
                        detail::pixel_gaussian_extent(width_, height_) + " with channels=1");
        const std::size_t width = std::size_t(width_);
        auto& s = detail::pixel_gaussian_buffers();
        ias::detail::assign_grown(s.luminance, pixels(), 0.0f);
        // The whole luminance is read before `out` is written, so `out` may alias `image`.
        detail::pixel_gaussian_luminance(op, image, s.luminance.data());
        const std::size_t plane = positions();
        detail::pixel_gaussian_features(
            s.luminance.data(), width_, height_, options_.window, s, [&](int y, const float* const* f) {
                float* d = s.rows.data() + 7 * width;
                if (options_.per_position) {
                    const std::size_t base = std::size_t(y) * width;
                    squared_distances<true>(f, mean_.data() + base, factor_.data() + base, plane, width, d);
                } else {
                    squared_distances<false>(f, mean_.data(), factor_.data(), plane, width, d);
                }
                float* to = out.row(y);
                const std::ptrdiff_t step = out.pixel_stride();
                for (std::size_t x = 0; x < width; ++x) to[std::ptrdiff_t(x) * step] = std::sqrt(d[x]);
            });
    }

    pixel_gaussian_settings options_;
    int width_ = 0;
    int height_ = 0;
    std::size_t images_ = 0;
    bool finished_ = false;
    std::vector<double> sums_;   ///< `sums` planes of `accumulator_lanes()` doubles, while fitting
    std::vector<float> mean_;    ///< 5 planes of `positions()` floats, after finish
    std::vector<float> factor_;  ///< 15 planes of `positions()` floats: W's lower triangle, row by row
};

}  // namespace ias::baseline
