// SPDX-License-Identifier: MIT
// sample: an image with its anomaly mask, label, foreground, defect kind and trace of sampled parameters.
#pragma once

#include <any>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "image.hpp"

namespace ias {

/// One named parameter a transform sampled, as numbers (a scalar is a one-element list).
struct trace_field {
    std::string name;
    std::vector<double> values;
    friend bool operator==(const trace_field&, const trace_field&) = default;
};

/// What one stage sampled: its name, the parameters as numbers (for manifests and people),
/// and the exact parameter object (for replay).
struct trace_entry {
    std::string stage;
    std::vector<trace_field> fields;
    std::any params;

    /// The recorded parameters as `P`; throws ias::error when they are of another type.
    template <class P>
    [[nodiscard]] const P& params_as() const {
        if (const P* p = std::any_cast<P>(&params)) return *p;
        throw error("ias::trace: the entry of stage '" + stage +
                    "' holds parameters of another type than the stage being replayed");
    }
};

namespace detail {
template <class P>
concept has_visit_fields = requires(const P& p) { p.visit_fields([](std::string_view, const auto&) {}); };

inline void append_values(std::vector<double>& out, const auto& value) {
    if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(value)>>) {
        out.push_back(double(value));
    } else {
        for (const auto& v : value) append_values(out, v);
    }
}
}  // namespace detail

/// The parameters every stage of a pipeline sampled for one sample, in the order they were
/// drawn. `ias::replay(pipeline, sample, trace)` applies them again and gives the same bytes.
/// A parameter type describes itself to the trace with
/// `template <class F> void visit_fields(F&& f) const { f("threshold", threshold); ... }`,
/// where each value is a number or a range of numbers.
class trace {
public:
    /// Appends what stage `stage` sampled.
    template <class P>
    void record(std::string_view stage, const P& params) {
        trace_entry& e = entries_.emplace_back();
        e.stage = stage;
        if constexpr (detail::has_visit_fields<P>) {
            params.visit_fields([&](std::string_view name, const auto& value) {
                trace_field& f = e.fields.emplace_back();
                f.name = name;
                detail::append_values(f.values, value);
            });
        }
        e.params = params;
    }
    /// Moves every entry of `other` onto the end of this trace and leaves `other` empty: how a
    /// stage that ran a candidate on a copy of the sample (rejection_filter) keeps its record.
    void append(trace& other) {
        for (trace_entry& e : other.entries_) entries_.push_back(std::move(e));
        other.entries_.clear();
    }
    [[nodiscard]] const std::vector<trace_entry>& entries() const noexcept { return entries_; }
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    void clear() noexcept { entries_.clear(); }

private:
    std::vector<trace_entry> entries_;
};

/// Reads a trace back in order during replay.
class trace_reader {
public:
    explicit trace_reader(const trace& t) noexcept : trace_(&t) {}

    /// The next entry, which must belong to a stage named `stage`; throws ias::error otherwise.
    const trace_entry& next(std::string_view stage) {
        const auto& entries = trace_->entries();
        if (position_ >= entries.size())
            throw error("ias::replay: the trace has " + std::to_string(entries.size()) +
                        " entries, but the pipeline wants more (next stage: '" +
                        std::string(stage) + "')");
        const trace_entry& e = entries[position_];
        if (e.stage != stage)
            throw error("ias::replay: trace entry " + std::to_string(position_) + " is from stage '" +
                        e.stage + "', but the pipeline expects stage '" + std::string(stage) + "'");
        ++position_;
        return e;
    }
    [[nodiscard]] bool done() const noexcept { return position_ == trace_->entries().size(); }
    [[nodiscard]] std::size_t position() const noexcept { return position_; }

private:
    const trace* trace_;
    std::size_t position_ = 0;
};

/// True when any element of `mask` is positive.
inline bool any_positive(const ias::image<float>& mask) noexcept {
    std::uint32_t any = 0;  // an integer OR, which the compiler vectorises
    for (std::size_t i = 0; i < mask.size(); ++i) any |= std::uint32_t(mask.data()[i] > 0.0f);
    return any != 0;
}

/// Zeroes `mask` wherever `foreground` is <= 0.5 (nothing when `foreground` is empty) and
/// returns whether anything positive is left. Throws ias::error when the foreground is not
/// one channel of the mask's size.
inline bool clip_to_foreground(ias::image<float>& mask, const ias::image<float>& foreground) {
    if (!foreground.empty()) {
        if (foreground.width() != mask.width() || foreground.height() != mask.height() || foreground.channels() != 1)
            throw error("ias: the foreground is " + std::to_string(foreground.width()) + "x" + std::to_string(foreground.height()) +
                        "x" + std::to_string(foreground.channels()) + ", but it must be one channel of the mask's size " +
                        std::to_string(mask.width()) + "x" + std::to_string(mask.height()));
        float* m = mask.data();
        const float* fg = foreground.data();
        for (std::size_t i = 0; i < mask.size(); ++i) m[i] = fg[i] > 0.5f ? m[i] : 0.0f;
    }
    return any_positive(mask);
}

