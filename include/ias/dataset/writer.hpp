// SPDX-License-Identifier: MIT
// Writing a synthetic defect dataset: the folder layout, atomic per-sample files and records, the manifest, shards and progress lines.
//
// A dataset folder holds `images/NNNNNN.png`, `masks/NNNNNN.png` (8-bit grey, round(mask * 255)),
// `records/NNNNNN.json` (the sample's manifest line, written last, so a sample is finished
// iff its record exists) and `manifest.jsonl` (every record in index order). Every file is
// written atomically (a temporary file in the same folder, then a rename), so a crash or a
// kill never leaves a partial file under a final name, and an interrupted run, or N shards
// writing into one folder, can be completed with `--resume` to give the same bytes as one
// uninterrupted run.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../core/sample.hpp"
#include "../io/stb.hpp"
#include "json.hpp"

namespace ias::dataset {

/// The file name stem of sample `index`: its decimal digits, zero-padded to at least 6
/// ("000012", "1234567"), so names sort in index order up to a million samples.
inline std::string sample_name(std::uint64_t index) {
    std::string digits = std::to_string(index);
    if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
    return digits;
}

/// Where each file of a dataset folder lives.
struct layout {
    std::filesystem::path root;

    [[nodiscard]] std::filesystem::path images_dir() const { return root / "images"; }
    [[nodiscard]] std::filesystem::path masks_dir() const { return root / "masks"; }
    [[nodiscard]] std::filesystem::path records_dir() const { return root / "records"; }
    [[nodiscard]] std::filesystem::path manifest() const { return root / "manifest.jsonl"; }
    /// `root/images/NNNNNN.png`
    [[nodiscard]] std::filesystem::path image(std::uint64_t index) const { return images_dir() / (sample_name(index) + ".png"); }
    /// `root/masks/NNNNNN.png`
    [[nodiscard]] std::filesystem::path mask(std::uint64_t index) const { return masks_dir() / (sample_name(index) + ".png"); }
    /// `root/records/NNNNNN.json`
    [[nodiscard]] std::filesystem::path record(std::uint64_t index) const { return records_dir() / (sample_name(index) + ".json"); }
};

/// Makes `out.root` ready for writing and creates `images/`, `masks/` and `records/` in it.
///
/// A missing or empty folder is simply used. A folder with anything in it is refused unless
/// `force` (then `images/`, `masks/`, `records/` and `manifest.jsonl` are deleted first, and
/// nothing else in the folder is touched) or `resume` (everything is kept; finished samples
/// are skipped by the caller). Refusal changes nothing on disk. Throws ias::error naming the
/// path when the folder is not empty and neither flag is given, when `root` is a file, or
/// when a folder cannot be listed, cleared or created; std::invalid_argument when both flags
/// are given. Several shard processes may call it with `resume` on one folder at once.
inline void prepare_output(const layout& out, bool force, bool resume) {
    namespace fs = std::filesystem;
    const std::string name = out.root.string();
    if (force && resume)
        throw std::invalid_argument("ias::dataset::prepare_output: --force and --resume exclude each other (--force deletes the samples in '" +
                                    name + "' that --resume would keep); pass one of them");
    std::error_code ec;
    const fs::file_status status = fs::status(out.root, ec);
    if (status.type() != fs::file_type::not_found) {
        if (ec) throw error("ias::dataset::prepare_output: cannot access the output folder '" + name + "': " + ec.message());
        if (!fs::is_directory(status))
            throw error("ias::dataset::prepare_output: the output '" + name + "' exists and is not a folder; pass a folder path");
        const bool empty = fs::directory_iterator(out.root, ec) == fs::directory_iterator();
        if (ec) throw error("ias::dataset::prepare_output: cannot list the output folder '" + name + "': " + ec.message());
        if (!empty && !force && !resume)
            throw error("ias::dataset::prepare_output: the output folder '" + name +
                        "' is not empty; pass --force to overwrite it or --resume to continue it");
        if (!empty && force) {
            for (const fs::path& p : {out.images_dir(), out.masks_dir(), out.records_dir(), out.manifest()}) {
                fs::remove_all(p, ec);  // a symbolic link is removed, never followed
                if (ec) throw error("ias::dataset::prepare_output: cannot remove '" + p.string() + "' for --force: " + ec.message());
            }
        }
    }
    for (const fs::path& dir : {out.images_dir(), out.masks_dir(), out.records_dir()}) {
        fs::create_directories(dir, ec);
        std::error_code is_dir_ec;
        if (ec || !fs::is_directory(dir, is_dir_ec))
            throw error("ias::dataset::prepare_output: cannot create the folder '" + dir.string() +
                        "': " + (ec ? ec.message() : std::string("a file of that name is in the way")));
    }
}

/// True when sample `index` is finished: its record, which is written last, exists.
inline bool finished(const layout& out, std::uint64_t index) {
    std::error_code ec;
    return std::filesystem::is_regular_file(out.record(index), ec);
}

/// What a record says about a sample beyond the sample itself.
struct record_info {
    std::string source;  ///< the input image, relative to the input root, with '/' separators
    std::string recipe;  ///< the recipe (pipeline) name
};

/// The fraction of the elements of `mask` that are >= 0.5 (0 for an empty mask): the
/// anomalous share of the pixels of a one-channel mask.
inline double mask_area(const ias::image<float>& mask) noexcept {
    if (mask.empty()) return 0.0;
    std::size_t count = 0;
    for (std::size_t i = 0; i < mask.size(); ++i) count += std::size_t(mask.data()[i] >= 0.5f);
    return double(count) / double(mask.size());
}

/// The manifest line of sample `index` (no trailing newline): one JSON object with the keys
/// `index`, `source`, `recipe`, `label`, `defect_kind`, `mask_area`, `image`, `mask` and
/// `params`, in that order and without spaces. `params` lists the trace (empty when the
/// sample has none) as `{"stage":..., "fields":{name: number or [numbers]}}` in trace
/// order; a field of one value is a bare number. Numbers are the shortest round-trip form,
/// non-finite ones `null` (see json.hpp): identical samples give identical bytes.
inline std::string record_line(std::uint64_t index, const sample& s, const record_info& info) {
    const std::string name = sample_name(index);
    std::string line = "{\"index\":" + std::to_string(index);
    line += ",\"source\":";
    append_json_string(line, info.source);
    line += ",\"recipe\":";
    append_json_string(line, info.recipe);
    line += ",\"label\":" + std::to_string(s.label);
    line += ",\"defect_kind\":";
    append_json_string(line, s.defect_kind);
    line += ",\"mask_area\":";
    append_json_number(line, mask_area(s.mask));
    line += ",\"image\":\"images/" + name + ".png\",\"mask\":\"masks/" + name + ".png\",\"params\":[";
    if (s.trace) {
        bool first_entry = true;
        for (const trace_entry& entry : s.trace->entries()) {
            if (!first_entry) line += ',';
            first_entry = false;
            line += "{\"stage\":";
            append_json_string(line, entry.stage);
            line += ",\"fields\":{";
            for (std::size_t f = 0; f < entry.fields.size(); ++f) {
                if (f != 0) line += ',';
                append_json_string(line, entry.fields[f].name);
                line += ':';
                append_json_numbers(line, entry.fields[f].values);
            }
            line += "}}";
        }
    }
    line += "]}";
    return line;
}

namespace detail {
/// Writes `text` to `path` atomically (see ias::write_file_atomically).
inline void write_text_atomically(const std::filesystem::path& path, std::string_view text) {
    write_file_atomically(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

/// The 8-bit levels of a one-channel mask: round(m * 255) with m clamped to [0, 1] (NaN
/// gives 0), rounded exactly (a float times 255 is exact in double), so a level is >= 128
/// exactly where the mask is >= 0.5, as `mask_area` counts. An empty mask gives zeros of
/// `width` x `height`. Precondition: the mask is empty or one channel of that size.
inline ias::image<std::uint8_t> mask_levels(const ias::image<float>& mask, int width, int height) {
    ias::image<std::uint8_t> levels(width, height, 1, 0);
    if (mask.empty()) return levels;
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const float m = mask.data()[i];
        const double clamped = m > 0.0f ? (m < 1.0f ? double(m) : 1.0) : 0.0;  // NaN -> 0
        levels.data()[i] = std::uint8_t(std::lround(clamped * 255.0));
    }
    return levels;
}

/// The index `i` when `filename` is exactly `sample_name(i) + ".json"`; nothing for any other
/// name, such as a temporary file's.
inline std::optional<std::uint64_t> record_index(std::string_view filename) {
    constexpr std::string_view suffix = ".json";
    if (!filename.ends_with(suffix)) return std::nullopt;
    const std::string_view stem = filename.substr(0, filename.size() - suffix.size());
    std::uint64_t index = 0;
    const auto [end, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), index);
    if (ec != std::errc() || end != stem.data() + stem.size() || sample_name(index) != stem) return std::nullopt;
    return index;
}
}  // namespace detail

/// Writes sample `index` into the dataset: `images/NNNNNN.png` (8-bit pixels as they are,
/// float pixels clamped to [0, 1], times 255, rounded), `masks/NNNNNN.png` (one grey
/// channel, round(mask * 255); all zero when the mask is empty), then, last,
/// `records/NNNNNN.json` (`record_line` and a newline). Each file is written atomically, so
/// no partial file ever carries a final name and the record exists only once the image and
/// mask are complete. Throws ias::error naming the sample for an empty image or a mask that
/// is not one channel of the image's size (before anything is written), and naming the file
/// when writing fails. Safe to call from several threads for different indices.
inline void write_sample(const layout& out, std::uint64_t index, const sample& s, const record_info& info) {
    if (s.image.empty())
        throw error("ias::dataset::write_sample: sample " + std::to_string(index) + " has an empty image; there is nothing to write");
    const int width = s.image.width(), height = s.image.height();
    if (!s.mask.empty() && (s.mask.width() != width || s.mask.height() != height || s.mask.channels() != 1))
        throw error("ias::dataset::write_sample: the mask of sample " + std::to_string(index) + " is " + std::to_string(s.mask.width()) + "x" +
                    std::to_string(s.mask.height()) + "x" + std::to_string(s.mask.channels()) +
                    ", but it must be one channel of the image's size " + std::to_string(width) + "x" + std::to_string(height));
    const std::string record = record_line(index, s, info) + '\n';
    const ias::image<std::uint8_t> grey = detail::mask_levels(s.mask, width, height);
    save_image(out.image(index), s.image);
    save_image(out.mask(index), grey.view());
    detail::write_text_atomically(out.record(index), record);
}

/// Rebuilds `manifest.jsonl` from every record in `records/`: the records' lines in index
/// order, each followed by '\n', written atomically. Only files named exactly
/// `sample_name(i) + ".json"` count (temporary files and anything else are ignored), so
/// shards written into one folder give the same manifest as one full run. Returns the number
/// of records. Throws ias::error naming the file for a record that is not one line of JSON
/// starting with `{"index":` and its own index, and naming the folder when it cannot be listed.
inline std::size_t rebuild_manifest(const layout& out) {
    namespace fs = std::filesystem;
    constexpr std::string_view prefix = "{\"index\":";
    const fs::path dir = out.records_dir();
    std::vector<std::pair<std::uint64_t, std::string>> records;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const fs::directory_entry& entry = *it;
        const std::optional<std::uint64_t> index = detail::record_index(entry.path().filename().string());
        std::error_code kind_ec;
        if (!index || !entry.is_regular_file(kind_ec)) continue;
        const std::string name = entry.path().string();
        std::ifstream in(entry.path(), std::ios::binary);
        std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.is_open() || in.bad()) throw error("ias::dataset::rebuild_manifest: cannot read the record '" + name + "'");
        if (line.ends_with('\n')) line.pop_back();
        std::uint64_t stated = 0;
        bool well_formed = line.starts_with(prefix) && line.ends_with('}') && line.find_first_of("\r\n") == std::string::npos;
        if (well_formed) {
            const char* const last = line.data() + line.size();
            const auto [end, number_ec] = std::from_chars(line.data() + prefix.size(), last, stated);
            well_formed = number_ec == std::errc() && end != last && *end == ',';
        }
        if (!well_formed)
            throw error("ias::dataset::rebuild_manifest: the record '" + name + "' is not one line of JSON starting with " + std::string(prefix) +
                        " and the sample index; delete it and run again with --resume to regenerate sample " +
                        std::to_string(*index));
        if (stated != *index)
            throw error("ias::dataset::rebuild_manifest: the record '" + name + "' is of sample " + std::to_string(stated) +
                        ", but its name says sample " + std::to_string(*index) +
                        "; delete it and run again with --resume to regenerate the sample");
        records.emplace_back(*index, std::move(line));
    }
    if (ec) throw error("ias::dataset::rebuild_manifest: cannot list the records folder '" + dir.string() + "': " + ec.message());

    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t bytes = 0;
    for (const auto& r : records) bytes += r.second.size() + 1;
    std::string manifest;
    manifest.reserve(bytes);
    for (const auto& r : records) {
        manifest += r.second;
        manifest += '\n';
    }
    detail::write_text_atomically(out.manifest(), manifest);
    return records.size();
}

