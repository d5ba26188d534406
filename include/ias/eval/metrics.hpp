// SPDX-License-Identifier: MIT
// Anomaly-detection metrics: AUROC, average precision, AUPRO, and the image/pixel report of METHODS.md §5.1.
#pragma once

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../core/image_view.hpp"
#include "../fn/labelling.hpp"

namespace ias::eval {

// Conventions for every function in this header:
// - scores are float32 and higher means "more anomalous"; they may be ±Inf but never NaN;
// - a label or mask value that is nonzero means anomalous (positive), zero means normal;
// - every threshold sweep is exact: each distinct score is a threshold, and all samples
//   (pixels) whose scores are equal pass a threshold together, so the result does not depend
//   on the order of the inputs (no binning, no sampled thresholds);
// - results are doubles; counts are accumulated in integers, so they are exact.
//
// The pure metric functions (`auroc`, `average_precision`, `aupro`) throw
// std::invalid_argument for arguments they cannot score (sizes that differ, a NaN, no
// positives); `evaluate`, which scores a data set, throws ias::error for data that cannot be
// evaluated (no anomalous or no normal images, maps and masks of different shapes).

namespace detail {

/// A key whose unsigned order is the descending order of the float `v` (not NaN): the IEEE
/// bits made monotonic (sign bit flipped for v >= 0, all bits flipped for v < 0), then
/// complemented. -0 is mapped to +0, so that equal scores have equal keys.
constexpr std::uint32_t descending_key(float v) noexcept {
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(v == 0.0f ? 0.0f : v);
    const std::uint32_t ascending = (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
    return ~ascending;
}
/// The float whose `descending_key` is `key`.
constexpr float from_descending_key(std::uint32_t key) noexcept {
    const std::uint32_t ascending = ~key;
    return std::bit_cast<float>((ascending & 0x80000000u) ? ascending & 0x7FFFFFFFu : ~ascending);
}

/// Sorts `values` in ascending order of their bits [first_bit, first_bit + 32): a stable
/// least-significant-digit radix sort, 8 bits per pass, skipping a pass whose digit is the
/// same in every value. O(n), with one scratch buffer of n values. Sorting scores this way is
/// several times faster than std::sort on the ~10^8 pixels of a full-resolution test set.
template <class U>
void radix_sort(std::vector<U>& values, int first_bit) {
    std::vector<U> scratch(values.size());
    for (int shift = first_bit; shift < first_bit + 32; shift += 8) {
        std::size_t count[257] = {};
        for (const U v : values) ++count[((v >> shift) & 0xFFu) + 1];
        if (std::find(count + 1, count + 257, values.size()) != count + 257) continue;  // one digit only
        for (int d = 0; d < 256; ++d) count[d + 1] += count[d];
        for (const U v : values) scratch[count[(v >> shift) & 0xFFu]++] = v;
        values.swap(scratch);
    }
}

/// Sorts float scores (not NaN) in descending order, in place; -0 becomes +0.
inline void sort_descending(std::vector<float>& scores) {
    std::vector<std::uint32_t> keys(scores.size());
    std::transform(scores.begin(), scores.end(), keys.begin(), descending_key);
    radix_sort(keys, 0);
    std::transform(keys.begin(), keys.end(), scores.begin(), from_descending_key);
}

/// Scores split by label and sorted in descending order: what every threshold sweep walks.
struct sorted_scores {
    std::vector<float> positive;  ///< scores whose label is nonzero, descending
    std::vector<float> negative;  ///< scores whose label is zero, descending
};

inline std::string eval_count(std::size_t n) { return std::to_string(n); }

/// Splits `scores` by `labels` and sorts both halves in descending order; throws
/// std::invalid_argument naming `fn` for sizes that differ and for a NaN score (by index).
inline sorted_scores split_and_sort(const char* fn, std::span<const float> scores,
                                    std::span<const std::uint8_t> labels) {
    if (scores.size() != labels.size())
        throw std::invalid_argument(std::string("ias::eval::") + fn + ": scores has " + eval_count(scores.size()) +
                                    " elements but labels has " + eval_count(labels.size()) +
                                    "; they must have the same size");
    sorted_scores out;
    std::size_t positives = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (std::isnan(scores[i]))
            throw std::invalid_argument(std::string("ias::eval::") + fn + ": scores[" + eval_count(i) +
                                        "] is NaN; scores must be numbers (infinities are allowed)");
        positives += labels[i] != 0;
    }
    out.positive.reserve(positives);
    out.negative.reserve(scores.size() - positives);
    for (std::size_t i = 0; i < scores.size(); ++i) (labels[i] != 0 ? out.positive : out.negative).push_back(scores[i]);
    sort_descending(out.positive);
    sort_descending(out.negative);
    return out;
}

/// Walks two descending score lists together, one distinct threshold at a time, from the
/// highest score down, calling `step(positives_at_t, negatives_at_t)` with the number of
/// each list's scores equal to the threshold: all tied scores pass at once.
template <class Step>
void sweep_thresholds(std::span<const float> positive, std::span<const float> negative, Step&& step) {
    std::size_t i = 0, j = 0;
    while (i < positive.size() || j < negative.size()) {
        const float t = i == positive.size()   ? negative[j]
                        : j == negative.size() ? positive[i]
                                               : std::max(positive[i], negative[j]);
        std::size_t p = 0, n = 0;
        while (i < positive.size() && positive[i] == t) ++i, ++p;
        while (j < negative.size() && negative[j] == t) ++j, ++n;
        step(p, n);
    }
}

/// AUROC of sorted scores: 2U / (2·n_pos·n_neg), with the Mann–Whitney statistic
/// 2U = Σ over thresholds of p_t·(2·(negatives below t) + n_t), a tie counting one half.
/// 2U is an exact 64-bit integer for n_pos·n_neg < 2^62 (over 4·10^9 samples), checked.
inline double auroc_sorted(const char* fn, const sorted_scores& s) {
    const std::size_t n_pos = s.positive.size(), n_neg = s.negative.size();
    if (n_pos == 0 || n_neg == 0)
        throw std::invalid_argument(std::string("ias::eval::") + fn + ": the labels have " + eval_count(n_pos) +
                                    " positives and " + eval_count(n_neg) +
                                    " negatives; AUROC needs at least one of each");
    if (double(n_pos) * double(n_neg) >= 0x1p62)
        throw std::invalid_argument(std::string("ias::eval::") + fn + ": " + eval_count(n_pos) + " positives times " +
                                    eval_count(n_neg) + " negatives exceeds 2^62 pairs, the exact-count limit");
    std::uint64_t twice_u = 0;
    std::uint64_t negatives_below = n_neg;  // negatives with a score lower than the current threshold
    sweep_thresholds(s.positive, s.negative, [&](std::size_t p, std::size_t n) {
        negatives_below -= n;
        twice_u += std::uint64_t(p) * (2 * negatives_below + n);
    });
    return double(twice_u) / (2.0 * double(n_pos) * double(n_neg));
}

/// Step-wise average precision of sorted scores: Σ_t (R_t − R_{t−1})·P_t over the distinct
/// thresholds t in descending order (a threshold without positives adds nothing).
inline double average_precision_sorted(const char* fn, const sorted_scores& s) {
    const std::size_t n_pos = s.positive.size();
    if (n_pos == 0)
        throw std::invalid_argument(std::string("ias::eval::") + fn + ": the labels have no positives (" +
                                    eval_count(s.negative.size()) +
                                    " negatives); average precision needs at least one positive");
    std::size_t tp = 0, fp = 0;
    double ap = 0.0;
    sweep_thresholds(s.positive, s.negative, [&](std::size_t p, std::size_t n) {
        tp += p;
        fp += n;
        // Recall rises by p / n_pos at precision tp / (tp + fp).
        if (p != 0) ap += (double(p) / double(n_pos)) * (double(tp) / double(tp + fp));
    });
    return ap;
}

/// A ground-truth pixel inside an anomalous region: its score and its region's number.
struct region_pixel {
    float score;
    std::uint32_t region;
};

/// The pixels of a data set split for AUPRO: normal pixels' scores (descending), anomalous
/// pixels with their region (descending by score) and the pixel count of every region.
struct region_pixels {
    std::vector<float> normal;
    std::vector<region_pixel> anomalous;
    std::vector<std::size_t> region_size;
};

inline std::string eval_extent(int width, int height) {
    return std::to_string(width) + "x" + std::to_string(height);
}

/// Checks that maps and masks pair up: same count, one channel each, same shapes, no NaN
/// score. Throws `Error` (std::invalid_argument or ias::error) whose message starts with `fn`.
template <class Error>
void check_maps_and_masks(const char* fn, std::span<const image_view<const float>> maps,
                          std::span<const image_view<const std::uint8_t>> masks) {
    const std::string where = std::string("ias::eval::") + fn + ": ";
    if (maps.size() != masks.size())
        throw Error(where + "there are " + eval_count(maps.size()) + " score maps but " + eval_count(masks.size()) +
                    " masks; every map needs its mask");
    for (std::size_t i = 0; i < maps.size(); ++i) {
        const auto& map = maps[i];
        const auto& mask = masks[i];
        if (map.channels() != 1 || mask.channels() != 1)
            throw Error(where + "image " + eval_count(i) + ": the score map has " + std::to_string(map.channels()) +
                        " channels and the mask " + std::to_string(mask.channels()) + "; both must have 1");
        if (!same_extent(map, mask))
            throw Error(where + "image " + eval_count(i) + ": the score map is " +
                        eval_extent(map.width(), map.height()) + " but its mask is " +
                        eval_extent(mask.width(), mask.height()) + "; they must have the same size");
        if (map.empty()) throw Error(where + "image " + eval_count(i) + " is empty (0 pixels)");
        for (int y = 0; y < map.height(); ++y)
            for (int x = 0; x < map.width(); ++x)
                if (std::isnan(map(x, y)))
                    throw Error(where + "image " + eval_count(i) + ": the score at (x=" + std::to_string(x) +
                                ", y=" + std::to_string(y) + ") is NaN; scores must be numbers (infinities are allowed)");
    }
}

/// Labels the 8-connected anomalous regions of every mask (numbered across all images) and
/// splits the pixels into normal and anomalous ones, both sorted by descending score. With
/// `collect_normal` false, `normal` stays empty: `evaluate` has sorted those scores already.
inline region_pixels collect_region_pixels(std::span<const image_view<const float>> maps,
                                           std::span<const image_view<const std::uint8_t>> masks,
                                           bool collect_normal = true) {
    region_pixels out;
    std::size_t pixels = 0;
    for (const auto& map : maps) pixels += map.size();
    if (collect_normal) out.normal.reserve(pixels);  // most pixels are normal
    image<float> binary;
    std::vector<std::int32_t> labels;
    for (std::size_t i = 0; i < maps.size(); ++i) {
        const auto& map = maps[i];
        const auto& mask = masks[i];
        const int w = map.width(), h = map.height();
        binary.resize(w, h, 1);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) binary(x, y) = mask(x, y) != 0 ? 1.0f : 0.0f;
        labels.assign(std::size_t(w) * std::size_t(h), 0);
        const int regions = fn::connected_components(binary.view(), labels, fn::connectivity::eight, 0.5f);
        const auto first = std::uint32_t(out.region_size.size());
        if (out.region_size.size() + std::size_t(regions) > std::numeric_limits<std::uint32_t>::max())
            throw std::invalid_argument("ias::eval::aupro: the masks have more than 2^32 - 1 regions");
        out.region_size.resize(out.region_size.size() + std::size_t(regions), 0);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const std::int32_t label = labels[std::size_t(y) * std::size_t(w) + std::size_t(x)];
                if (label == 0) {
                    if (collect_normal) out.normal.push_back(map(x, y));
                } else {
                    const std::uint32_t region = first + std::uint32_t(label - 1);
                    out.anomalous.push_back({map(x, y), region});
                    ++out.region_size[region];
                }
            }
    }
    sort_descending(out.normal);
    // Anomalous pixels sort as (key << 32 | region) by the key in the upper 32 bits.
    std::vector<std::uint64_t> packed(out.anomalous.size());
    std::transform(out.anomalous.begin(), out.anomalous.end(), packed.begin(), [](const region_pixel& p) {
        return std::uint64_t(descending_key(p.score)) << 32 | p.region;
    });
    radix_sort(packed, 32);
    std::transform(packed.begin(), packed.end(), out.anomalous.begin(), [](std::uint64_t v) {
        return region_pixel{from_descending_key(std::uint32_t(v >> 32)), std::uint32_t(v & 0xFFFFFFFFu)};
    });
    return out;
}

