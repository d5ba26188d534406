// SPDX-License-Identifier: MIT
// Downstream evidence (issue 10): does training on normal images plus ias anomalies find real
// defects the detector never saw? A small U-Net learns to predict the synthetic mask from the
// synthetic image, as DRAEM's discriminative network does (Zavrtanik et al., ICCV 2021), with
// the recipes called per sample inside the training loop exactly as a user would call them.
// It is scored on real defects with ground-truth masks, beside the unsupervised per-pixel
// Gaussian baseline fitted to the same normal images. Run with --help for the options.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <ias/baseline/pixel_gaussian.hpp>
#include <ias/core/json.hpp>
#include <ias/dataset/defect_folders.hpp>
#include <ias/dataset/preview.hpp>
#include <ias/eval/metrics.hpp>
#include <ias/fn/resize.hpp>
#include <ias/io/files.hpp>
#include <ias/io/stb.hpp>
#include <ias/io/texture_bank.hpp>
#include <ias/recipes/config.hpp>

#include "unet.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* usage = R"(ias_downstream: train a small U-Net on normal images plus ias anomalies, score it on real defects

  ias_downstream --normal DIR --defects DIR [--defects DIR ...] --recipe R [--recipe R ...] [options]

  --normal DIR          normal training images (recursive; a .png beside a same-stem .jpg is a mask, skipped)
  --test-normal DIR     normal test images; without it, --holdout of --normal is held out for testing
  --holdout F           share of --normal held out when there is no --test-normal (default 0.2; a fixed
                        split, the same for every seed)
  --defects DIR         defect images with masks, repeatable: X.jpg beside the mask X.png (magnetic tiles);
                        an MVTec AD category or one of its test/<kind> folders (ground_truth/<kind>/X_mask.png);
                        an ias dataset (images/X.png, masks/X.png)
  --recipe R            repeatable: a registered recipe name (see `ias recipes`), FILE.json (a recipe with
                        changed parameters, as `ias recipe NAME --json` prints it), prompt:TEXT (procedural
                        defects in words), one_of:A,B,... (a uniform mixture), baseline (the unsupervised
                        per-pixel Gaussian, shared by all positions) or baseline:per_position
  --seed S              repeatable (default 0); every recipe is trained once per seed
  --textures DIR        anomaly textures for the texture recipes (draem, ...), as DTD is for DRAEM
                        (default: ias's procedural textures)
  --size N              images are resized to N x N grey (default 128)
  --budget-seconds T    training time per recipe and seed (default 60)
  --steps N             at most N steps of --batch samples (default 0: no limit but the budget)
  --batch N             samples per step (default 16)
  --threads N           torch threads (default 2)
  --previews N          defect images per preview sheet (default 4; 0 writes none)
  --out FILE            the JSON report (default report.json); FILE's stem .md is the markdown table and
                        FILE's stem _previews/ holds input | true mask | predicted map sheets for the first seed
)";

/// A wrong command line: main prints the message and the usage and exits with 2.
struct usage_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct options {
    fs::path normal, test_normal, textures, out = "report.json";
    double holdout = 0.2, budget_seconds = 60;
    std::vector<std::string> defects, recipes;
    std::vector<std::uint64_t> seeds;
    int size = 128, batch = 16, threads = 2, previews = 4;
    std::int64_t steps = 0;
};

template <class T>
T parsed(const std::string& option, const std::string& text, T low, T high) {
    T value{};
    std::istringstream in(text);
    if (!(in >> value) || !in.eof() || value < low || value > high)
        throw usage_error("ias_downstream: " + option + " is '" + text + "'; it must be a number in [" + std::to_string(low) +
                          ", " + std::to_string(high) + "]");
    return value;
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string key = argv[i];
        if (key == "--help" || key == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) throw usage_error("ias_downstream: " + key + " needs a value");
        const std::string value = argv[++i];
        if (key == "--normal") o.normal = value;
        else if (key == "--test-normal") o.test_normal = value;
        else if (key == "--holdout") o.holdout = parsed(key, value, 0.0, 0.9);
        else if (key == "--defects") o.defects.push_back(value);
        else if (key == "--textures") o.textures = value;
        else if (key == "--recipe") o.recipes.push_back(value);
        else if (key == "--seed") o.seeds.push_back(parsed<std::uint64_t>(key, value, 0, UINT64_MAX));
        else if (key == "--size") o.size = parsed(key, value, 16, 1024);
        else if (key == "--budget-seconds") o.budget_seconds = parsed(key, value, 0.0, 1e7);
        else if (key == "--steps") o.steps = parsed<std::int64_t>(key, value, 0, INT64_MAX);
        else if (key == "--batch") o.batch = parsed(key, value, 1, 1024);
        else if (key == "--threads") o.threads = parsed(key, value, 1, 256);
        else if (key == "--previews") o.previews = parsed(key, value, 0, 64);
        else if (key == "--out") o.out = value;
        else throw usage_error("ias_downstream: unknown option '" + key + "'");
    }
    if (o.normal.empty() || o.defects.empty() || o.recipes.empty())
        throw usage_error("ias_downstream: --normal, --defects and --recipe are required");
    if (o.size % 8 != 0) throw usage_error("ias_downstream: --size is " + std::to_string(o.size) + "; the U-Net needs a multiple of 8");
    if (o.seeds.empty()) o.seeds.push_back(0);
    return o;
}