/// Part `k` of `n` of a dataset: the indices i with i % n == k. Shards 0/n .. (n-1)/n
/// together cover every index exactly once.
struct shard {
    std::uint32_t k = 0, n = 1;
    /// True when index `i` belongs to this shard. Precondition: n >= 1.
    [[nodiscard]] bool contains(std::uint64_t i) const {
        IAS_ASSERT(n != 0);
        return i % n == k;
    }
};

/// Parses `--shard` text "K/N" (decimal whole numbers, 0 <= K < N, N >= 1, no spaces or
/// signs). Throws std::invalid_argument naming the text and the form expected.
inline shard parse_shard(std::string_view text) {
    const auto fail = [&](const std::string& why) {
        return std::invalid_argument("ias::dataset::parse_shard: --shard '" + std::string(text) + "' " + why +
                                     "; expected K/N with whole numbers 0 <= K < N, such as 0/4");
    };
    const auto parse = [](std::string_view digits, std::uint32_t& value) {
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        return !digits.empty() && ec == std::errc() && end == digits.data() + digits.size();
    };
    const std::size_t slash = text.find('/');
    shard s;
    if (slash == std::string_view::npos || !parse(text.substr(0, slash), s.k) || !parse(text.substr(slash + 1), s.n))
        throw fail("is not of the form K/N");
    if (s.n == 0) throw fail("has N = 0; N must be at least 1");
    if (s.k >= s.n) throw fail("has K >= N");
    return s;
}