/// AUPRO of prepared pixels; see `aupro`.
inline double aupro_sorted(const region_pixels& px, double fpr_limit) {
    const std::size_t n_normal = px.normal.size(), n_regions = px.region_size.size();
    if (n_regions == 0)
        throw std::invalid_argument("ias::eval::aupro: the masks contain no anomalous region (" +
                                    eval_count(n_normal) + " normal pixels); AUPRO needs at least one");
    if (n_normal == 0)
        throw std::invalid_argument("ias::eval::aupro: every pixel is anomalous (" + eval_count(n_regions) +
                                    " regions); AUPRO needs at least one normal pixel");
    std::vector<double> inverse_size(n_regions);
    for (std::size_t r = 0; r < n_regions; ++r) inverse_size[r] = 1.0 / double(px.region_size[r]);

    // The curve starts at (FPR, PRO) = (0, 0), above the highest score. Each distinct score t,
    // in descending order, adds one point; the last has FPR = 1 >= fpr_limit, so the loop
    // always reaches the limit and returns.
    const std::span<const region_pixel> anomalous = px.anomalous;
    const std::span<const float> normal = px.normal;
    // PRO = (regions fully covered + Σ over partly covered regions of covered / size) / regions.
    // The partial sum restarts at exactly 0 whenever no region is partly covered, so that full
    // coverage gives PRO = 1 exactly rather than a sum of 1/size terms rounded many times.
    std::size_t i = 0, j = 0, false_positives = 0, full = 0, partial = 0;
    std::vector<std::size_t> covered(n_regions, 0);
    double partial_sum = 0.0;
    double prev_fpr = 0.0, prev_pro = 0.0, area = 0.0;
    while (i < anomalous.size() || j < normal.size()) {
        const float t = i == anomalous.size() ? normal[j]
                        : j == normal.size()  ? anomalous[i].score
                                              : std::max(anomalous[i].score, normal[j]);
        for (; i < anomalous.size() && anomalous[i].score == t; ++i) {
            const std::size_t r = anomalous[i].region;
            partial += covered[r] == 0;
            if (++covered[r] == px.region_size[r]) {
                ++full, --partial;
                partial_sum -= double(covered[r] - 1) * inverse_size[r];
            } else {
                partial_sum += inverse_size[r];
            }
        }
        if (partial == 0) partial_sum = 0.0;
        for (; j < normal.size() && normal[j] == t; ++j) ++false_positives;
        const double fpr = double(false_positives) / double(n_normal);
        const double pro = (double(full) + partial_sum) / double(n_regions);
        if (fpr >= fpr_limit) {  // prev_fpr < fpr_limit <= fpr: interpolate at the limit
            const double pro_at_limit = prev_pro + (pro - prev_pro) * (fpr_limit - prev_fpr) / (fpr - prev_fpr);
            area += (fpr_limit - prev_fpr) * (prev_pro + pro_at_limit) * 0.5;
            return area / fpr_limit;
        }
        area += (fpr - prev_fpr) * (prev_pro + pro) * 0.5;
        prev_fpr = fpr;
        prev_pro = pro;
    }
    return area / fpr_limit;  // not reached: the last threshold has FPR = 1
}