/// An image at the working size, grey, in [0, 1], and its mask (0 or 255; all 0 for a normal).
struct labelled_image {
    std::string name;
    ias::image<float> image;
    ias::image<std::uint8_t> mask;
};

/// The file at size × size, grey (colour is scored on its luminance), in [0, 1].
ias::image<float> prepared(const fs::path& file, int size) {
    ias::image<float> grey;
    ias::assign_as_float(grey, ias::load_image(file, {.channels = 1}));
    ias::image<float> out(size, size, 1);
    ias::fn::resize_scratch scratch;
    ias::fn::resize_bilinear(std::as_const(grey).view(), out.view(), scratch);
    return out;
}

ias::image<std::uint8_t> prepared_mask(const fs::path& file, int size) {
    const ias::image<float> m = prepared(file, size);
    ias::image<std::uint8_t> out(size, size, 1);
    std::transform(m.data(), m.data() + m.size(), out.data(), [](float v) { return std::uint8_t(v >= 0.5f ? 255 : 0); });
    return out;
}

/// Defect images and their masks in any of the three layouts --help lists.
std::vector<labelled_image> load_defects(const fs::path& dir, int size) {
    std::vector<labelled_image> out;
    for (const auto& [image, mask] : ias::dataset::find_masked_images(dir))
        out.push_back({image.stem().string(), prepared(image, size), prepared_mask(mask, size)});
    return out;
}

/// The recipe of a --recipe value: a name, FILE.json, prompt:TEXT or one_of:A,B,... (a uniform mixture).
ias::recipes::recipe_spec recipe_of(const std::string& text) {
    if (text.rfind("prompt:", 0) == 0) return {.recipe = "prompt", .parameters = {{"text", text.substr(7)}}};
    if (text.rfind("one_of:", 0) == 0) {
        ias::recipes::recipe_spec mixture{.recipe = std::string(ias::recipes::mixture)};
        std::stringstream list(text.substr(7));
        for (std::string part; std::getline(list, part, ',');) mixture.members.push_back(recipe_of(part));
        return mixture;
    }
    if (text.ends_with(".json")) return ias::recipes::read_config_file(text);
    return {.recipe = text};
}

/// Copies an image (H × W × C, interleaved) into item n of an N × C × H × W float tensor.
template <class T>
void copy_into(const ias::image<T>& im, torch::Tensor& batch, std::int64_t n) {
    float* out = batch.data_ptr<float>() + n * batch.stride(0);
    const std::int64_t plane = std::int64_t(im.width()) * im.height();
    for (int c = 0; c < im.channels(); ++c)
        for (std::int64_t i = 0; i < plane; ++i) out[c * plane + i] = float(im.data()[i * im.channels() + c]) ;
}

using anomaly_map = std::function<ias::image<float>(const ias::image<float>&)>;

struct trained_detector {
    anomaly_map map_of;
    double train_seconds = 0, synth_seconds = 0;
    std::int64_t steps = 0;
};

/// The unsupervised baseline: pixel_gaussian fitted to the training normals.
trained_detector fit_baseline(bool per_position, const std::vector<ias::image<float>>& normals) {
    const auto start = std::chrono::steady_clock::now();
    auto model = std::make_shared<ias::baseline::pixel_gaussian>(ias::baseline::pixel_gaussian_settings{.per_position = per_position});
    for (const auto& im : normals) model->add(im.view());
    model->finish();
    trained_detector d;
    d.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    d.map_of = [model](const ias::image<float>& im) {
        ias::image<float> map(im.width(), im.height(), 1);
        model->score(im.view(), map.view());
        return map;
    };
    return d;
}