/// A training sample: the image and everything a transform knows about it.
///
/// - `image`: uint8 (0..255) or float (0..1 by convention) pixels, 1, 3 or 4 channels.
/// - `mask`: float, 1 channel, the image's size, values in [0, 1]: 0 normal, 1 anomalous,
///   fractional where a blend is partial. Empty means "all normal" until `ensure_mask()`.
/// - `label`: 0 normal, 1 anomalous (consistent with the mask); recipes with several
///   anomaly classes (CutPaste 3-way) use class ids >= 1.
/// - `foreground`: optional float mask of where the object is (empty = everywhere);
///   transforms that honour it place anomalies only there.
/// - `defect_kind`: what was synthesised ("" for none), e.g. "scratch".
/// - `trace`: when engaged, every stage appends the parameters it sampled.
struct sample {
    any_image image;
    ias::image<float> mask;
    int label = 0;
    ias::image<float> foreground;
    /// The mask on a detector's feature grid (GLASS's m_s, SuperSimpleNet, DSR): empty unless
    /// a stage such as `feature_grid_mask` sets it; one channel, values in [0, 1].
    ias::image<float> feature_mask;
    std::string defect_kind;
    /// Which image of the normal-image pool this sample was made from (-1: none known). The
    /// two-image methods (NSA, FPI, PII, REB's cut fill) draw their foreign source from the
    /// pool's other images, so a sample never pastes from itself unless the pool has one image.
    std::int64_t source_index = -1;
    std::optional<ias::trace> trace;

    sample() = default;
    /// A normal sample of `pixels` with an all-zero mask.
    explicit sample(any_image pixels) : image(std::move(pixels)) { ensure_mask(); }

    /// Sizes the mask to the image (all zeros) unless it already has the image's size.
    void ensure_mask() {
        if (mask.width() != image.width() || mask.height() != image.height() || mask.channels() != 1)
            mask.resize(image.width(), image.height(), 1, 0.0f);
    }
    /// Resets mask, label, foreground, kind, source index and trace (if engaged) to "normal, nothing
    /// recorded"; keeps every buffer, so a reused sample does not allocate.
    void clear_annotations() noexcept {
        mask.clear();
        label = 0;
        foreground.clear();
        feature_mask.clear();
        defect_kind.clear();
        source_index = -1;
        if (trace) trace->clear();
    }
    /// True when a foreground mask is present.
    [[nodiscard]] bool has_foreground() const noexcept { return !foreground.empty(); }

    /// Checks the data model: a non-empty image, finite float pixels, and a mask and
    /// foreground (when present) of one channel and the image's size with values in [0, 1].
    /// Throws ias::error naming the field and what was found.
    void validate() const {
        if (image.empty()) throw error("ias::sample: the image is empty");
        if (image.holds<float>()) {
            const auto& pixels = image.get<float>();
            if (const std::size_t i = first_outside(pixels, -std::numeric_limits<float>::max(), std::numeric_limits<float>::max()); i != pixels.size())
                throw error("ias::sample: the float image has a non-finite value (NaN or Inf) at element " +
                            std::to_string(i));
        }
        check_mask(mask, "mask", true);
        check_mask(foreground, "foreground", true);
        check_mask(feature_mask, "feature_mask", false);
    }

private:
    /// A mask of one channel with values in [0, 1]: of the image's size when `full_size`, no
    /// larger than the image otherwise (a feature grid).
    void check_mask(const ias::image<float>& m, const char* field, bool full_size) const {
        if (m.empty()) return;
        const bool fits = full_size ? m.width() == image.width() && m.height() == image.height()
                                    : m.width() <= image.width() && m.height() <= image.height();
        if (m.channels() != 1 || !fits)
            throw error(std::string("ias::sample: the ") + field + " is " + std::to_string(m.width()) +
                        "x" + std::to_string(m.height()) + "x" + std::to_string(m.channels()) +
                        ", but it must be one channel " + (full_size ? "of" : "no larger than") + " the image's size " +
                        std::to_string(image.width()) + "x" + std::to_string(image.height()));
        if (const std::size_t i = first_outside(m, 0.0f, 1.0f); i != m.size())
            throw error(std::string("ias::sample: the ") + field + " has value " + std::to_string(m.data()[i]) +
                        " at element " + std::to_string(i) + "; values must lie in [0, 1]");
    }

    /// The index of the first element not in [lo, hi] (NaN never is), or size() when there
    /// is none. The scan is a branch-free reduction the compiler vectorises; only a failure
    /// pays for the second, locating pass.
    static std::size_t first_outside(const ias::image<float>& im, float lo, float hi) noexcept {
        const float* p = im.data();
        std::uint32_t outside = 0;  // an integer OR, which g++ -O3 and clang++ -O2 vectorise
        for (std::size_t i = 0; i < im.size(); ++i) outside |= std::uint32_t(!(p[i] >= lo)) | std::uint32_t(!(p[i] <= hi));
        if (outside == 0) return im.size();
        std::size_t i = 0;
        while (p[i] >= lo && p[i] <= hi) ++i;
        return i;
    }
};

}  // namespace ias