inline void check_fpr_limit(double fpr_limit) {
    if (!(fpr_limit > 0.0 && fpr_limit <= 1.0))
        throw std::invalid_argument("ias::eval::aupro: fpr_limit is " + std::to_string(fpr_limit) +
                                    "; it must lie in (0, 1] (METHODS.md §5.1 uses 0.3)");
}

template <class T>
std::vector<image_view<const T>> views_of(std::span<const image<T>> images) {
    std::vector<image_view<const T>> views;
    views.reserve(images.size());
    for (const auto& im : images) views.push_back(im.view());
    return views;
}

}  // namespace detail

/// Area under the ROC curve of `scores` against binary `labels` (nonzero = positive), exact.
///
/// Computed as the Mann–Whitney statistic U / (n_pos · n_neg), where U counts the
/// (positive, negative) pairs whose positive scores higher, each tied pair counting 1/2
/// (midranks). This equals the trapezoidal area under the ROC curve through every distinct
/// threshold, as scikit-learn's `roc_auc_score` computes it. One radix sort, O(n); counts are
/// exact 64-bit integers.
///
/// Throws std::invalid_argument when the sizes differ, when there is no positive or no
/// negative (naming both counts), or when a score is NaN (naming its index).
inline double auroc(std::span<const float> scores, std::span<const std::uint8_t> labels) {
    return detail::auroc_sorted("auroc", detail::split_and_sort("auroc", scores, labels));
}

