// SPDX-License-Identifier: MIT
// feature_matrix: the N × C row-major float matrices (one feature vector per row) the feature-space operators take.
#pragma once

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

}  // namespace ias::feature
