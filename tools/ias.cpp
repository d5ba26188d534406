// SPDX-License-Identifier: MIT
// The ias command-line tool: generate synthetic defect datasets, list and configure recipes,
// preview them, evaluate anomaly maps. It parses arguments and wires the library; all logic
// lives in include/ias.
//
// Exit codes: 0 success; 1 a run that failed (unreadable input, disk error, bad data);
// 2 a command line or configuration that is wrong (nothing was done).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <ias/dataset/job.hpp>
#include <ias/dataset/preview.hpp>
#include <ias/eval/score_maps.hpp>
#include <ias/recipes/catalogue.hpp>
#include <ias/recipes/config.hpp>

#include "arguments.hpp"
#include "help.hpp"

namespace fs = std::filesystem;

namespace {

using ias_cli::arguments;
using ias_cli::usage_error;

/// The recipe of --recipe, --config or --prompt, with --foreground auto's estimate; checked by building it once.
ias::recipes::recipe_spec choose_recipe(const arguments& args) {
    const int given = int(args.has("recipe")) + int(args.has("config")) + int(args.has("prompt"));
    if (given != 1) throw usage_error("give exactly one of --recipe, --config and --prompt");
    const auto config = args.get("config");
    try {
        ias::recipes::recipe_spec spec;
        if (config) spec = ias::recipes::read_config_file(*config);
        else if (const auto prompt = args.get("prompt")) spec = {.recipe = "prompt", .parameters = {{"text", *prompt}}};
        else spec.recipe = *args.get("recipe");
        const std::string foreground = args.get("foreground").value_or("none");
        if (foreground == "auto" && !spec.estimate_foreground) spec.estimate_foreground.emplace();
        if (foreground != "none" && foreground != "auto" && spec.estimate_foreground)
            throw std::invalid_argument("the configuration estimates the foreground (\"estimate_foreground\"), which would replace the masks of --foreground " +
                                        foreground + "; drop one of them");
        (void)ias::recipes::make(spec);
        return spec;
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        throw usage_error(config && what.find(*config) == std::string::npos ? "the configuration '" + *config + "': " + what : what);
    }
}

/// The input side of generate and preview, from the command line, checked before any file is
/// read; `foreground` is none, auto or folder.
ias::dataset::input_request parse_input_request(const arguments& args, std::string& foreground) {
    ias::dataset::input_request r;
    r.input = args.required("input");
    if (r.input.empty() || !fs::is_directory(r.input))
        throw usage_error("--input is '" + r.input.string() + "', which is not a folder; it must be a folder of images");
    r.limits.max_pixels = args.number("max-pixels", r.limits.max_pixels);
    if (r.limits.max_pixels == 0) throw usage_error("--max-pixels is 0; it must be at least 1");
    try {
        if (const auto s = args.get("size")) r.size = ias::dataset::parse_size(*s, r.limits.max_pixels);
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
    foreground = args.get("foreground").value_or("none");
    if (foreground != "none" && foreground != "auto") {
        if (!fs::is_directory(foreground))
            throw usage_error("--foreground is '" + foreground + "'; it must be none, auto or a folder of masks");
        r.foreground_masks = std::exchange(foreground, "folder");
    }
    if (const auto dir = args.get("textures")) {
        r.textures = *dir;
        if (r.textures.empty() || !fs::is_directory(r.textures))
            throw usage_error("--textures is '" + *dir + "', which is not a folder; it must be a folder of texture images");
    }
    return r;
}

/// The job of generate and preview, naming the folder entries it skips.
ias::dataset::job prepare_job(const ias::dataset::input_request& request, const ias::recipes::recipe_spec& spec, unsigned threads,
                              const char* command) {
    try {
        ias::dataset::job j = ias::dataset::prepare_job(request, spec, threads);
        for (const auto& skipped : j.inputs.files.skipped)
            std::fprintf(stderr, "ias %s: skipping '%s': %s\n", command, skipped.path.string().c_str(), skipped.reason.c_str());
        return j;
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
}

/// The worker threads of --threads: 0 (or none) for every core, at most 1024.
unsigned parse_threads(const arguments& args) {
    const std::uint64_t threads = args.number("threads", 0, 0, 1024);
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
    settings.count = args.number("count", 0, 0, ias::dataset::max_count);  // indices are 32-bit
    settings.seed = args.number("seed", 0);
    settings.epoch = std::uint32_t(args.number("epoch", 0, 0, 0xFFFFFFFFu));
    const unsigned threads = parse_threads(args);
    ias::dataset::shard shard;
    const ias::dataset::layout out{args.required("out")};
    const ias::dataset::input_request request = parse_input_request(args, settings.foreground);
    settings.recipe = choose_recipe(args);
    settings.size = request.size;
    try {
        if (const auto s = args.get("shard")) shard = ias::dataset::parse_shard(*s);
        ias::dataset::check_output(out, force, resume);
        ias::dataset::check_apart(out.root, request.input, "the --input folder");
        ias::dataset::check_apart(out.root, request.textures, "the --textures folder");
        ias::dataset::check_apart(out.root, request.foreground_masks, "the --foreground folder");
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }

    // Every input decoded (a corrupt file is found before any sample is written).
    const ias::dataset::job j = prepare_job(request, settings.recipe, threads, "generate");
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
    for (const auto& note : report.notes()) std::fprintf(stderr, "ias generate: %s\n", note.c_str());
    ias::dataset::record_check check;
    if (resume) check = ias::dataset::check_records(out, shard, threads);
    for (const auto& [index, problem] : check.damaged)
        std::fprintf(stderr, "ias generate: making sample %llu again: %s\n", static_cast<unsigned long long>(index), problem.c_str());

    // The samples, with a progress line on a terminal (at most ten a second).
    const bool terminal = isatty(fileno(stderr)) != 0;
    const auto start = std::chrono::steady_clock::now();
    const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    double last_shown = -1.0;
    const auto progress = [&](std::uint64_t done, std::uint64_t todo) {
        const double now = seconds();
        if (now - last_shown < 0.1 && done != todo) return;
        last_shown = now;
        std::fprintf(stderr, "\r%s%s", ias::dataset::progress_line(done, todo, now).c_str(), done == todo ? "\n" : "");
    };
    const auto written = ias::dataset::write_samples(out, j, settings, shard, check.finished, threads,
                                                     terminal ? std::function<void(std::uint64_t, std::uint64_t)>(progress) : nullptr);
    std::printf("%s; the dataset holds %zu of %llu samples\n",
                ias::dataset::summary_line(written.written, written.finished, written.skipped_inputs, seconds()).c_str(), written.in_dataset,
                static_cast<unsigned long long>(settings.count));
    return 0;
}

int run_preview(const arguments& args) {
    args.only({"input", "recipe", "config", "prompt", "out", "n", "seed", "size", "foreground", "textures", "max-pixels", "force", "help"});
    const fs::path out = args.required("out");
    try {
        ias::dataset::check_sheet_path(out, args.has("force"));
    } catch (const std::invalid_argument& e) {
        throw usage_error(e.what());
    }
    const std::uint64_t n = args.number("n", 16, 1, 1024);
    const std::uint64_t seed = args.number("seed", 0);
    std::string foreground;
    const ias::dataset::input_request request = parse_input_request(args, foreground);
    const ias::recipes::recipe_spec spec = choose_recipe(args);
    const ias::dataset::job j = prepare_job(request, spec, std::max(1u, std::thread::hardware_concurrency()), "preview");
    for (const auto& in : j.inputs.inputs)
        if (!in.problem.empty()) throw ias::error("an input cannot be read: " + in.problem);
    ias::save_image(out, ias::dataset::preview_sheet(j, n, seed).view());
    std::printf("wrote %s: %llu samples of %s (input | synthetic | mask in red)\n", out.string().c_str(),
                static_cast<unsigned long long>(n), spec.recipe.c_str());
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
    const std::map<std::string_view, std::string_view> helps{{"generate", ias_cli::generate_help}, {"preview", ias_cli::preview_help},
                                                             {"recipes", ias_cli::recipes_help},   {"recipe", ias_cli::recipe_help},
                                                             {"eval", ias_cli::eval_help}};
    if (command.empty() || command == "--help" || command == "-h" || command == "help") {
        std::fputs(ias_cli::main_help.data(), command.empty() ? stderr : stdout);
        return command.empty() ? 2 : 0;
    }
    const auto help = helps.find(command);
    if (help == helps.end()) {
        std::fprintf(stderr, "ias: unknown command '%s'\n\n%s", std::string(command).c_str(), ias_cli::main_help.data());
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