/// Average precision (area under the precision–recall curve, step-wise) of `scores` against
/// binary `labels` (nonzero = positive).
///
/// AP = Σ_n (R_n − R_{n−1}) · P_n over the thresholds n = each distinct score, in descending
/// order, with R_0 = 0, R_n = TP_n / n_pos and P_n = TP_n / (TP_n + FP_n), where TP_n and FP_n
/// count the positives and negatives scoring >= the threshold. All samples with equal scores
/// enter together. This is scikit-learn's `average_precision_score`: a step function, not
/// the trapezoid rule (which is optimistic; see the scikit-learn documentation). O(n).
///
/// Throws std::invalid_argument when the sizes differ, when there is no positive, or when a
/// score is NaN. Without negatives the result is 1.
inline double average_precision(std::span<const float> scores, std::span<const std::uint8_t> labels) {
    return detail::average_precision_sorted("average_precision",
                                            detail::split_and_sort("average_precision", scores, labels));
}

/// Area under the per-region-overlap curve up to a false-positive rate of `fpr_limit`,
/// divided by `fpr_limit` (so 1 is perfect): AUPRO as defined by Bergmann, Batzner, Fauser,
/// Sattlegger and Steger, "The MVTec Anomaly Detection Dataset: A Comprehensive Real-World
/// Dataset for Unsupervised Anomaly Detection", IJCV 129 (2021); METHODS.md §5.1.
///
/// - The regions are the 8-connected components of the nonzero pixels of every mask
///   (a normal image has an all-zero mask); each region counts once, whatever its size.
/// - For a threshold t, PRO(t) = mean over all regions (of all images) of the fraction of
///   the region's pixels scoring >= t, and FPR(t) = fraction of all normal (zero-mask) pixels
///   of all images scoring >= t.
/// - The thresholds are all distinct scores, in descending order; all pixels with equal
///   scores pass a threshold together, so a tie moves the curve along a straight segment.
///   The curve starts at (0, 0).
/// - PRO is integrated over FPR in [0, fpr_limit] with the trapezoid rule; on the segment
///   that crosses fpr_limit, PRO is interpolated linearly at fpr_limit.
///
/// This is exact: no binning. The implementations METHODS.md §5.1 names differ slightly: the
/// MVTec 3D-AD `au_pro_util.py` evaluates 100 thresholds sampled from the normal pixels'
/// scores, and NSA's `pro_score` keeps at most 25 components per image.
/// Cost: one radix sort of all pixels, O(N); O(N) memory.
///
/// `maps` are one-channel score maps and `masks` one-channel ground-truth masks of the same
/// sizes, any strides. Throws std::invalid_argument when the counts, channels or sizes differ
/// (naming the image), when a score is NaN (naming the image and pixel), when no mask has an
/// anomalous pixel, when no pixel is normal, or when `fpr_limit` is not in (0, 1].
inline double aupro(std::span<const image_view<const float>> maps,
                    std::span<const image_view<const std::uint8_t>> masks, double fpr_limit = 0.3) {
    detail::check_fpr_limit(fpr_limit);
    detail::check_maps_and_masks<std::invalid_argument>("aupro", maps, masks);
    return detail::aupro_sorted(detail::collect_region_pixels(maps, masks), fpr_limit);
}

