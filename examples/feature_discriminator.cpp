// SPDX-License-Identifier: MIT
// A feature-space training loop: SimpleNet's discriminator, with and without GLASS's GAS hook, on real magnetic tiles.
//
// SimpleNet (Liu et al., CVPR 2023) trains a small discriminator D to score normal features
// above th and the same features plus Gaussian noise below −th (a truncated L1 loss). GLASS
// (Chen et al., ECCV 2024) first moves those noisy features by gradient ascent on D's loss and
// keeps them in a shell around the normal features (global anomaly synthesis, GAS). Both put D
// on a frozen pretrained CNN; to stay in plain C++ this program uses a small fixed extractor
// instead, and writes D's backpropagation and the Adam optimiser out by hand with Eigen.
// D never sees a real defect: the defect tiles are used only to measure how it ranks them.
//
// usage: feature_discriminator <magnetic_tile folder> [quick|full]
//   quick (the default): 96 training and 40 held-out normal tiles, 16 tiles per defect class
//   full: every tile (336 training, 85 held-out normal, 232 defect)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <ias/core/bulk_random.hpp>
#include <ias/core/rng.hpp>
#include <ias/feature/feature_noise.hpp>
#include <ias/feature/glass_gas.hpp>
#include <ias/fn/resize.hpp>
#include <ias/io/stb.hpp>

