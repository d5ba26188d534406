// SPDX-License-Identifier: MIT
// Downstream evidence: train a small U-Net on normal images plus ias synthetic anomalies (the
// recipes called per sample inside the training loop, as a user would), score it on real
// defects, and compare with the unsupervised per-pixel Gaussian baseline.
//
//   ias_downstream --normal DIR [--test-normal DIR | --holdout 0.2] --defects DIR [--defects DIR ...]
//                  --recipe NAME [--recipe ...] [--size 128] [--seed 0] [--budget-seconds 60]
//                  [--batch 16] [--threads 2] [--out report.json]
//
// Recipes: any registered recipe name, `prompt:TEXT` (procedural defects described in words),
// `one_of:a,b,...` (a uniform mixture), and `baseline` (no training: pixel_gaussian).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <ias/dataset/json.hpp>
#include <ias/eval/metrics.hpp>
#include <ias/eval/pixel_gaussian.hpp>
#include <ias/fn/resize.hpp>
#include <ias/io/stb.hpp>
#include <ias/io/texture_bank.hpp>
#include <ias/recipes.hpp>
#include <ias/transforms/procedural_defects.hpp>

#include "unet.hpp"

namespace fs = std::filesystem;

namespace {

/// An image at the working size (float, `channels` channels) and its mask (0 or 255).
struct test_image {
    std::string name;
    ias::image<float> image;
    ias::image<std::uint8_t> mask;
};

bool is_image_file(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tga";
}

/// `im` resized to size × size with `channels` channels (grey repeated, colour averaged to grey).
ias::image<float> prepared(const ias::any_image& im, int size, int channels) {
    ias::image<float> f;
    ias::assign_as_float(f, im);
    ias::image<float> adapted(f.width(), f.height(), channels);
    for (int y = 0; y < f.height(); ++y)
        for (int x = 0; x < f.width(); ++x) {
            const float grey = f.channels() >= 3 ? 0.299f * f(x, y, 0) + 0.587f * f(x, y, 1) + 0.114f * f(x, y, 2) : f(x, y, 0);
            for (int c = 0; c < channels; ++c) adapted(x, y, c) = channels == 3 && f.channels() >= 3 ? f(x, y, c) : grey;
        }
    ias::image<float> out(size, size, channels);
    ias::fn::resize_scratch scratch;
    ias::fn::resize_bilinear(std::as_const(adapted).view(), out.view(), scratch);
    return out;
}

ias::image<std::uint8_t> prepared_mask(const fs::path& file, int size) {
    const ias::image<float> m = prepared(ias::load_image(file, {.channels = 1}), size, 1);
    ias::image<std::uint8_t> out(size, size, 1);
    for (std::size_t i = 0; i < m.size(); ++i) out.data()[i] = m.data()[i] >= 0.5f ? 255 : 0;
    return out;
}

/// The images of a folder of normal images: every image file, except a .png that has an image
/// of the same stem beside it (the mask of the magnetic-tile layout).
std::vector<fs::path> normal_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<fs::path> images;
    for (const auto& f : files) {
        if (f.extension() == ".png") {
            bool has_image = false;
            for (const char* ext : {".jpg", ".jpeg", ".bmp"}) has_image = has_image || fs::exists(fs::path(f).replace_extension(ext));
            if (has_image) continue;
        }
        images.push_back(f);
    }
    if (images.empty()) throw ias::error("ias_downstream: no image in '" + dir.string() + "'");
    return images;
}

