// SPDX-License-Identifier: MIT
// feature_matrix: the N × C row-major float matrices (one feature vector per row) the feature-space
// operators take, and the argument checks they share.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

namespace ias::feature {

/// N feature vectors of C channels, one per row, row-major (torch's `features.reshape(-1, C)`,
/// as SimpleNet, GLASS and PBAS hold them). A C × h × w map of one image is N = h·w rows,
/// row y·w + x, once permuted to channels-last. Callers map their own buffers with
/// `Eigen::Map<feature_matrix>` and pass them without copying.
using feature_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// A writable view of a feature_matrix or of a row-major map or block of one.
using features = Eigen::Ref<feature_matrix>;
/// A read-only view of a feature_matrix (any row-major float matrix binds without copying).
using const_features = Eigen::Ref<const feature_matrix>;

namespace detail {

[[noreturn]] inline void fail(const char* op, const std::string& what) {
    throw std::invalid_argument(std::string("ias::feature::") + op + ": " + what);
}

inline std::string shape(Eigen::Index rows, Eigen::Index cols) {
    return std::to_string(rows) + " × " + std::to_string(cols);
}

/// Throws unless `m` is rows × cols, naming the argument.
template <class M>
void expect_shape(const char* op, const char* name, const M& m, Eigen::Index rows, Eigen::Index cols) {
    if (m.rows() != rows || m.cols() != cols)
        fail(op, std::string(name) + " is " + shape(m.rows(), m.cols()) + "; it must be " + shape(rows, cols));
}

inline void expect_finite_non_negative(const char* op, const char* name, float value) {
    if (!(value >= 0.0f) || !std::isfinite(value))
        fail(op, std::string(name) + " is " + std::to_string(value) + "; it must be finite and >= 0");
}

/// Row r of a row-major matrix as a span (rows of a Ref are contiguous; only the outer stride varies).
template <class M>
auto row_span(M& m, Eigen::Index r) {
    return std::span(m.row(r).data(), std::size_t(m.cols()));
}

/// Throws unless a span argument holds `expected` values, one per `per` (or none, when
/// `optional`), naming it.
inline void expect_count(const char* op, const char* name, std::size_t actual, std::size_t expected, const char* per,
                         bool optional = false) {
    if (actual != expected && !(optional && actual == 0))
        fail(op, std::string(name) + " has " + std::to_string(actual) + " values; it must have " +
                     std::to_string(expected) + " (one per " + per + ")" + (optional ? " or none" : ""));
}

/// Bulk position of element (row, 0): features are numbered row-major, whatever the strides.
inline std::uint64_t row_position(Eigen::Index row, Eigen::Index cols) {
    return std::uint64_t(row) * std::uint64_t(cols);
}

}  // namespace detail

}  // namespace ias::feature
