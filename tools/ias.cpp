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
#include <new>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <ias/dataset/inputs.hpp>
#include <ias/dataset/prepared_inputs.hpp>
#include <ias/dataset/run_settings.hpp>
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
  --count N          samples to write (at most 2^32); sample i comes from input i mod (number of inputs)
  --out DIR          output: run.json, images/, masks/, records/, manifest.jsonl; not inside
                     --input, --textures or --foreground, nor containing them
  --seed S           dataset seed (default 0): the same arguments give the same bytes
  --epoch E          epoch (default 0): another epoch gives other samples of the same dataset
  --threads T        worker threads (default: all cores); the output does not depend on it
  --shard K/N        write only the indices i with i mod N == K
  --size WxH         resize every input to W x H first
  --foreground M     none (default), auto (estimated per image), or a folder of masks
                     matching the inputs' relative paths (.png, or MVTec's <stem>_mask.png)
  --textures DIR     anomaly textures for the texture recipes (default: procedural)
  --max-pixels P     refuse image files of more than P pixels, from their header (default 100000000)
  --resume           continue the dataset in --out: refused unless its run.json describes this same
                     run; keeps the finished samples whose files match their records, makes the rest
  --force            replace the dataset in --out: removes only the files a dataset writes
                     (run.json, images/, masks/ and records/ NNNNNN files, manifest.jsonl) and
                     names anything else it keeps
  --on-error MODE    fail (default) or skip: what an unreadable input does

  Nothing on disk changes until every option, the configuration and every input are checked.
  Exit codes: 0 done, 1 a failed run (bad input data, disk or memory), 2 a wrong command line.
)";

constexpr std::string_view preview_help = R"(usage: ias preview --input DIR (--recipe NAME | --config FILE | --prompt TEXT) --out SHEET.png
                   [-n N] [--seed S] [--size WxH] [--foreground M] [--textures DIR] [--max-pixels P] [--force]

  one row per sample: the input, the synthetic sample, the sample with its mask in red;
  an existing SHEET is overwritten only with --force
)";

constexpr std::string_view recipes_help = R"(usage: ias recipes [--json | --markdown]

  lists every recipe with its parameters: name, type, default, allowed values and meaning;
  --json as one JSON array, --markdown as docs/recipes.md
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

/// What to synthesise, from --recipe, --config or --prompt: a recipe and its overrides, or a
/// prompt in canonical form.
struct synthesis {
    std::string recipe;
    ias::recipes::overrides overrides;
    std::string prompt;

    /// The name the manifest gives it.
    [[nodiscard]] std::string label() const { return recipe.empty() ? "procedural_defects: " + prompt : recipe; }
    /// The transform, with anomaly textures and the image pool for the recipes that take them.
    [[nodiscard]] ias::any_transform build(std::shared_ptr<const ias::texture_bank> textures, std::shared_ptr<const ias::texture_bank> pool) const {
        if (recipe.empty()) return ias::any_transform(ias::procedural_defects::from_prompt(prompt));
        return ias::recipes::make(recipe, overrides, std::move(textures), std::move(pool));
    }
};

/// Reads --recipe, --config or --prompt and checks the result by building it once.
synthesis choose_synthesis(const arguments& args) {
    const int given = int(args.has("recipe")) + int(args.has("config")) + int(args.has("prompt"));
    if (given != 1) throw usage_error("give exactly one of --recipe, --config and --prompt");
    try {
        synthesis chosen;
        if (const auto prompt = args.get("prompt")) {
            auto stage = ias::procedural_defects::from_prompt(*prompt);
            stage.validate();
            chosen.prompt = ias::to_prompt(stage.specs);
        } else if (const auto file = args.get("config")) {
            recipe_config config = read_config(*file);
            chosen.recipe = std::move(config.name);
            chosen.overrides = std::move(config.overrides);
        } else {
            chosen.recipe = *args.get("recipe");
        }
        (void)chosen.build(nullptr, nullptr);
        return chosen;
    } catch (const std::invalid_argument& e) {
        if (const auto file = args.get("config")) throw usage_error("the configuration '" + *file + "': " + e.what());
        throw usage_error(e.what());
    } catch (const ias::error& e) {
        throw usage_error(e.what());
    }
}