/// Defect images with their masks, in any of three layouts: `X.jpg` beside the mask `X.png`
/// (the magnetic tiles); MVTec AD's `test/<kind>/X.png` with `ground_truth/<kind>/X_mask.png`
/// (DIR is the category or one `test/<kind>` folder); an ias dataset's `images/X.png` and `masks/X.png`.
std::vector<test_image> load_defects(const fs::path& dir, int size, int channels) {
    std::vector<std::pair<fs::path, fs::path>> pairs;
    if (fs::is_directory(dir / "images") && fs::is_directory(dir / "masks")) {
        for (const auto& f : normal_files(dir / "images")) pairs.emplace_back(f, dir / "masks" / f.filename());
    } else if (fs::is_directory(dir / "test") || fs::is_directory(dir.parent_path().parent_path() / "ground_truth")) {
        const bool category = fs::is_directory(dir / "test");
        std::vector<fs::path> kinds;
        if (category) {
            for (const auto& e : fs::directory_iterator(dir / "test"))
                if (e.is_directory() && e.path().filename() != "good") kinds.push_back(e.path());
        } else {
            kinds.push_back(dir);
        }
        for (const auto& kind : kinds) {
            const fs::path truth = kind.parent_path().parent_path() / "ground_truth" / kind.filename();
            for (const auto& f : normal_files(kind)) pairs.emplace_back(f, truth / (f.stem().string() + "_mask.png"));
        }
    } else {
        for (const auto& f : normal_files(dir)) pairs.emplace_back(f, fs::path(f).replace_extension(".png"));
    }
    std::vector<test_image> out;
    for (const auto& [image, mask] : pairs) {
        if (!fs::exists(mask)) throw ias::error("ias_downstream: no mask '" + mask.string() + "' for the defect image '" + image.string() + "'");
        out.push_back({image.stem().string(), prepared(ias::load_image(image), size, channels), prepared_mask(mask, size)});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

/// A uniform mixture of recipes, chosen per sample.
struct mixture {
    static constexpr std::string_view name = "mixture";
    std::vector<ias::any_transform> members;
    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        const auto k = std::size_t(rng.integer(0, std::int64_t(members.size()) - 1));
        ias::run(members[k], s, rng);
    }
};

ias::any_transform make_recipe(const std::string& spec, const std::shared_ptr<const ias::texture_bank>& pool) {
    if (spec.rfind("prompt:", 0) == 0) return ias::any_transform(ias::procedural_defects::from_prompt(spec.substr(7)));
    if (spec.rfind("one_of:", 0) == 0) {
        mixture m;
        std::stringstream list(spec.substr(7));
        for (std::string part; std::getline(list, part, ',');) m.members.push_back(make_recipe(part, pool));
        if (m.members.empty()) throw std::invalid_argument("ias_downstream: '" + spec + "' names no recipe");
        return ias::any_transform(m);
    }
    return ias::recipes::make(spec, {}, nullptr, pool);
}

/// Copies images (HWC floats) into an N×C×H×W tensor.
void to_tensor(const ias::image<float>& im, torch::Tensor& batch, std::int64_t n) {
    auto acc = batch.accessor<float, 4>();
    for (int y = 0; y < im.height(); ++y)
        for (int x = 0; x < im.width(); ++x)
            for (int c = 0; c < im.channels(); ++c) acc[n][c][y][x] = im(x, y, c);
}

struct result {
    std::string recipe, defects;
    ias::eval::metrics_report metrics{};
    double train_seconds = 0, synth_seconds = 0;
    std::int64_t steps = 0;
};

/// Anomaly maps of `net` for `images`, one channel each.
std::vector<ias::image<float>> predict(ias_downstream::unet& net, const std::vector<const ias::image<float>*>& images) {
    torch::NoGradGuard no_grad;
    net->eval();
    std::vector<ias::image<float>> maps;
    for (const auto* im : images) {
        torch::Tensor x = torch::empty({1, im->channels(), im->height(), im->width()});
        to_tensor(*im, x, 0);
        const torch::Tensor p = torch::sigmoid(net->forward(x)).contiguous();
        ias::image<float> map(im->width(), im->height(), 1);
        std::copy_n(p.data_ptr<float>(), map.size(), map.data());
        maps.push_back(std::move(map));
    }
    return maps;
}

}  // namespace