namespace {

namespace fs = std::filesystem;
using ias::feature::feature_matrix;

constexpr std::uint64_t seed = 2023;
constexpr int cell = 8;                  // one feature vector per 8 × 8 block of the half-size tile
constexpr int filters = 16;              // fixed random 7 × 7 filters
constexpr int maps = 3 + 2 * filters;    // per-pixel maps: intensity, local contrast, gradient, filters ±
constexpr int local = 2 * maps + 2;      // per cell: mean and max of each map, min and std of intensity
constexpr int channels = 2 * local;      // the cell's own vector and its 3 × 3 neighbourhood's mean: 144
constexpr int hidden = 64;               // D's hidden width
constexpr Eigen::Index batch = 256;      // normal rows per batch (plus as many synthetic ones)
constexpr int epochs = 12;
constexpr float threshold = 0.5f;        // SimpleNet's th
// SimpleNet's σ = 0.015 is for its 1536-dim adapted CNN features. Ours have unit variance per
// channel, and σ = 0.25 moves a feature by σ·√144 = 3 on average, over a quarter of the normal
// cloud's radius (GLASS's r, 10.6 here): far enough to be learnable, near enough to be hard.
constexpr float sigma = 0.25f;
// GAS: GLASS takes 20 ascent steps of 0.001 against σ = 0.015 in 1536 dimensions. Here five
// steps of 0.1 (at most 0.5 in all, a sixth of the noise) keep the run short; the truncated
// projection onto the shell [r, 2r] about the centre follows the fifth step.
constexpr ias::feature::glass_gas_settings gas_options{
    .noise = sigma, .steps = 5, .step_size = 0.1f, .project_every = 5,
    .mode = ias::feature::glass_distribution::hypersphere};  // GLASS's choice for textures

/// A single-channel float image, row-major.
struct plane {
    int width, height;
    std::vector<float> values;
    plane(int w, int h) : width(w), height(h), values(std::size_t(w) * std::size_t(h)) {}
    float& operator()(int x, int y) { return values[std::size_t(y * width + x)]; }
    float operator()(int x, int y) const { return values[std::size_t(y * width + x)]; }
    float clamped(int x, int y) const { return (*this)(std::clamp(x, 0, width - 1), std::clamp(y, 0, height - 1)); }
};

/// Loads a grey image at half its size, rounded to whole cells. The tiles are crops of very
/// different shapes (100 to 630 pixels wide), so a fixed scale, not a fixed size, keeps the
/// surface texture alike in every tile. Bilinear to twice the target, then 2 × 2 averaging: a
/// cheap low-pass that keeps the JPEG grain from aliasing into the features.
plane load_plane(const fs::path& path) {
    const ias::any_image file = ias::load_image(path, {.channels = 1});
    const int w = std::max(2, int(std::lround(file.width() / (2.0 * cell)))) * cell;
    const int h = std::max(2, int(std::lround(file.height() / (2.0 * cell)))) * cell;
    ias::image<float> twice(2 * w, 2 * h, 1);
    ias::fn::resize_scratch scratch;
    file.visit([&](auto view) { ias::fn::resize_bilinear(view, twice.view(), scratch); });
    plane out(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            out(x, y) = 0.25f * (twice(2 * x, 2 * y) + twice(2 * x + 1, 2 * y) + twice(2 * x, 2 * y + 1) +
                                 twice(2 * x + 1, 2 * y + 1));
    return out;
}

/// The fixed extractor: nothing in it learns. Per pixel: the intensity (normalised per tile,
/// since the sessions differ in exposure), its difference from the 7 × 7 mean (dark pores), the
/// Sobel gradient magnitude (chipped and frayed edges), and the positive and negative parts of
/// 16 fixed random zero-mean 7 × 7 filters (random features standing in for a CNN's first
/// layer). Per cell: the mean and max of every map, and the intensity's min and std. Each cell's
/// vector is concatenated with the mean over its 3 × 3 neighbourhood of cells, after SimpleNet's
/// patch aggregation (patchsize 3). Returns one row per cell, cells in row-major order.
struct extractor {
    std::vector<float> bank = std::vector<float>(filters * 49);

    extractor() {
        ias::fill_normal(ias::rng_stream(seed, 0).fork(1), 0, bank);
        for (int f = 0; f < filters; ++f) {  // zero mean (blind to brightness), unit norm
            float* w = bank.data() + f * 49;
            const float mean = std::accumulate(w, w + 49, 0.0f) / 49.0f;
            float norm = 0.0f;
            for (int i = 0; i < 49; ++i) norm += (w[i] - mean) * (w[i] - mean);
            for (int i = 0; i < 49; ++i) w[i] = (w[i] - mean) / std::sqrt(norm);
        }
    }

    feature_matrix operator()(plane p) const {
        const auto n = float(p.values.size());
        const float mean = std::accumulate(p.values.begin(), p.values.end(), 0.0f) / n;
        float var = 0.0f;
        for (float v : p.values) var += (v - mean) * (v - mean);
        for (float& v : p.values) v = (v - mean) / (std::sqrt(var / n) + 1e-3f);

        const int w = p.width, h = p.height, gw = w / cell, gh = h / cell;
        std::vector<plane> m(maps, plane(w, h));
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                float box = 0.0f, response[filters] = {};
                for (int dy = -3; dy <= 3; ++dy)
                    for (int dx = -3; dx <= 3; ++dx) {
                        const float v = p.clamped(x + dx, y + dy);
                        box += v;
                        for (int f = 0; f < filters; ++f) response[f] += bank[std::size_t(f * 49 + (dy + 3) * 7 + dx + 3)] * v;
                    }
                auto at = [&](int dx, int dy) { return p.clamped(x + dx, y + dy); };
                const float gx = at(1, -1) + 2 * at(1, 0) + at(1, 1) - at(-1, -1) - 2 * at(-1, 0) - at(-1, 1);
                const float gy = at(-1, 1) + 2 * at(0, 1) + at(1, 1) - at(-1, -1) - 2 * at(0, -1) - at(1, -1);
                m[0](x, y) = p(x, y);
                m[1](x, y) = p(x, y) - box / 49.0f;
                m[2](x, y) = std::sqrt(gx * gx + gy * gy);
                for (int f = 0; f < filters; ++f) {
                    m[std::size_t(3 + 2 * f)](x, y) = std::max(response[f], 0.0f);
                    m[std::size_t(4 + 2 * f)](x, y) = std::max(-response[f], 0.0f);
                }
            }
        feature_matrix cells(gw * gh, local);
        for (int cy = 0; cy < gh; ++cy)
            for (int cx = 0; cx < gw; ++cx) {
                auto row = cells.row(cy * gw + cx);
                float low = 1e30f, squares = 0.0f;
                for (int k = 0; k < maps; ++k) {
                    float sum = 0.0f, high = -1e30f;
                    for (int y = cy * cell; y < (cy + 1) * cell; ++y)
                        for (int x = cx * cell; x < (cx + 1) * cell; ++x) {
                            const float v = m[std::size_t(k)](x, y);
                            sum += v;
                            high = std::max(high, v);
                            if (k == 0) low = std::min(low, v), squares += v * v;
                        }
                    row(2 * k) = sum / float(cell * cell);
                    row(2 * k + 1) = high;
                }
                row(2 * maps) = low;
                row(2 * maps + 1) = std::sqrt(std::max(squares / float(cell * cell) - row(0) * row(0), 0.0f));
            }
        feature_matrix out(gw * gh, channels);
        for (int cy = 0; cy < gh; ++cy)
            for (int cx = 0; cx < gw; ++cx) {
                Eigen::RowVectorXf around = Eigen::RowVectorXf::Zero(local);
                int count = 0;
                for (int y = std::max(cy - 1, 0); y <= std::min(cy + 1, gh - 1); ++y)
                    for (int x = std::max(cx - 1, 0); x <= std::min(cx + 1, gw - 1); ++x, ++count)
                        around += cells.row(y * gw + x);
                out.row(cy * gw + cx) << cells.row(cy * gw + cx), around / float(count);
            }
        return out;
    }
};

/// One label per cell of a defect tile's mask: 1 if any of its pixels is a defect pixel (mask
/// >= 128 of 255, at the half size the features see), else 0. Blowholes cover a few pixels, so
/// a stricter rule (a quarter of the cell, say) would leave almost none of their cells.
std::vector<int> cell_labels(const fs::path& mask_path) {
    const plane mask = load_plane(mask_path);
    const int gw = mask.width / cell, gh = mask.height / cell;
    std::vector<int> out(std::size_t(gw * gh));
    for (int cy = 0; cy < gh; ++cy)
        for (int cx = 0; cx < gw; ++cx) {
            int defect = 0;
            for (int y = cy * cell; y < (cy + 1) * cell; ++y)
                for (int x = cx * cell; x < (cx + 1) * cell; ++x) defect |= mask(x, y) >= 0.5f;
            out[std::size_t(cy * gw + cx)] = defect;
        }
    return out;
}

/// The .jpg images of a folder in name order (directory order is not deterministic).
std::vector<fs::path> images_in(const fs::path& folder) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(folder))
        if (entry.path().extension() == ".jpg") out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    if (out.empty()) throw std::runtime_error(folder.string() + " holds no .jpg images");
    return out;
}