/// Trains a U-Net on samples of `synth` made from random normals, sample i of the run drawn
/// with rng_stream(seed, i), for the step or time budget.
trained_detector train_unet(const ias::any_transform& synth, const std::vector<ias::image<float>>& normals, const options& o,
                            std::uint64_t seed) {
    torch::manual_seed(seed);
    ias_downstream::unet net(1, 12);
    torch::optim::Adam optimiser(net->parameters(), torch::optim::AdamOptions(1e-3));
    torch::Tensor x = torch::empty({o.batch, 1, o.size, o.size}), y = torch::empty({o.batch, 1, o.size, o.size});
    ias::sample s;
    ias::image<float> as_float;
    trained_detector d;
    const auto start = std::chrono::steady_clock::now();
    const auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
    while (since(start) < o.budget_seconds && (o.steps == 0 || d.steps < o.steps)) {
        const auto synth_start = std::chrono::steady_clock::now();
        for (int b = 0; b < o.batch; ++b) {
            ias::rng_stream rng(seed, std::uint64_t(d.steps) * std::uint64_t(o.batch) + std::uint64_t(b));
            const auto k = std::size_t(rng.fork(0).integer(0, std::int64_t(normals.size()) - 1));
            s.clear_annotations();
            s.image.assign(normals[k].view());
            s.ensure_mask();
            s.source_index = std::int64_t(k);
            ias::rng_stream synth_rng = rng.fork(1);
            ias::run(synth, s, synth_rng);
            ias::assign_as_float(as_float, s.image);
            copy_into(as_float, x, b);
            copy_into(s.mask, y, b);
        }
        d.synth_seconds += since(synth_start);
        net->train();
        optimiser.zero_grad();
        ias_downstream::focal_loss(net->forward(x), y).backward();
        optimiser.step();
        ++d.steps;
    }
    d.train_seconds = since(start);
    net->eval();
    d.map_of = [net](const ias::image<float>& im) mutable {
        torch::NoGradGuard no_grad;
        torch::Tensor input = torch::empty({1, 1, im.height(), im.width()});
        copy_into(im, input, 0);
        const torch::Tensor p = torch::sigmoid(net->forward(input)).contiguous();
        ias::image<float> map(im.width(), im.height(), 1);
        std::copy_n(p.data_ptr<float>(), map.size(), map.data());
        return map;
    };
    return d;
}

struct result {
    std::string recipe, defects;
    std::uint64_t seed = 0;
    ias::eval::metrics_report metrics{};
    double train_seconds = 0, synth_seconds = 0;
    std::int64_t steps = 0;
};

/// A sheet of `rows` defect images: input | true mask | predicted map (scaled by the sheet's
/// maximum), one row per image.
void save_preview(const fs::path& file, const std::vector<labelled_image>& defects, const std::vector<ias::image<float>>& maps, int rows) {
    rows = std::min<int>(rows, int(defects.size()));
    if (rows == 0) return;
    float top = 1e-12f;
    for (int r = 0; r < rows; ++r) top = std::max(top, *std::max_element(maps[std::size_t(r)].data(), maps[std::size_t(r)].data() + maps[std::size_t(r)].size()));
    ias::dataset::contact_sheet sheet(3, rows, defects[0].image.width());
    for (int r = 0; r < rows; ++r) {
        sheet.put(0, r, defects[std::size_t(r)].image);
        sheet.put(1, r, defects[std::size_t(r)].mask);
        sheet.put(2, r, maps[std::size_t(r)], nullptr, 1.0f / top);
    }
    ias::save_image(file, sheet.image().view());
}

