// SPDX-License-Identifier: MIT
// The ias command-line tool: generate synthetic defect datasets, list and configure recipes,
// preview them, evaluate anomaly maps. It parses arguments and wires the library; all logic
// lives in include/ias.
//
// Exit codes: 0 success; 1 a run that failed (unreadable input, disk error, bad data);
// 2 a command line or configuration that is wrong (nothing was done).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <ias/dataset/inputs.hpp>
#include <ias/dataset/writer.hpp>
#include <ias/eval/score_maps.hpp>
#include <ias/generate.hpp>
#include <ias/io/stb.hpp>
#include <ias/io/texture_bank.hpp>
#include <ias/recipes.hpp>
#include <ias/transforms/foreground.hpp>
#include <ias/transforms/procedural_defects.hpp>

#include "recipe_config.hpp"

namespace fs = std::filesystem;

namespace {

/// A command line that is wrong: exit code 2, the message and a pointer to --help.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

constexpr std::string_view main_help = R"(ias: industrial anomaly synthesis

usage: ias <command> [options]    (ias <command> --help for its options)

commands:
  generate   write a synthetic defect dataset (images, masks, manifest.jsonl) from normal images
  preview    a contact sheet (original, synthetic, mask overlay) of a recipe on some inputs
  recipes    list the recipes with their parameters and defaults
  recipe     print one recipe's configuration as JSON (edit it, pass it back with --config)
  eval       image AUROC, pixel AUROC, AUPRO and pixel AP of anomaly maps against masks
)";

constexpr std::string_view generate_help = R"(usage: ias generate --input DIR (--recipe NAME | --config FILE.json | --prompt TEXT)
                    --count N --out DIR [options]

  --input DIR        normal images (recursive), or an MVTec AD category folder (its train/good)
  --recipe NAME      a registered recipe (ias recipes lists them)
  --config FILE      a recipe configuration as `ias recipe NAME --json` prints it
  --prompt TEXT      procedural defects from a prompt ("two long thin dark scratches and a pore")
  --count N          samples to write; sample i comes from input i mod (number of inputs)
  --out DIR          output: images/, masks/, records/, manifest.jsonl
  --seed S           dataset seed (default 0): the same arguments give the same bytes
  --threads T        worker threads (default: all cores); the output does not depend on it
  --shard K/N        write only the indices i with i mod N == K
  --size WxH         resize every input to W x H first
  --foreground M     none (default), auto (estimated per image), or a folder of masks
                     matching the inputs' relative paths (.png, or MVTec's <stem>_mask.png)
  --textures DIR     anomaly textures for the texture recipes (default: procedural)
  --resume           keep finished samples in --out and write the rest
  --force            empty --out's images/, masks/, records/ and manifest first
  --on-error MODE    fail (default) or skip: what an unreadable input does
)";

constexpr std::string_view preview_help = R"(usage: ias preview --input DIR (--recipe NAME | --config FILE | --prompt TEXT) --out SHEET.png
                   [-n N] [--seed S] [--size WxH]

  one row per sample: the input, the synthetic sample, the sample with its mask in red
)";

constexpr std::string_view recipes_help = R"(usage: ias recipes

  lists every recipe with its parameters: name, kind, default, range and meaning
)";

constexpr std::string_view recipe_help = R"(usage: ias recipe NAME --json

  prints {"recipe": NAME, "parameters": {...defaults...}}; edit it and pass it to --config
)";