/// The features of some tiles, one row per cell, tile after tile.
feature_matrix features_of(const extractor& extract, const std::vector<fs::path>& files) {
    std::vector<feature_matrix> parts;
    Eigen::Index rows = 0;
    for (const fs::path& file : files) rows += parts.emplace_back(extract(load_plane(file))).rows();
    feature_matrix out(rows, channels);
    rows = 0;
    for (const feature_matrix& part : parts) out.middleRows(rows, part.rows()) = part, rows += part.rows();
    return out;
}

/// SimpleNet's discriminator Linear(C → H) + LeakyReLU(0.2) + Linear(H → 1); its output is a
/// normality score. SimpleNet has H = 1024 and BatchNorm after the first layer; H = 64 without
/// BatchNorm suffices for 144 features, trains fast, and keeps D a function of each row alone.
struct discriminator {
    Eigen::MatrixXf w1{channels, hidden};
    Eigen::RowVectorXf b1 = Eigen::RowVectorXf::Zero(hidden), w2{hidden};
    float b2 = 0.0f;
    feature_matrix z;  // the hidden pre-activations of the last forward pass

    discriminator() {  // Xavier-normal, as SimpleNet's init_weight
        ias::fill_normal(ias::rng_stream(seed, 0).fork(2), 0, {w1.data(), std::size_t(w1.size())}, 0.0f,
                         std::sqrt(2.0f / float(channels + hidden)));
        ias::fill_normal(ias::rng_stream(seed, 0).fork(3), 0, {w2.data(), std::size_t(w2.size())}, 0.0f,
                         std::sqrt(2.0f / float(hidden + 1)));
    }
    static float leaky(float v) { return v > 0.0f ? v : 0.2f * v; }
    static float leaky_slope(float v) { return v > 0.0f ? 1.0f : 0.2f; }