/// `aupro` of owning images.
inline double aupro(std::span<const image<float>> maps, std::span<const image<std::uint8_t>> masks,
                    double fpr_limit = 0.3) {
    const auto map_views = detail::views_of(maps);
    const auto mask_views = detail::views_of(masks);
    return aupro(map_views, mask_views, fpr_limit);
}

/// The metrics of METHODS.md §5.1 for one set of score maps and ground-truth masks.
struct metrics_report {
    double image_auroc = 0.0;  ///< AUROC of image scores (map maximum) against image labels (mask has a nonzero pixel)
    double pixel_auroc = 0.0;  ///< AUROC over every pixel of every image
    double aupro = 0.0;        ///< AUPRO up to FPR 0.3, normalised by 0.3 (see `aupro`)
    double pixel_ap = 0.0;     ///< average precision over every pixel of every image (see `average_precision`)
    std::size_t images = 0;            ///< number of images
    std::size_t anomalous_images = 0;  ///< images whose mask has a nonzero pixel
};

/// Scores a test set: image AUROC, pixel AUROC, AUPRO (fpr_limit 0.3) and pixel AP.
///
/// The image score is the maximum of the image's map, and its label is whether the mask has
/// a nonzero pixel. The pixel metrics pool all pixels of all images (labels: mask nonzero).
/// Pixels are sorted once (radix sort, O(N) for N pixels) and the normal ones reused for
/// AUPRO; O(N) memory: about 13 bytes per pixel at the peak, besides the inputs.
///
/// Throws ias::error when the counts, channels or sizes of maps and masks differ (naming the
/// image), when a map is empty or has a NaN (naming the image and pixel), and when there are
/// no anomalous images or no normal images, since image AUROC is then undefined. An image
/// whose mask is all zero is normal.
inline metrics_report evaluate(std::span<const image_view<const float>> maps,
                               std::span<const image_view<const std::uint8_t>> masks) {
    detail::check_maps_and_masks<error>("evaluate", maps, masks);
    metrics_report report;
    report.images = maps.size();

    std::vector<float> image_scores(maps.size());
    std::vector<std::uint8_t> image_labels(maps.size());
    std::size_t pixels = 0;
    for (std::size_t i = 0; i < maps.size(); ++i) {
        float best = -std::numeric_limits<float>::infinity();
        bool anomalous = false;
        for (int y = 0; y < maps[i].height(); ++y)
            for (int x = 0; x < maps[i].width(); ++x) {
                best = std::max(best, maps[i](x, y));
                anomalous = anomalous || masks[i](x, y) != 0;
            }
        image_scores[i] = best;
        image_labels[i] = anomalous ? 1 : 0;
        report.anomalous_images += anomalous;
        pixels += maps[i].size();
    }
    if (report.anomalous_images == 0)
        throw error("ias::eval::evaluate: none of the " + detail::eval_count(report.images) +
                    " images is anomalous (every mask is all zero), so image AUROC, pixel AUROC, AUPRO and "
                    "pixel AP cannot be computed; the test set needs anomalous images with masks");
    if (report.anomalous_images == report.images)
        throw error("ias::eval::evaluate: all " + detail::eval_count(report.images) +
                    " images are anomalous, so image AUROC cannot be computed; the test set needs normal "
                    "images too (an all-zero mask, or no mask file)");
    report.image_auroc = auroc(image_scores, image_labels);

    // Pixel AUROC and AP from one sort of all pixels, split by label; the normal pixels'
    // sorted scores are then handed to AUPRO, whose normal pixels they are.
    detail::sorted_scores sorted;
    sorted.negative.reserve(pixels);
    for (std::size_t i = 0; i < maps.size(); ++i)
        for (int y = 0; y < maps[i].height(); ++y)
            for (int x = 0; x < maps[i].width(); ++x)
                (masks[i](x, y) != 0 ? sorted.positive : sorted.negative).push_back(maps[i](x, y));
    detail::sort_descending(sorted.positive);
    detail::sort_descending(sorted.negative);
    report.pixel_auroc = detail::auroc_sorted("evaluate", sorted);
    report.pixel_ap = detail::average_precision_sorted("evaluate", sorted);
    sorted.positive = {};
    auto regions = detail::collect_region_pixels(maps, masks, false);
    regions.normal = std::move(sorted.negative);
    // There are anomalous and normal pixels (an anomalous image has one, a normal image only normal ones).
    report.aupro = detail::aupro_sorted(regions, 0.3);
    return report;
}