std::string file_safe(const std::string& text) {
    std::string out;
    for (const char c : text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

std::string report_json(const std::vector<result>& results) {
    std::string json = "{\"results\":[";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        json += i ? ",\n" : "\n";
        json += "{\"recipe\":";
        ias::append_json_string(json, r.recipe);
        json += ",\"defects\":";
        ias::append_json_string(json, r.defects);
        json += ",\"seed\":" + std::to_string(r.seed);
        for (const auto& [key, value] : {std::pair<const char*, double>{"pixel_auroc", r.metrics.pixel_auroc}, {"aupro", r.metrics.aupro},
                                         {"image_auroc", r.metrics.image_auroc}, {"pixel_ap", r.metrics.pixel_ap},
                                         {"train_seconds", r.train_seconds}, {"synth_seconds", r.synth_seconds}}) {
            json += ",\"";
            json += key;
            json += "\":";
            ias::append_json_number(json, value);
        }
        json += ",\"steps\":" + std::to_string(r.steps) + "}";
    }
    return json + "\n]}\n";
}

/// "0.912 ± 0.034" over the seeds (sample standard deviation), or "0.912" for one seed.
std::string mean_and_spread(const std::vector<double>& v) {
    double mean = 0, square = 0;
    for (const double x : v) mean += x / double(v.size());
    for (const double x : v) square += (x - mean) * (x - mean);
    char text[64];
    if (v.size() < 2) std::snprintf(text, sizeof text, "%.3f", mean);
    else std::snprintf(text, sizeof text, "%.3f ± %.3f", mean, std::sqrt(square / double(v.size() - 1)));
    return text;
}

/// Short column titles for the defect folders: their paths without the components that all
/// share at the start and at the end (.../MT_Blowhole/Imgs and .../MT_Break/Imgs give
/// MT_Blowhole and MT_Break); a lone folder is titled by its name.
std::vector<std::string> column_titles(const std::vector<std::string>& folders) {
    std::vector<std::vector<std::string>> parts;
    for (const auto& f : folders) {
        parts.emplace_back();
        for (const auto& p : fs::path(f).lexically_normal())
            if (!p.empty() && p != "/") parts.back().push_back(p.string());
    }
    const auto all_share = [&](auto component_of) {
        return std::all_of(parts.begin(), parts.end(), [&](const auto& p) { return p.size() > 1 && component_of(p) == component_of(parts[0]); });
    };
    while (parts.size() > 1 && all_share([](const auto& p) { return p.front(); }))
        for (auto& p : parts) p.erase(p.begin());
    while (parts.size() > 1 && all_share([](const auto& p) { return p.back(); }))
        for (auto& p : parts) p.pop_back();
    std::vector<std::string> titles;
    for (const auto& p : parts) {
        std::string title = parts.size() > 1 ? p.front() : p.back();
        for (std::size_t j = 1; parts.size() > 1 && j < p.size(); ++j) title += "/" + p[j];
        titles.push_back(title);
    }
    return titles;
}

/// One markdown table per metric: a row per recipe, a column per defect folder, mean ± std over seeds.
std::string report_markdown(const std::vector<result>& results, const options& o) {
    std::string md = "Seeds: " + std::to_string(o.seeds.size()) + "; size " + std::to_string(o.size) + "²; batch " + std::to_string(o.batch) +
                     "; budget " + (o.steps ? std::to_string(o.steps) + " steps or " : std::string()) +
                     std::to_string(int(o.budget_seconds)) + " s per recipe and seed.\n";
    const std::pair<const char*, double ias::eval::metrics_report::*> metrics[] = {{"pixel AUROC", &ias::eval::metrics_report::pixel_auroc},
                                                                                  {"AUPRO", &ias::eval::metrics_report::aupro},
                                                                                  {"image AUROC", &ias::eval::metrics_report::image_auroc}};
    for (const auto& [title, field] : metrics) {
        md += "\n| " + std::string(title) + " |";
        for (const auto& title : column_titles(o.defects)) md += " " + title + " |";
        md += " steps | share in ias |\n|---|";
        for (std::size_t i = 0; i < o.defects.size() + 2; ++i) md += "---|";
        md += "\n";
        for (const auto& recipe : o.recipes) {
            md += "| " + recipe + " |";
            double steps = 0, train = 0, synth = 0;
            for (const auto& d : o.defects) {
                std::vector<double> values;
                for (const auto& r : results)
                    if (r.recipe == recipe && r.defects == d) values.push_back(r.metrics.*field), steps += double(r.steps), train += r.train_seconds, synth += r.synth_seconds;
                md += " " + mean_and_spread(values) + " |";
            }
            char tail[64];
            std::snprintf(tail, sizeof tail, " %.0f | %.1f%% |\n", steps / double(o.defects.size() * o.seeds.size()), train > 0 ? 100.0 * synth / train : 0.0);
            md += tail;
        }
    }
    return md;
}

}  // namespace