int main(int argc, char** argv) try {
    std::map<std::string, std::vector<std::string>> args;
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        if (key.rfind("--", 0) != 0 || i + 1 >= argc) throw std::invalid_argument("ias_downstream: expected --option value, got '" + key + "'");
        args[key.substr(2)].push_back(argv[++i]);
    }
    const auto one = [&](const std::string& key, const std::string& fallback) {
        const auto it = args.find(key);
        return it == args.end() ? fallback : it->second.back();
    };
    if (!args.count("normal") || !args.count("defects") || !args.count("recipe"))
        throw std::invalid_argument("ias_downstream: --normal, --defects and --recipe are required");
    const int size = std::stoi(one("size", "128"));
    const std::uint64_t seed = std::stoull(one("seed", "0"));
    const double budget = std::stod(one("budget-seconds", "60"));
    const int batch = std::stoi(one("batch", "16"));
    const int channels = 1;  // the magnetic tiles are grey; colour data is scored on its luminance
    torch::set_num_threads(std::stoi(one("threads", "2")));
    torch::manual_seed(seed);

    // Normal images: training, and held-out normals for testing.
    auto files = normal_files(one("normal", ""));
    std::vector<fs::path> test_normal_files;
    if (args.count("test-normal")) {
        test_normal_files = normal_files(one("test-normal", ""));
    } else {
        const double holdout = std::stod(one("holdout", "0.2"));
        ias::rng_stream split(seed, 0xFFFFFFFF);
        split.shuffle(std::span<fs::path>(files));
        const auto n_test = std::size_t(double(files.size()) * holdout);
        test_normal_files.assign(files.begin(), files.begin() + std::ptrdiff_t(n_test));
        files.erase(files.begin(), files.begin() + std::ptrdiff_t(n_test));
        std::sort(files.begin(), files.end());
    }
    std::vector<ias::image<float>> normals;
    for (const auto& f : files) normals.push_back(prepared(ias::load_image(f), size, channels));
    std::vector<test_image> test_normals;
    for (const auto& f : test_normal_files)
        test_normals.push_back({f.stem().string(), prepared(ias::load_image(f), size, channels), ias::image<std::uint8_t>(size, size, 1, 0)});
    std::vector<std::pair<std::string, std::vector<test_image>>> defect_sets;
    for (const auto& d : args["defects"]) defect_sets.emplace_back(d, load_defects(d, size, channels));
    std::fprintf(stderr, "%zu training normals, %zu test normals, %zu defect folders\n", normals.size(), test_normals.size(), defect_sets.size());

    const auto pool = ias::texture_bank::from_images(normals);
    std::vector<result> results;
    const auto score = [&](const std::string& recipe, const auto& map_of, double train_s, double synth_s, std::int64_t steps) {
        for (const auto& [folder, defects] : defect_sets) {
            std::vector<ias::image<float>> maps;
            std::vector<ias::image<std::uint8_t>> masks;
            for (const std::vector<test_image>* set : {static_cast<const std::vector<test_image>*>(&test_normals), &defects})
                for (const auto& t : *set) maps.push_back(map_of(t.image)), masks.push_back(t.mask);
            result r{recipe, folder, ias::eval::evaluate(maps, masks), train_s, synth_s, steps};
            std::fprintf(stderr, "%-28s %-40s pixel AUROC %.3f  AUPRO %.3f  image AUROC %.3f\n", recipe.c_str(), folder.c_str(),
                         r.metrics.pixel_auroc, r.metrics.aupro, r.metrics.image_auroc);
            results.push_back(r);
        }
    };

    for (const auto& recipe : args["recipe"]) {
        if (recipe == "baseline") {
            const auto start = std::chrono::steady_clock::now();
            ias::eval::pixel_gaussian model({.per_position = false});
            for (const auto& im : normals) model.add(im.view());
            model.finish();
            const double fit = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            score(recipe, [&](const ias::image<float>& im) {
                ias::image<float> map(im.width(), im.height(), 1);
                model.score(im.view(), map.view());
                return map;
            }, fit, 0.0, 0);
            continue;
        }
        const ias::any_transform synth = make_recipe(recipe, pool);
        ias_downstream::unet net(channels, 12);
        torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-3));
        double synth_seconds = 0;
        std::int64_t steps = 0;
        const auto start = std::chrono::steady_clock::now();
        const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
        torch::Tensor x = torch::empty({batch, channels, size, size}), y = torch::empty({batch, 1, size, size});
        ias::sample s;
        ias::image<float> as_float;
        while (elapsed() < budget) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int b = 0; b < batch; ++b) {
                const std::uint64_t index = std::uint64_t(steps) * std::uint64_t(batch) + std::uint64_t(b);
                ias::rng_stream rng(seed, std::uint32_t(index));
                const auto k = std::size_t(rng.fork(0xABCD).integer(0, std::int64_t(normals.size()) - 1));
                s.clear_annotations();
                s.image.assign(normals[k].view());
                s.ensure_mask();
                s.source_index = std::int64_t(k);
                ias::run(synth, s, rng);
                ias::assign_as_float(as_float, s.image);
                to_tensor(as_float, x, b);
                to_tensor(s.mask, y, b);
            }
            synth_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            net->train();
            opt.zero_grad();
            const auto loss = ias_downstream::focal_loss(net->forward(x), y);
            loss.backward();
            opt.step();
            ++steps;
        }
        const double train_seconds = elapsed();
        std::fprintf(stderr, "%s: %lld steps in %.1f s, %.1f%% of it in ias\n", recipe.c_str(), static_cast<long long>(steps), train_seconds,
                     100.0 * synth_seconds / train_seconds);
        score(recipe, [&](const ias::image<float>& im) { return std::move(predict(net, {&im})[0]); }, train_seconds, synth_seconds, steps);
    }

    // The report.
    std::string json = "{\"results\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        if (i) json += ',';
        json += "{\"recipe\":";
        ias::dataset::append_json_string(json, r.recipe);
        json += ",\"defects\":";
        ias::dataset::append_json_string(json, r.defects);
        for (const auto& [key, value] : {std::pair<const char*, double>{"pixel_auroc", r.metrics.pixel_auroc}, {"aupro", r.metrics.aupro},
                                         {"image_auroc", r.metrics.image_auroc}, {"train_seconds", r.train_seconds},
                                         {"synth_seconds", r.synth_seconds}}) {
            json += ",\"";
            json += key;
            json += "\":";
            ias::dataset::append_json_number(json, value);
        }
        json += ",\"steps\":" + std::to_string(r.steps) + "}";
    }
    json += "]}\n";
    const fs::path out = one("out", "report.json");
    std::ofstream(out) << json;
    std::printf("wrote %s (%zu results)\n", out.string().c_str(), results.size());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
}