    Eigen::VectorXf forward(ias::feature::const_features x) {
        z = (x * w1).rowwise() + b1;
        return (z.unaryExpr(&leaky) * w2.transpose()).array() + b2;
    }
    /// ∂L/∂z from ∂L/∂score per row, for the rows of the last forward pass.
    feature_matrix backward(const Eigen::VectorXf& d_score) const {
        return ((d_score * w2).array() * z.unaryExpr(&leaky_slope).array()).matrix();
    }
};

/// Adam (Kingma & Ba, ICLR 2015) for one tensor; SimpleNet trains D with Adam too.
struct adam {
    Eigen::ArrayXf m, v;
    void step(float* parameters, const Eigen::ArrayXf& gradient, int t, float lr = 1e-3f) {
        if (m.size() == 0) m = v = Eigen::ArrayXf::Zero(gradient.size());
        m = 0.9f * m + 0.1f * gradient;
        v = 0.999f * v + 0.001f * gradient.square();
        const float c1 = 1.0f - std::pow(0.9f, float(t)), c2 = 1.0f - std::pow(0.999f, float(t));
        Eigen::Map<Eigen::ArrayXf>(parameters, gradient.size()) -= lr * (m / c1) / ((v / c2).sqrt() + 1e-8f);
    }
};

/// Trains D for `epochs` passes over the training rows; each batch is 256 normal rows q and
/// 256 synthetic anomalies made from them, by SimpleNet's Gaussian noise or by GAS.
void train(discriminator& d, const feature_matrix& normal, bool gas) {
    // GAS's hypersphere: the centre of the training features and GLASS's r, the 0.75 quantile
    // of their distances to it, measured once before training.
    const feature_matrix centre = normal.colwise().mean();
    std::vector<float> distances;
    const float radius = ias::feature::glass_radius(normal, centre, distances);
    ias::feature::glass_gas_scratch scratch;
    // The GAS hook: ∂L_g/∂g with GLASS's L_g = BCE(D(g), anomalous). D's score is a normality
    // logit, so P(anomalous) = σ(−D), L_g = softplus(D(g)) and ∂L_g/∂D = σ(D); backpropagate it
    // through D to the input. Ascending L_g moves g towards what D currently calls normal.
    auto gradient = [&d](ias::feature::const_features g, ias::feature::features out) {
        const Eigen::VectorXf d_score = (1.0f + (-d.forward(g).array()).exp()).inverse().matrix();
        out = d.backward(d_score) * d.w1.transpose();
    };
    std::vector<Eigen::Index> order(std::size_t(normal.rows()));
    std::iota(order.begin(), order.end(), Eigen::Index(0));
    adam adam_w1, adam_b1, adam_w2, adam_b2;
    feature_matrix q(batch, channels), fake(batch, channels), x(2 * batch, channels);
    Eigen::VectorXf d_score(2 * batch);
    int t = 0;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        ias::rng_stream(seed, 0, std::uint32_t(epoch)).fork(5).shuffle(std::span(order));
        for (Eigen::Index b = 0; b + batch <= normal.rows(); b += batch) {
            for (Eigen::Index i = 0; i < batch; ++i) q.row(i) = normal.row(order[std::size_t(b + i)]);
            const ias::rng_stream stream(seed, std::uint64_t(b / batch) + 1, std::uint32_t(epoch));
            if (gas)
                ias::feature::glass_gas(q, centre, radius, stream, gradient, fake, scratch, gas_options);
            else
                ias::feature::gaussian_feature_noise(q, stream, fake, {.sigma = sigma});
            x << q, fake;

            // SimpleNet's loss: mean(max(0, th − D(q))) + mean(max(0, th + D(q⁻))).
            const Eigen::VectorXf score = d.forward(x);
            for (Eigen::Index i = 0; i < 2 * batch; ++i) {
                const bool is_normal = i < batch;
                const float margin = is_normal ? threshold - score(i) : threshold + score(i);
                d_score(i) = margin > 0.0f ? (is_normal ? -1.0f : 1.0f) / float(batch) : 0.0f;
            }
            // Backward by hand through score = leaky(x·W1 + b1)·w2ᵀ + b2, then one Adam step.
            const feature_matrix d_z = d.backward(d_score);
            const Eigen::MatrixXf g_w1 = x.transpose() * d_z;
            const Eigen::RowVectorXf g_b1 = d_z.colwise().sum();
            const Eigen::RowVectorXf g_w2 = d_score.transpose() * d.z.unaryExpr(&discriminator::leaky);
            ++t;
            adam_w1.step(d.w1.data(), g_w1.reshaped().array(), t);
            adam_b1.step(d.b1.data(), g_b1.transpose().array(), t);
            adam_w2.step(d.w2.data(), g_w2.transpose().array(), t);
            adam_b2.step(&d.b2, Eigen::ArrayXf::Constant(1, d_score.sum()), t);
        }
    }
}