constexpr std::string_view eval_help = R"(usage: ias eval --scores DIR --ground-truth DIR [--json]

  anomaly maps (.npy float32/float64, .pfm, 8- or 16-bit grey .png) matched by file stem to
  ground-truth masks (.png, nonzero = anomalous, or MVTec's <stem>_mask.png); an image without
  a mask is normal. Prints image AUROC (image score: the map's maximum), pixel AUROC, AUPRO
  (to FPR 0.3) and pixel AP; --json prints one JSON object.
)";

/// The options of one command: `--name value` pairs and `--flag`s, in any order.
class arguments {
public:
    arguments(int argc, char** argv, int first, std::vector<std::string_view> flags) {
        for (int i = first; i < argc; ++i) {
            std::string_view a = argv[i];
            if (a == "-n") a = "--n";
            if (a.rfind("--", 0) != 0) {
                positional_.emplace_back(a);
                continue;
            }
            std::string key(a.substr(2));
            if (std::find(flags.begin(), flags.end(), key) != flags.end()) {
                values_[key] = "";
                continue;
            }
            if (i + 1 >= argc) throw usage_error("option --" + key + " needs a value");
            if (values_.count(key)) throw usage_error("option --" + key + " is given twice");
            values_[key] = argv[++i];
        }
    }
    bool has(const std::string& key) const { return values_.count(key) != 0; }
    std::optional<std::string> get(const std::string& key) const {
        const auto it = values_.find(key);
        return it == values_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    std::string required(const std::string& key) const {
        if (auto v = get(key)) return *v;
        throw usage_error("option --" + key + " is required");
    }
    std::uint64_t number(const std::string& key, std::uint64_t fallback) const {
        const auto v = get(key);
        if (!v) return fallback;
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc() || end != v->data() + v->size())
            throw usage_error("option --" + key + " is '" + *v + "'; it must be a whole number >= 0");
        return n;
    }
    /// Throws unless every option given is one of `known`.
    void only(std::initializer_list<std::string_view> known) const {
        for (const auto& [key, value] : values_)
            if (std::find(known.begin(), known.end(), key) == known.end()) throw usage_error("unknown option --" + key);
        if (!positional_.empty()) throw usage_error("unexpected argument '" + positional_.front() + "'");
    }
    const std::vector<std::string>& positional() const { return positional_; }
    void drop_positional() { positional_.clear(); }

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> positional_;
};

/// What to synthesise, from --recipe, --config or --prompt, and its name for the manifest.
struct synthesis {
    ias::any_transform transform;
    std::string label;
};

synthesis choose_synthesis(const arguments& args, std::shared_ptr<const ias::texture_bank> textures,
                           std::shared_ptr<const ias::texture_bank> pool) {
    const int given = int(args.has("recipe")) + int(args.has("config")) + int(args.has("prompt"));
    if (given != 1) throw usage_error("give exactly one of --recipe, --config and --prompt");
    try {
        if (const auto prompt = args.get("prompt")) {
            auto stage = ias::procedural_defects::from_prompt(*prompt);
            stage.validate();
            return {ias::any_transform(stage), "procedural_defects: " + ias::to_prompt(stage.specs)};
        }
        recipe_config config;
        if (const auto file = args.get("config")) config = read_config(*file);
        else config.name = *args.get("recipe");
        return {ias::recipes::make(config.name, config.overrides, textures, pool), config.name};
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    } catch (const ias::error& e) {
        throw usage_error(e.what());
    }
}

/// W x H from "WxH".
std::pair<int, int> parse_size(const std::string& text) {
    int w = 0, h = 0;
    const auto x = text.find('x');
    const auto parse = [&](std::string_view part, int& out) {
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && end == part.data() + part.size() && out >= 1 && out <= 65536;
    };
    if (x == std::string::npos || !parse(std::string_view(text).substr(0, x), w) || !parse(std::string_view(text).substr(x + 1), h))
        throw usage_error("--size is '" + text + "'; it must be WxH with whole numbers from 1 to 65536, such as 256x256");
    return {w, h};
}

/// An input image decoded and prepared (resized), or why it could not be.
struct loaded_input {
    ias::any_image image;
    ias::image<float> foreground;
    std::string problem;
};

ias::any_image resized(const ias::any_image& im, std::optional<std::pair<int, int>> size) {
    if (!size || (im.width() == size->first && im.height() == size->second)) return im;
    ias::image<float> out(size->first, size->second, im.channels());
    ias::fn::resize_scratch scratch;
    im.visit([&](auto v) { ias::fn::resize_bilinear(ias::image_view<const typename decltype(v)::value_type>(v), out.view(), scratch); });
    if (im.holds<float>()) return ias::any_image(std::move(out));
    ias::image<std::uint8_t> bytes(out.width(), out.height(), out.channels());
    ias::convert_pixels(std::as_const(out).view(), bytes.view());
    return ias::any_image(std::move(bytes));
}

/// Decodes every input once (a corrupt file is found before any sample is written) and loads
/// the foreground masks of --foreground DIR.
std::vector<loaded_input> load_inputs(const ias::dataset::input_set& inputs, std::optional<std::pair<int, int>> size,
                                      const std::optional<fs::path>& mask_dir) {
    std::vector<loaded_input> loaded(inputs.relative.size());
    for (std::size_t k = 0; k < loaded.size(); ++k) {
        const fs::path file = inputs.root / inputs.relative[k];
        try {
            loaded[k].image = resized(ias::load_image(file), size);
            if (mask_dir) {
                const fs::path mask = ias::dataset::matching_mask(*mask_dir, inputs.relative[k]);
                if (mask.empty())
                    throw ias::error("no foreground mask for '" + inputs.relative[k].generic_string() + "' in '" + mask_dir->string() + "'");
                ias::image<float> fg;
                ias::assign_as_float(fg, resized(ias::load_image(mask, {.channels = 1}), size));
                const int w = loaded[k].image.width(), h = loaded[k].image.height();
                if (fg.width() != w || fg.height() != h)
                    throw ias::error("the foreground mask '" + mask.string() + "' is " + std::to_string(fg.width()) + "x" +
                                     std::to_string(fg.height()) + " but its image is " + std::to_string(w) + "x" + std::to_string(h));
                loaded[k].foreground = std::move(fg);
            }
        } catch (const std::exception& e) {
            loaded[k].problem = e.what();
            if (loaded[k].problem.find(file.string()) == std::string::npos) loaded[k].problem = file.string() + ": " + loaded[k].problem;
        }
    }
    return loaded;
}

/// The inputs and synthesis of `generate` and `preview`. The readable inputs, as RGB, are
/// also the pool the two-image recipes (nsa, fpi, pii) take foreign images from; `pool_index`
/// is each input's place in it (-1 for an unreadable one).
struct job {
    ias::dataset::input_set inputs;
    std::vector<loaded_input> loaded;
    std::vector<std::int64_t> pool_index;
    synthesis synth;
};

/// Estimates the foreground, then runs the recipe: `--foreground auto`.
struct with_estimated_foreground {
    static constexpr std::string_view name = "with_estimated_foreground";
    ias::any_transform recipe;
    void operator()(ias::sample& s, ias::rng_stream& rng) const {
        ias::run(ias::estimate_foreground{}, s, rng);
        ias::run(recipe, s, rng);
    }
};

job prepare_job(const arguments& args) {
    auto inputs = ias::dataset::find_inputs(args.required("input"));
    std::optional<std::pair<int, int>> size;
    if (const auto s = args.get("size")) size = parse_size(*s);
    const std::string foreground = args.get("foreground").value_or("none");
    std::optional<fs::path> mask_dir;
    if (foreground != "none" && foreground != "auto") {
        if (!fs::is_directory(foreground))
            throw usage_error("--foreground is '" + foreground + "'; it must be none, auto or a folder of masks");
        mask_dir = foreground;
    }
    std::shared_ptr<const ias::texture_bank> textures;
    if (const auto dir = args.get("textures")) textures = ias::texture_bank::load(*dir);
    auto loaded = load_inputs(inputs, size, mask_dir);
    std::vector<std::int64_t> pool_index;
    std::vector<ias::image<std::uint8_t>> readable;
    for (const auto& in : loaded) {
        pool_index.push_back(in.problem.empty() ? std::int64_t(readable.size()) : -1);
        if (!in.problem.empty()) continue;
        if (in.image.holds<std::uint8_t>()) {
            readable.push_back(in.image.get<std::uint8_t>());
        } else {
            auto& bytes = readable.emplace_back(in.image.width(), in.image.height(), in.image.channels());
            ias::convert_pixels(in.image.get<float>().view(), bytes.view());
        }
    }
    const auto pool = readable.empty() ? nullptr : ias::texture_bank::from_images(readable);
    synthesis synth = choose_synthesis(args, textures, pool);
    if (foreground == "auto") synth.transform = ias::any_transform(with_estimated_foreground{synth.transform});
    return {std::move(inputs), std::move(loaded), std::move(pool_index), std::move(synth)};
}

/// Fills sample `index` from its input (input index mod the number of inputs).
void fill_sample(const job& j, std::uint64_t index, ias::sample& s) {
    const std::size_t k = std::size_t(index % j.loaded.size());
    const loaded_input& in = j.loaded[k];
    s.image = in.image;
    if (!in.foreground.empty()) s.foreground = in.foreground;
    s.source_index = j.pool_index[k];
}

int run_generate(const arguments& args) {
    args.only({"input", "recipe", "config", "prompt", "count", "out", "seed", "threads", "shard", "size", "foreground", "textures",
               "resume", "force", "on-error", "help"});
    const std::string on_error = args.get("on-error").value_or("fail");
    if (on_error != "fail" && on_error != "skip") throw usage_error("--on-error is '" + on_error + "'; it must be fail or skip");
    const std::uint64_t count = args.number("count", 0);
    if (!args.has("count")) throw usage_error("option --count is required");
    ias::dataset::shard shard;
    try {
        if (const auto s = args.get("shard")) shard = ias::dataset::parse_shard(*s);
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
    const ias::dataset::layout out{args.required("out")};
    const job j = prepare_job(args);

    // Unreadable inputs: fatal, or their samples are skipped.
    std::uint64_t bad_inputs = 0;
    for (std::size_t k = 0; k < j.loaded.size(); ++k)
        if (!j.loaded[k].problem.empty()) {
            if (on_error == "fail") throw ias::error("an input cannot be read: " + j.loaded[k].problem + " (--on-error skip skips it)");
            std::fprintf(stderr, "ias generate: skipping an input that cannot be read: %s\n", j.loaded[k].problem.c_str());
            ++bad_inputs;
        }
    if (bad_inputs == j.loaded.size()) throw ias::error("ias generate: no input image could be read");

    ias::dataset::prepare_output(out, args.has("force"), args.has("resume"));
    std::vector<std::uint64_t> todo;
    std::uint64_t finished = 0, skipped_inputs = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (!shard.contains(i)) continue;
        if (!j.loaded[std::size_t(i % j.loaded.size())].problem.empty()) ++skipped_inputs;
        else if (args.has("resume") && ias::dataset::finished(out, i)) ++finished;
        else todo.push_back(i);
    }

    const bool terminal = isatty(fileno(stderr)) != 0;
    const auto start = std::chrono::steady_clock::now();
    const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    std::atomic<std::uint64_t> written{0};
    std::mutex progress_mutex;
    double last_shown = -1.0;
    ias::generate(
        j.synth.transform, [&](std::uint64_t i, ias::sample& s) { fill_sample(j, i, s); }, std::span<const std::uint64_t>(todo),
        unsigned(args.number("threads", 0)),
        [&](std::uint64_t i, const ias::sample& s) {
            ias::dataset::write_sample(out, i, s, {j.inputs.relative[std::size_t(i % j.loaded.size())].generic_string(), j.synth.label});
            const std::uint64_t done = ++written;
            if (!terminal) return;
            std::lock_guard lock(progress_mutex);
            const double now = seconds();
            if (now - last_shown < 0.1 && done != todo.size()) return;
            last_shown = now;
            std::fprintf(stderr, "\r%s", ias::dataset::progress_line(done, todo.size(), now).c_str());
        },
        {.seed = args.number("seed", 0), .trace = true});
    if (terminal && !todo.empty()) std::fprintf(stderr, "\n");
    ias::dataset::rebuild_manifest(out);
    std::printf("%s\n", ias::dataset::summary_line(written.load(), finished, skipped_inputs, seconds()).c_str());
    return 0;
}

/// Scales `im` (any type, 1 or 3 channels) into a tile of the sheet, as RGB.
void put_tile(ias::image<std::uint8_t>& sheet, const ias::any_image& im, int tx, int ty, int tile, const ias::image<float>* overlay) {
    ias::image<float> f, small(tile, tile, im.channels());
    ias::assign_as_float(f, im);
    ias::fn::resize_scratch scratch;
    ias::fn::resize_bilinear(std::as_const(f).view(), small.view(), scratch);
    ias::image<float> mask_small;
    if (overlay) {
        mask_small.resize(tile, tile, 1);
        ias::fn::resize_bilinear(overlay->view(), mask_small.view(), scratch);
    }
    for (int y = 0; y < tile; ++y)
        for (int x = 0; x < tile; ++x)
            for (int c = 0; c < 3; ++c) {
                float v = small(x, y, std::min(c, small.channels() - 1));
                if (overlay) v += 0.6f * std::min(1.0f, mask_small(x, y)) * ((c == 0 ? 1.0f : 0.0f) - v);
                sheet(tx * tile + x, ty * tile + y, c) = std::uint8_t(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
            }
}

int run_preview(const arguments& args) {
    args.only({"input", "recipe", "config", "prompt", "out", "n", "seed", "size", "foreground", "textures", "help"});
    const job j = prepare_job(args);
    for (const auto& in : j.loaded)
        if (!in.problem.empty()) throw ias::error("an input cannot be read: " + in.problem);
    const std::uint64_t n = args.number("n", 16);
    if (n == 0 || n > 1024) throw usage_error("-n must lie in [1, 1024]");
    const fs::path out = args.required("out");
    constexpr int tile = 160;
    ias::image<std::uint8_t> sheet(3 * tile, int(n) * tile, 3, 0);
    std::vector<std::uint64_t> indices(n);
    for (std::uint64_t i = 0; i < n; ++i) indices[i] = i;
    std::mutex sheet_mutex;
    ias::generate(
        j.synth.transform, [&](std::uint64_t i, ias::sample& s) { fill_sample(j, i, s); }, std::span<const std::uint64_t>(indices), 0,
        [&](std::uint64_t i, const ias::sample& s) {
            std::lock_guard lock(sheet_mutex);
            put_tile(sheet, j.loaded[std::size_t(i % j.loaded.size())].image, 0, int(i), tile, nullptr);
            put_tile(sheet, s.image, 1, int(i), tile, nullptr);
            put_tile(sheet, s.image, 2, int(i), tile, &s.mask);
        },
        {.seed = args.number("seed", 0)});
    ias::save_image(out, std::as_const(sheet).view());
    std::printf("wrote %s: %llu samples of %s (input | synthetic | mask in red)\n", out.string().c_str(),
                static_cast<unsigned long long>(n), j.synth.label.c_str());
    return 0;
}

int run_recipes(const arguments& args) {
    args.only({"help"});
    for (const auto& r : ias::recipes::list()) {
        std::printf("%s: %s\n", r.name.c_str(), r.summary.c_str());
        for (const auto& p : r.parameters) {
            const bool text = p.kind == ias::recipes::parameter_kind::text;
            std::printf("    %-28s %-8s default %-10s", p.name.c_str(),
                        text ? "text" : (p.kind == ias::recipes::parameter_kind::integer ? "integer" : "number"), p.default_value.c_str());
            if (!text) std::printf(" range [%g, %g]", p.min, p.max);
            std::printf("  %s\n", p.help.c_str());
        }
    }
    return 0;
}

int run_recipe(arguments& args) {
    if (args.positional().size() != 1) throw usage_error("ias recipe takes one recipe name, such as: ias recipe draem --json");
    const std::string name = args.positional().front();
    args.drop_positional();
    args.only({"json", "help"});
    if (!args.has("json")) throw usage_error("ias recipe NAME needs --json (the only output format)");
    const ias::recipes::recipe_info* info = nullptr;
    try {
        info = &ias::recipes::describe(name);
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
    nlohmann::ordered_json j;
    j["recipe"] = info->name;
    j["parameters"] = nlohmann::ordered_json::object();
    for (const auto& p : info->parameters) {
        if (p.kind == ias::recipes::parameter_kind::text) j["parameters"][p.name] = p.default_value;
        else j["parameters"][p.name] = nlohmann::ordered_json::parse(p.default_value);
    }
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
}

int run_eval(const arguments& args) {
    args.only({"scores", "ground-truth", "json", "help"});
    const auto report = ias::eval::evaluate_directories(args.required("scores"), args.required("ground-truth"));
    if (args.has("json")) {
        std::printf("%s\n", ias::eval::to_json(report).c_str());
    } else {
        std::printf("images: %zu (%zu anomalous)\nimage AUROC: %.6f\npixel AUROC: %.6f\nAUPRO (FPR <= 0.3): %.6f\npixel AP: %.6f\n",
                    report.images, report.anomalous_images, report.image_auroc, report.pixel_auroc, report.aupro, report.pixel_ap);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view command = argc > 1 ? argv[1] : "";
    const std::map<std::string_view, std::string_view> helps{{"generate", generate_help}, {"preview", preview_help},
                                                             {"recipes", recipes_help},   {"recipe", recipe_help},
                                                             {"eval", eval_help}};
    if (command.empty() || command == "--help" || command == "-h" || command == "help") {
        std::fputs(main_help.data(), command.empty() ? stderr : stdout);
        return command.empty() ? 2 : 0;
    }
    const auto help = helps.find(command);
    if (help == helps.end()) {
        std::fprintf(stderr, "ias: unknown command '%s'\n\n%s", std::string(command).c_str(), main_help.data());
        return 2;
    }
    try {
        arguments args(argc, argv, 2, {"help", "json", "resume", "force"});
        if (args.has("help")) {
            std::fputs(help->second.data(), stdout);
            return 0;
        }
        if (command == "generate") return run_generate(args);
        if (command == "preview") return run_preview(args);
        if (command == "recipes") return run_recipes(args);
        if (command == "recipe") return run_recipe(args);
        return run_eval(args);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "ias %s: %s\n(ias %s --help lists the options)\n", std::string(command).c_str(), e.what(),
                     std::string(command).c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ias %s: %s\n", std::string(command).c_str(), e.what());
        return 1;
    }
}