int main(int argc, char** argv) try {
    const options o = parse(argc, argv);
    torch::set_num_threads(o.threads);
    at::globalContext().setFlushDenormal(true);  // denormal activations slow CPU convolutions many times over

    // The normals: training, and held out for testing by a split that does not depend on --seed.
    std::vector<fs::path> train_files = ias::dataset::find_images(o.normal), test_files;
    if (!o.test_normal.empty()) {
        test_files = ias::dataset::find_images(o.test_normal);
    } else {
        ias::rng_stream split(0, 0);
        split.shuffle(std::span<fs::path>(train_files));
        const auto held_out = std::ptrdiff_t(double(train_files.size()) * o.holdout);
        test_files.assign(train_files.begin(), train_files.begin() + held_out);
        train_files.erase(train_files.begin(), train_files.begin() + held_out);
        std::sort(train_files.begin(), train_files.end());
    }
    if (train_files.empty()) throw ias::error("ias_downstream: no training normals are left after the hold-out");
    std::vector<ias::image<float>> normals;
    for (const auto& f : train_files) normals.push_back(prepared(f, o.size));
    std::vector<labelled_image> test_normals;
    for (const auto& f : test_files) test_normals.push_back({f.stem().string(), prepared(f, o.size), ias::image<std::uint8_t>(o.size, o.size, 1, 0)});
    std::vector<std::vector<labelled_image>> defect_sets;
    for (const auto& d : o.defects) defect_sets.push_back(load_defects(d, o.size));
    std::fprintf(stderr, "%zu training normals, %zu test normals, %zu defect folders\n", normals.size(), test_normals.size(), defect_sets.size());

    const auto pool = ias::texture_bank::from_images(normals);  // the second images of the two-image recipes
    const auto textures = o.textures.empty() ? nullptr : ias::texture_bank::load(o.textures);
    // Made up front, so that a wrong name fails before any training; none for the baselines.
    std::vector<std::optional<ias::any_transform>> recipes;
    for (const auto& r : o.recipes) {
        const bool baseline = r == "baseline" || r == "baseline:per_position";
        try {
            recipes.push_back(baseline ? std::nullopt : std::optional(ias::recipes::make(recipe_of(r), textures, pool)));
        } catch (const std::exception& e) {
            throw usage_error(std::string("ias_downstream: --recipe '") + r + "': " + e.what());
        }
    }

    const fs::path previews = fs::path(o.out).replace_extension().string() + "_previews";
    if (o.previews > 0) fs::create_directories(previews);
    const std::vector<std::string> titles = column_titles(o.defects);
    std::vector<result> results;
    for (const std::uint64_t seed : o.seeds)
        for (std::size_t k = 0; k < recipes.size(); ++k) {
            const std::string& recipe = o.recipes[k];
            const trained_detector d = recipes[k] ? train_unet(*recipes[k], normals, o, seed)
                                                  : fit_baseline(recipe == "baseline:per_position", normals);
            std::fprintf(stderr, "seed %llu, %s: %lld steps in %.1f s, %.1f%% of it in ias\n", static_cast<unsigned long long>(seed),
                         recipe.c_str(), static_cast<long long>(d.steps), d.train_seconds,
                         d.train_seconds > 0 ? 100.0 * d.synth_seconds / d.train_seconds : 0.0);
            std::vector<ias::image<float>> normal_maps;
            for (const auto& t : test_normals) normal_maps.push_back(d.map_of(t.image));
            for (std::size_t j = 0; j < defect_sets.size(); ++j) {
                std::vector<ias::image<float>> maps = normal_maps;
                std::vector<ias::image<std::uint8_t>> masks;
                for (const auto& t : test_normals) masks.push_back(t.mask);
                for (const auto& t : defect_sets[j]) maps.push_back(d.map_of(t.image)), masks.push_back(t.mask);
                result r{recipe, o.defects[j], seed, ias::eval::evaluate(maps, masks), d.train_seconds, d.synth_seconds, d.steps};
                std::fprintf(stderr, "  %-40s pixel AUROC %.3f  AUPRO %.3f  image AUROC %.3f\n", o.defects[j].c_str(), r.metrics.pixel_auroc,
                             r.metrics.aupro, r.metrics.image_auroc);
                results.push_back(r);
                if (o.previews > 0 && seed == o.seeds.front())
                    save_preview(previews / (file_safe(recipe) + "__" + file_safe(titles[j]) + ".png"),
                                 defect_sets[j], std::vector<ias::image<float>>(maps.begin() + std::ptrdiff_t(test_normals.size()), maps.end()),
                                 o.previews);
            }
        }

    const auto write_text = [](const fs::path& file, const std::string& text) {
        ias::write_file_atomically(file, text);
    };
    write_text(o.out, report_json(results));
    write_text(fs::path(o.out).replace_extension(".md"), report_markdown(results, o));
    std::printf("wrote %s and its .md (%zu results)\n", o.out.string().c_str(), results.size());
    return 0;
} catch (const usage_error& e) {
    std::fprintf(stderr, "%s\n\n%s", e.what(), usage);
    return 2;
} catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
}