/// The area under the ROC curve of ranking `positive` scores above `negative` ones (the
/// Mann–Whitney statistic; ties count one half through average ranks).
double auroc(const std::vector<float>& positive, const std::vector<float>& negative) {
    std::vector<std::pair<float, bool>> all;
    for (float s : positive) all.emplace_back(s, true);
    for (float s : negative) all.emplace_back(s, false);
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double rank_sum = 0.0;
    for (std::size_t i = 0, j = 0; i < all.size(); i = j) {
        while (j < all.size() && all[j].first == all[i].first) ++j;
        for (std::size_t k = i; k < j; ++k) rank_sum += all[k].second ? 0.5 * double(i + 1 + j) : 0.0;
    }
    const double p = double(positive.size()), n = double(negative.size());
    return (rank_sum - p * (p + 1.0) / 2.0) / (p * n);
}

/// The anomaly score −D of every row.
std::vector<float> anomaly_scores(discriminator& d, const feature_matrix& f) {
    const Eigen::VectorXf score = -d.forward(f);
    return {score.data(), score.data() + score.size()};
}

struct defect_class {
    std::string name;
    feature_matrix features;
    std::vector<int> labels;  // per row: 1 defect, 0 clean
};

void report(discriminator& d, const feature_matrix& held, const std::vector<defect_class>& defects) {
    // Separation: held-out normal rows against synthetic anomalies made from them with a stream
    // no training batch used (SimpleNet's Gaussian noise, for both variants).
    feature_matrix fake(held.rows(), channels);
    ias::feature::gaussian_feature_noise(held, ias::rng_stream(seed, 0, 1000), fake, {.sigma = sigma});
    const std::vector<float> normal = anomaly_scores(d, held), synthetic = anomaly_scores(d, fake);
    auto mean_d = [](const std::vector<float>& s) { return -std::accumulate(s.begin(), s.end(), 0.0) / double(s.size()); };
    std::printf("  separation: held-out normal vs synthetic AUROC %.3f (mean D %.2f vs %.2f)\n", auroc(synthetic, normal),
                mean_d(normal), mean_d(synthetic));

    // Real defects: cells of the defect tiles against the held-out normal tiles' cells and the
    // clean cells of the defect tiles.
    std::vector<float> all_defect, all_clean = normal;
    std::string per_class;
    for (const defect_class& c : defects) {
        const std::vector<float> s = anomaly_scores(d, c.features);
        std::vector<float> defect, clean = normal;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (c.labels[i] == 1) defect.push_back(s[i]), all_defect.push_back(s[i]);
            else clean.push_back(s[i]), all_clean.push_back(s[i]);
        }
        char text[64];
        std::snprintf(text, sizeof text, "%s%s %.3f", per_class.empty() ? "" : ", ", c.name.c_str(), auroc(defect, clean));
        per_class += text;
    }
    std::printf("  real defects: cell AUROC %.3f (%s)\n", auroc(all_defect, all_clean), per_class.c_str());
}

}  // namespace

