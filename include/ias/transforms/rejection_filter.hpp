// SPDX-License-Identifier: MIT
// rejection_filter: run a transform again on fresh streams until a host scorer accepts the result (reject-and-retry).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/concepts.hpp"
#include "../detail/nested_scratch.hpp"
#include "settings.hpp"

namespace ias {

/// Scores a candidate sample (a CLIP score, a detector's output, a mask check such as "the
/// mask is not empty"); higher is better. Called from the threads that run the filter, so it
/// must be safe to call concurrently; it must not keep a reference to the sample.
using sample_scorer = std::function<double(const sample&)>;

/// What `rejection_filter` does when no attempt scored inside the window.
enum class when_exhausted {
    keep_best,    ///< the attempt with the highest score (the first on ties; NaN ranks lowest)
    keep_last,    ///< the last attempt
    keep_normal,  ///< the input, unchanged
    throw_error,  ///< throw ias::error giving the attempts, their scores and the window
};

namespace detail::rejection {

/// The per-thread samples of one filter call: the attempt being scored, the best so far, and
/// the scores.
struct slot {
    sample candidate, best;
    std::vector<double> scores;
};

/// Takes a sample's trace away for a scope and gives it back at the end (also when an attempt
/// or the scorer throws), so that copies of the sample neither copy nor carry it.
class detached_trace {
public:
    explicit detached_trace(sample& s) noexcept : sample_(s) { saved_.swap(s.trace); }
    ~detached_trace() { sample_.trace.swap(saved_); }
    detached_trace(const detached_trace&) = delete;
    detached_trace& operator=(const detached_trace&) = delete;
    [[nodiscard]] std::optional<trace>& get() noexcept { return saved_; }

private:
    sample& sample_;
    std::optional<trace> saved_;
};

/// True when score a ranks above b: NaN ranks below every number.
inline bool ranks_above(double a, double b) noexcept { return !std::isnan(a) && (std::isnan(b) || a > b); }

inline std::string scores_text(const std::vector<double>& scores) {
    std::string out;
    for (const double v : scores) out += (out.empty() ? "" : ", ") + settings::number(v);
    return out;
}

}  // namespace detail::rejection

/// Reject-and-retry around a transform (METHODS §8.10 point 8, "empty-mask reject-and-retry";
/// §8.9's quality filters): generative methods keep only samples that pass a check, a CLIP
/// score, a detector's output or a mask test, but rarely publish that step; this makes it an
/// explicit, reproducible stage.
///
/// Attempt k (k = 0, 1, ..., max_attempts − 1) runs `inner` on a copy of the input with the
/// stream `rng.fork(k)` and scores the result. The first attempt whose score lies in
/// [min_score, max_score] (NaN never does) becomes the sample; the filter itself draws
/// nothing. When every attempt fails, `when_exhausted` decides: the best attempt (highest
/// score, first on ties), the last one, the input unchanged, or an ias::error.
///
/// Determinism: the result is a function of (stream, input, scorer) only, whatever thread
/// runs it or in what order, because attempt k always sees the same stream and input.
///
/// Tracing: when `sample.trace` is engaged, each attempt runs with an engaged trace of its own
/// (so nested stages record as they would anywhere), and the filter records one entry,
/// `params_type{chosen attempt or −1, every score in order}`, followed by the chosen attempt's
/// entries. `replay` reads that entry and replays `inner` from the entries that follow: the
/// chosen attempt again, without calling the scorer.
///
/// Allocates nothing per sample once its per-thread samples have the input's size (`inner`
/// and the scorer aside; a traced call allocates for the trace). Any pixel type `inner` takes.
template <transform T>
class rejection_filter {
public:
    static constexpr std::string_view name = "rejection_filter";

    struct params_type {
        int accepted = -1;           ///< the attempt the sample is (accepted or kept), −1: the input
        std::vector<double> scores;  ///< the score of every attempt made, in order
        template <class F>
        void visit_fields(F&& f) const {
            f("accepted", accepted);
            f("scores", scores);
        }
    };