/// W x H from "WxH", at most `max_pixels` pixels.
std::pair<int, int> parse_size(const std::string& text, std::uint64_t max_pixels) {
    int w = 0, h = 0;
    const auto x = text.find('x');
    const auto parse = [&](std::string_view part, int& out) {
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && end == part.data() + part.size() && out >= 1 && out <= 65536;
    };
    if (x == std::string::npos || !parse(std::string_view(text).substr(0, x), w) || !parse(std::string_view(text).substr(x + 1), h))
        throw usage_error("--size is '" + text + "'; it must be WxH with whole numbers from 1 to 65536, such as 256x256");
    if (std::uint64_t(w) * std::uint64_t(h) > max_pixels)
        throw usage_error("--size " + text + " is " + std::to_string(std::uint64_t(w) * std::uint64_t(h)) + " pixels, more than the limit of " +
                          std::to_string(max_pixels) + "; pass a smaller size (or raise --max-pixels)");
    return {w, h};
}

/// The input side of generate and preview, from the command line, checked before any file is read.
struct input_request {
    fs::path input;
    ias::load_limits limits;
    std::optional<std::pair<int, int>> size;
    std::string foreground = "none";  ///< none, auto or folder
    fs::path foreground_dir, textures;
};

input_request parse_input_request(const arguments& args) {
    input_request r;
    r.input = args.required("input");
    if (r.input.empty() || !fs::is_directory(r.input))
        throw usage_error("--input is '" + r.input.string() + "', which is not a folder; it must be a folder of images");
    r.limits.max_pixels = args.number("max-pixels", r.limits.max_pixels);
    if (r.limits.max_pixels == 0) throw usage_error("--max-pixels is 0; it must be at least 1");
    if (const auto s = args.get("size")) r.size = parse_size(*s, r.limits.max_pixels);
    const std::string foreground = args.get("foreground").value_or("none");
    if (foreground != "none" && foreground != "auto") {
        if (!fs::is_directory(foreground))
            throw usage_error("--foreground is '" + foreground + "'; it must be none, auto or a folder of masks");
        r.foreground = "folder";
        r.foreground_dir = foreground;
    } else {
        r.foreground = foreground;
    }
    if (const auto dir = args.get("textures")) {
        r.textures = *dir;
        if (r.textures.empty() || !fs::is_directory(r.textures))
            throw usage_error("--textures is '" + *dir + "', which is not a folder; it must be a folder of texture images");
    }
    return r;
}