int main(int argc, char** argv) try {
    const std::string mode = argc == 3 ? argv[2] : "quick";
    if (argc < 2 || argc > 3 || (mode != "quick" && mode != "full")) {
        std::fprintf(stderr, "usage: %s <magnetic_tile folder> [quick|full]\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    for (const char* folder : {"MT_Free", "MT_Blowhole", "MT_Break", "MT_Fray"})
        if (!fs::is_directory(root / folder / "Imgs")) {
            std::fprintf(stderr, "error: %s is not a folder; pass the magnetic_tile data folder\n",
                         (root / folder / "Imgs").string().c_str());
            return 1;
        }
    const bool full = mode == "full";

    // The normal tiles in a seeded order, split 80/20 into training and held-out tiles.
    const extractor extract;
    std::vector<fs::path> normals = images_in(root / "MT_Free" / "Imgs");
    ias::rng_stream(seed, 0).fork(4).shuffle(std::span(normals));
    const auto split = std::ptrdiff_t(normals.size() * 4 / 5);
    std::vector<fs::path> train_files(normals.begin(), normals.begin() + split), held_files(normals.begin() + split, normals.end());
    if (!full) train_files.resize(std::min<std::size_t>(train_files.size(), 96));
    if (!full) held_files.resize(std::min<std::size_t>(held_files.size(), 40));
    feature_matrix normal = features_of(extract, train_files), held = features_of(extract, held_files);

    // Every channel standardised with the training statistics: SimpleNet's features come from a
    // BatchNorm'd backbone and a learnt adaptor; here unit variance sets the scale σ refers to.
    const Eigen::RowVectorXf mean = normal.colwise().mean();
    const Eigen::RowVectorXf inverse_std =
        ((normal.rowwise() - mean).array().square().colwise().mean().sqrt() + 1e-4f).inverse();
    auto standardise = [&](feature_matrix& f) { f = ((f.rowwise() - mean).array().rowwise() * inverse_std.array()).matrix(); };
    standardise(normal);
    standardise(held);

    // The defect tiles and their masks (<name>.png next to <name>.jpg): used only for evaluation.
    std::vector<defect_class> defects;
    std::string counts;
    for (const char* name : {"Blowhole", "Break", "Fray"}) {
        std::vector<fs::path> files = images_in(root / ("MT_" + std::string(name)) / "Imgs");
        if (!full) files.resize(std::min<std::size_t>(files.size(), 16));
        defect_class& c = defects.emplace_back(defect_class{name, features_of(extract, files), {}});
        for (const fs::path& file : files) {
            const std::vector<int> labels = cell_labels(fs::path(file).replace_extension(".png"));
            c.labels.insert(c.labels.end(), labels.begin(), labels.end());
        }
        if (c.labels.size() != std::size_t(c.features.rows()))
            throw std::runtime_error("the masks of MT_" + c.name + " do not match their images' sizes");
        const auto positives = std::count(c.labels.begin(), c.labels.end(), 1);
        if (positives == 0) throw std::runtime_error("MT_" + c.name + " has no defect cells");
        standardise(c.features);
        counts += (counts.empty() ? "" : ", ") + std::to_string(positives) + " " + name;
    }
    std::printf("features: %d per cell; %lld training cells from %zu normal tiles; %zu held-out normal tiles\n", channels,
                static_cast<long long>(normal.rows()), train_files.size(), held_files.size());
    std::printf("defect cells (any defect pixel): %s\n", counts.c_str());

    for (const bool gas : {false, true}) {
        std::printf("%s, %d epochs:\n", gas ? "SimpleNet + GLASS's GAS (hypersphere, 5 steps)" : "SimpleNet (Gaussian noise)",
                    epochs);
        discriminator d;
        train(d, normal, gas);
        report(d, held, defects);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