    /// Throws std::invalid_argument naming the argument: an empty scorer, max_attempts < 1,
    /// a NaN bound, or min_score > max_score. Infinite bounds are allowed (a one-sided window).
    rejection_filter(T inner, sample_scorer score, double min_score, double max_score = std::numeric_limits<double>::infinity(),
                     int max_attempts = 8, when_exhausted policy = when_exhausted::keep_best)
        : inner_(std::move(inner)), score_(std::move(score)), min_(min_score), max_(max_score), attempts_(max_attempts), policy_(policy) {
        using detail::settings::fail;
        using detail::settings::number;
        if (!score_) fail(name, "score is empty; it must be a callable double(const sample&)");
        if (max_attempts < 1) fail(name, "max_attempts is " + std::to_string(max_attempts) + "; it must be >= 1");
        if (std::isnan(min_score) || std::isnan(max_score) || !(min_score <= max_score))
            fail(name, "min_score = " + number(min_score) + " and max_score = " + number(max_score) +
                           " must be numbers with min_score <= max_score");
        if (policy != when_exhausted::keep_best && policy != when_exhausted::keep_last && policy != when_exhausted::keep_normal &&
            policy != when_exhausted::throw_error)
            fail(name, "policy is " + std::to_string(int(policy)) + ", which is no when_exhausted value");
    }

    void operator()(sample& s, rng_stream& rng) const {
        ias::detail::nested_scratch<detail::rejection::slot> scope;  // inner stages may run another filter
        auto& slot = scope.get();
        slot.scores.clear();
        detail::rejection::detached_trace outer(s);  // s.trace is disengaged until `outer` ends
        const bool traced = outer.get().has_value();
        sample* chosen = nullptr;
        int chosen_index = -1, best_index = -1;
        double best_score = 0.0;
        for (int k = 0; k < attempts_; ++k) {
            slot.candidate = s;  // assigns into the slot's buffers
            if (traced) slot.candidate.trace.emplace();
            detail::run_child(inner_, slot.candidate, rng, std::uint32_t(k));
            const double score = score_(std::as_const(slot.candidate));
            slot.scores.push_back(score);
            if (score >= min_ && score <= max_) {  // false for NaN
                chosen = &slot.candidate;
                chosen_index = k;
                break;
            }
            if (policy_ == when_exhausted::keep_best && (best_index < 0 || detail::rejection::ranks_above(score, best_score))) {
                using std::swap;
                swap(slot.best, slot.candidate);  // keeps both buffers in the slot
                best_index = k;
                best_score = score;
            }
        }
        if (!chosen) {
            switch (policy_) {
                case when_exhausted::keep_best: chosen = &slot.best, chosen_index = best_index; break;
                case when_exhausted::keep_last: chosen = &slot.candidate, chosen_index = attempts_ - 1; break;
                case when_exhausted::keep_normal: break;
                case when_exhausted::throw_error:
                    throw error("ias::rejection_filter: none of " + std::to_string(attempts_) + " attempts scored within [" +
                                detail::settings::number(min_) + ", " + detail::settings::number(max_) +
                                "]; the scores were " + detail::rejection::scores_text(slot.scores));
            }
        }
        if (traced) {
            outer.get()->record(name, params_type{chosen_index, slot.scores});
            if (chosen) outer.get()->append(*chosen->trace);
        }
        if (chosen) {
            using std::swap;
            swap(s, *chosen);  // the input's buffers go to the slot for the next call; `outer` restores the trace
        }
    }

    /// Applies the recorded decision: the chosen attempt's entries, when there is one, are
    /// replayed through `inner`; the scorer is not called. Throws ias::error when the entry's
    /// attempt does not fit this filter.
    void replay(sample& s, trace_reader& reader) const {
        const auto& p = reader.next(name).params_as<params_type>();
        if (p.accepted < -1 || p.accepted >= attempts_)
            throw error("ias::rejection_filter: the trace chose attempt " + std::to_string(p.accepted) + ", but the filter makes " +
                        std::to_string(attempts_) + " (-1 for the input)");
        if (p.accepted >= 0) ias::replay(inner_, s, reader);
    }

    [[nodiscard]] const T& inner() const noexcept { return inner_; }
    [[nodiscard]] const sample_scorer& scorer() const noexcept { return score_; }
    [[nodiscard]] double min_score() const noexcept { return min_; }
    [[nodiscard]] double max_score() const noexcept { return max_; }
    [[nodiscard]] int max_attempts() const noexcept { return attempts_; }
    [[nodiscard]] when_exhausted policy() const noexcept { return policy_; }

private:
    T inner_;
    sample_scorer score_;
    double min_, max_;
    int attempts_;
    when_exhausted policy_;
};

}  // namespace ias