namespace detail {
/// Appends `v` with one decimal ("12.3"), independent of the locale. Precondition: finite.
inline void append_fixed1(std::string& out, double v) {
    char buffer[400];  // the largest double needs 309 digits before the point
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 1);
    out.append(buffer, result.ptr);
}

/// A duration rounded up to whole seconds: "4s", "2m05s", "1h02m" (capped at 99999h59m).
inline std::string format_duration(double seconds) {
    const auto s = std::uint64_t(std::min(std::ceil(std::max(seconds, 0.0)), 359999999.0));
    const auto two = [](std::uint64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m" + two(s % 60) + "s";
    return std::to_string(s / 3600) + "h" + two(s / 60 % 60) + "m";
}
}  // namespace detail

/// The width, in characters, of the bar in `progress_line`.
inline constexpr int progress_bar_width = 20;

/// One line of progress: "[#########...........] 45/100  12.3 samples/s  ETA 4s". The bar
/// has `progress_bar_width` cells; the rate is done / seconds; the ETA assumes that rate
/// ("4s", "2m05s", "1h02m"). Rate and ETA read "--" until a sample is done in a positive,
/// finite time; the ETA is "0s" once done >= total.
inline std::string progress_line(std::uint64_t done, std::uint64_t total, double seconds) {
    const int filled = done >= total ? progress_bar_width
                                     : int(double(done) * progress_bar_width / double(total));
    std::string line = "[" + std::string(std::size_t(filled), '#') + std::string(std::size_t(progress_bar_width - filled), '.') +
                       "] " + std::to_string(done) + "/" + std::to_string(total) + "  ";
    const bool timed = done > 0 && std::isfinite(seconds) && seconds > 0;
    if (timed)
        detail::append_fixed1(line, double(done) / seconds);
    else
        line += "--";
    line += " samples/s  ETA ";
    if (done >= total)
        line += "0s";
    else
        line += timed ? detail::format_duration(double(total - done) * seconds / double(done)) : std::string("--");
    return line;
}

/// The closing line of a run: "wrote 100 samples (skipped 3 finished, 0 failed) in 2.1 s,
/// 47.6 samples/s" ("1 sample" for one). The rate counts written samples; it reads "--"
/// when `seconds` is not positive and finite.
inline std::string summary_line(std::uint64_t written, std::uint64_t skipped, std::uint64_t failed, double seconds) {
    const bool timed = std::isfinite(seconds) && seconds > 0;
    std::string line = "wrote " + std::to_string(written) + (written == 1 ? " sample" : " samples") + " (skipped " +
                       std::to_string(skipped) + " finished, " + std::to_string(failed) + " failed) in ";
    detail::append_fixed1(line, timed ? seconds : 0.0);
    line += " s, ";
    if (timed)
        detail::append_fixed1(line, double(written) / seconds);
    else
        line += "--";
    line += " samples/s";
    return line;
}

}  // namespace ias::dataset