/// `evaluate` of owning images.
inline metrics_report evaluate(std::span<const image<float>> maps, std::span<const image<std::uint8_t>> masks) {
    const auto map_views = detail::views_of(maps);
    const auto mask_views = detail::views_of(masks);
    return evaluate(map_views, mask_views);
}

namespace detail {
inline void append_json_number(std::string& out, double v) {
    if (!std::isfinite(v)) {  // JSON has no NaN or Inf; evaluate never produces them
        out += "null";
        return;
    }
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);  // shortest round-trip form
    out.append(buffer, result.ptr);
}
}  // namespace detail

/// The report as one JSON object on one line:
/// `{"image_auroc":…,"pixel_auroc":…,"aupro":…,"pixel_ap":…,"images":…,"anomalous_images":…}`.
/// Doubles are printed by std::to_chars in their shortest form that reads back to the same
/// value; a non-finite value (never produced by `evaluate`) is written as `null`.
inline std::string to_json(const metrics_report& report) {
    std::string out = "{\"image_auroc\":";
    detail::append_json_number(out, report.image_auroc);
    out += ",\"pixel_auroc\":";
    detail::append_json_number(out, report.pixel_auroc);
    out += ",\"aupro\":";
    detail::append_json_number(out, report.aupro);
    out += ",\"pixel_ap\":";
    detail::append_json_number(out, report.pixel_ap);
    out += ",\"images\":" + std::to_string(report.images);
    out += ",\"anomalous_images\":" + std::to_string(report.anomalous_images) + "}";
    return out;
}

}  // namespace ias::eval