/// The prepared inputs, textures and transform of `generate` and `preview`.
struct job {
    ias::dataset::prepared_inputs inputs;
    std::shared_ptr<const ias::texture_bank> textures;
    ias::any_transform transform;
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

/// Lists, decodes (every one, before anything is written) and prepares the inputs, loads the
/// textures and builds the transform; names the entries it skips. Refuses, before the memory
/// runs out, inputs and textures that do not fit in the memory available for `threads` workers.
job prepare_job(const input_request& request, const synthesis& synth, unsigned threads, std::string_view command) {
    auto files = ias::dataset::find_inputs(request.input);
    for (const auto& skipped : files.skipped)
        std::fprintf(stderr, "ias %s: skipping '%s': %s\n", std::string(command).c_str(), skipped.path.string().c_str(),
                     skipped.reason.c_str());
    const std::optional<std::uint64_t> available = ias::dataset::available_memory();
    auto inputs = ias::dataset::prepare_inputs(std::move(files), {.size = request.size,
                                                                  .foreground_masks = request.foreground_dir,
                                                                  .limits = request.limits,
                                                                  .memory_budget = available.value_or(0)});
    std::shared_ptr<const ias::texture_bank> textures;
    try {
        if (!request.textures.empty()) textures = ias::texture_bank::load(request.textures, {.limits = request.limits});
    } catch (const std::bad_alloc&) {
        throw ias::error("out of memory while loading the textures of '" + request.textures.string() + "'");
    }
    if (available) ias::dataset::check_memory(inputs, textures ? textures->bytes() : 0, threads, *available);
    ias::any_transform transform = [&] {
        try {
            return synth.build(textures, inputs.pool);
        } catch (const std::invalid_argument& e) {
            throw usage_error(e.what());
        }
    }();
    if (request.foreground == "auto") transform = ias::any_transform(with_estimated_foreground{transform});
    return {std::move(inputs), std::move(textures), std::move(transform)};
}

/// The worker threads of --threads: 0 (or none) for every core, at most 1024.
unsigned parse_threads(const arguments& args) {
    const std::uint64_t threads = args.number("threads", 0);
    if (threads > 1024) throw usage_error("--threads is " + std::to_string(threads) + "; it must lie in [0, 1024] (0: every core)");
    return threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : unsigned(threads);
}

int run_generate(const arguments& args) {
    args.only({"input", "recipe", "config", "prompt", "count", "out", "seed", "epoch", "threads", "shard", "size", "foreground",
               "textures", "max-pixels", "resume", "force", "on-error", "help"});
    // The whole command line first: nothing is read or written before every value is checked.
    const bool force = args.has("force"), resume = args.has("resume");
    const std::string on_error = args.get("on-error").value_or("fail");
    if (on_error != "fail" && on_error != "skip") throw usage_error("--on-error is '" + on_error + "'; it must be fail or skip");
    if (!args.has("count")) throw usage_error("option --count is required");
    ias::dataset::run_settings settings;
    settings.count = args.number("count", 0);
    if (settings.count > ias::dataset::max_count)
        throw usage_error("--count is " + std::to_string(settings.count) + "; a dataset holds at most " +
                          std::to_string(ias::dataset::max_count) + " samples (indices are 32-bit)");
    settings.seed = args.number("seed", 0);
    const std::uint64_t epoch = args.number("epoch", 0);
    if (epoch > 0xFFFFFFFFu) throw usage_error("--epoch is " + std::to_string(epoch) + "; it must lie in [0, 4294967295]");
    settings.epoch = std::uint32_t(epoch);
    const unsigned threads = parse_threads(args);
    ias::dataset::shard shard;
    try {
        if (const auto s = args.get("shard")) shard = ias::dataset::parse_shard(*s);
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
    const ias::dataset::layout out{args.required("out")};
    const input_request request = parse_input_request(args);
    const synthesis synth = choose_synthesis(args);
    settings.recipe = synth.recipe;
    settings.parameters = synth.overrides;
    settings.prompt = synth.prompt;
    settings.size = request.size;
    settings.foreground = request.foreground;
    try {
        ias::dataset::check_output(out, force, resume);
        ias::dataset::check_apart(out.root, request.input, "the --input folder");
        ias::dataset::check_apart(out.root, request.textures, "the --textures folder");
        ias::dataset::check_apart(out.root, request.foreground_dir, "the --foreground folder");
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }

    // Every input decoded (a corrupt file is found before any sample is written).
    const job j = prepare_job(request, synth, threads, "generate");
    for (const auto& in : j.inputs.inputs)
        if (!in.problem.empty()) {
            if (on_error == "fail") throw ias::error("an input cannot be read: " + in.problem + " (--on-error skip skips it)");
            std::fprintf(stderr, "ias generate: skipping an input that cannot be read: %s\n", in.problem.c_str());
        }
    if (j.inputs.unusable() == j.inputs.inputs.size()) throw ias::error("no input image could be read");

    // Only now the disk: the output folder checked against its run description, then written.
    const ias::dataset::run_description run = ias::dataset::describe_run(settings, j.inputs, j.textures.get(), request.textures);
    ias::dataset::prepare_report report;
    try {
        report = ias::dataset::prepare_output(out, run, force, resume);
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
    for (const auto& kept : report.kept)
        std::fprintf(stderr, "ias generate: --force kept '%s', which is not a file of the dataset\n", kept.string().c_str());
    for (const auto& busy : report.busy)
        std::fprintf(stderr, "ias generate: --force left '%s', which another process is writing\n", busy.string().c_str());
    if (report.stale_temporaries != 0)
        std::fprintf(stderr, "ias generate: removed %zu temporary file(s) left by an interrupted run\n", report.stale_temporaries);
    ias::dataset::record_check check;
    if (resume) check = ias::dataset::check_records(out, shard, threads);
    for (const auto& [index, problem] : check.damaged)
        std::fprintf(stderr, "ias generate: making sample %llu again: %s\n", static_cast<unsigned long long>(index), problem.c_str());

    // The work list, counted, then written chunk by chunk in bounded memory.
    std::uint64_t todo = 0, finished = 0, skipped_inputs = 0;
    const auto is_finished = [&](std::uint64_t i) { return std::binary_search(check.finished.begin(), check.finished.end(), i); };
    for (std::uint64_t i = shard.k; i < settings.count; i += shard.n) {
        if (!j.inputs.input_of(i).problem.empty()) ++skipped_inputs;
        else if (is_finished(i)) ++finished;
        else ++todo;
    }
    const bool terminal = isatty(fileno(stderr)) != 0;
    const auto start = std::chrono::steady_clock::now();
    const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    std::atomic<std::uint64_t> written{0};
    std::mutex progress_mutex;
    double last_shown = -1.0;
    const auto write = [&](std::uint64_t i, const ias::sample& s) {
        ias::dataset::write_sample(out, i, s, {j.inputs.files.relative[std::size_t(i % j.inputs.inputs.size())].generic_string(), synth.label()});
        const std::uint64_t done = ++written;
        if (!terminal) return;
        std::lock_guard lock(progress_mutex);
        const double now = seconds();
        if (now - last_shown < 0.1 && done != todo) return;
        last_shown = now;
        std::fprintf(stderr, "\r%s", ias::dataset::progress_line(done, todo, now).c_str());
    };
    ias::dataset::for_each_pending_chunk(
        settings.count, shard, [&](std::uint64_t i) { return j.inputs.input_of(i).problem.empty() && !is_finished(i); },
        [&](std::span<const std::uint64_t> indices) {
            ias::generate(j.transform, [&](std::uint64_t i, ias::sample& s) { j.inputs.fill(i, s); }, indices, threads, write,
                          {.seed = settings.seed, .epoch = settings.epoch, .trace = true});
        });
    if (terminal && todo != 0) std::fprintf(stderr, "\n");
    const std::size_t in_dataset = ias::dataset::rebuild_manifest(out);
    std::printf("%s; the dataset holds %zu of %llu samples\n", ias::dataset::summary_line(written.load(), finished, skipped_inputs, seconds()).c_str(),
                in_dataset, static_cast<unsigned long long>(settings.count));
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
    args.only({"input", "recipe", "config", "prompt", "out", "n", "seed", "size", "foreground", "textures", "max-pixels", "force", "help"});
    const fs::path out = args.required("out");
    if (out.empty()) throw usage_error("--out is empty; name the sheet to write, such as sheet.png");
    try {
        (void)ias::format_from_extension(out);
    } catch (const std::invalid_argument& e) {
        throw usage_error(std::string("--out: ") + e.what());
    }
    std::error_code ec;
    if (fs::is_directory(out, ec)) throw usage_error("--out '" + out.string() + "' is a folder; name the sheet to write, such as sheet.png");
    if (fs::exists(out, ec) && !args.has("force"))
        throw usage_error("--out '" + out.string() + "' exists; pass --force to overwrite it");
    const std::uint64_t n = args.number("n", 16);
    if (n == 0 || n > 1024) throw usage_error("-n must lie in [1, 1024]");
    const std::uint64_t seed = args.number("seed", 0);
    const input_request request = parse_input_request(args);
    const synthesis synth = choose_synthesis(args);
    const job j = prepare_job(request, synth, std::max(1u, std::thread::hardware_concurrency()), "preview");
    for (const auto& in : j.inputs.inputs)
        if (!in.problem.empty()) throw ias::error("an input cannot be read: " + in.problem);
    constexpr int tile = 160;
    ias::image<std::uint8_t> sheet(3 * tile, int(n) * tile, 3, 0);
    std::mutex sheet_mutex;
    ias::generate(
        j.transform, [&](std::uint64_t i, ias::sample& s) { j.inputs.fill(i, s); }, 0, n, 0,
        [&](std::uint64_t i, const ias::sample& s) {
            std::lock_guard lock(sheet_mutex);
            put_tile(sheet, j.inputs.input_of(i).image, 0, int(i), tile, nullptr);
            put_tile(sheet, s.image, 1, int(i), tile, nullptr);
            put_tile(sheet, s.image, 2, int(i), tile, &s.mask);
        },
        {.seed = seed});
    ias::save_image(out, std::as_const(sheet).view());
    std::printf("wrote %s: %llu samples of %s (input | synthetic | mask in red)\n", out.string().c_str(),
                static_cast<unsigned long long>(n), synth.label().c_str());
    return 0;
}

int run_recipes(const arguments& args) {
    args.only({"help", "json", "markdown"});
    if (args.has("json") && args.has("markdown")) throw usage_error("give at most one of --json and --markdown");
    const auto& all = ias::recipes::list();
    const std::string out = args.has("json") ? ias::recipes::to_json(all) : args.has("markdown") ? ias::recipes::to_markdown(all) : ias::recipes::to_text(all);
    std::fputs(out.c_str(), stdout);
    return 0;
}

int run_recipe(arguments& args) {
    if (args.positional().size() != 1) throw usage_error("ias recipe takes one recipe name, such as: ias recipe draem --json");
    const std::string name = args.positional().front();
    args.drop_positional();
    args.only({"json", "help"});
    if (!args.has("json")) throw usage_error("ias recipe NAME needs --json (the only output format)");
    try {
        std::fputs(ias::recipes::to_config_json(ias::recipes::describe(name)).c_str(), stdout);
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
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
        arguments args(argc, argv, 2, {"help", "json", "markdown", "resume", "force"});
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
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "ias %s: out of memory\n", std::string(command).c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ias %s: %s\n", std::string(command).c_str(), e.what());
        return 1;
    }
}
