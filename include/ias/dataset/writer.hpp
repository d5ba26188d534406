// SPDX-License-Identifier: MIT
// Writing a synthetic defect dataset: the folder layout, durable per-sample files and records, the manifest, shards and progress lines.
//
// A dataset folder holds `run.json` (what the dataset is made of, see run.hpp; written before
// anything else), `images/NNNNNN.png`, `masks/NNNNNN.png` (8-bit grey, round(mask * 255)),
// `records/NNNNNN.json` (the sample's manifest line, with the size and SHA-256 of its image and
// mask, written once both are on the disk) and `manifest.jsonl` (every record in index
// order). Every file is written durably and atomically (a temporary file in the same folder,
// fsync, rename, fsync of the folder), so a crash, a kill or a full disk never leaves a partial
// file under a final name, and a sample is finished exactly when its record exists and its
// files match it. An interrupted run, or N shards writing into one folder, can be completed
// with `--resume` to give the same bytes as one uninterrupted run.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
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
#include "../core/parallel_for.hpp"
#include "../core/sample.hpp"
#include "../io/files.hpp"
#include "../io/stb.hpp"
#include "../core/json.hpp"
#include "run.hpp"

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
    /// `root/run.json`: the run description (see run.hpp).
    [[nodiscard]] std::filesystem::path run_file() const { return root / "run.json"; }
    /// `root/images/NNNNNN.png`
    [[nodiscard]] std::filesystem::path image(std::uint64_t index) const { return images_dir() / (sample_name(index) + ".png"); }
    /// `root/masks/NNNNNN.png`
    [[nodiscard]] std::filesystem::path mask(std::uint64_t index) const { return masks_dir() / (sample_name(index) + ".png"); }
    /// `root/records/NNNNNN.json`
    [[nodiscard]] std::filesystem::path record(std::uint64_t index) const { return records_dir() / (sample_name(index) + ".json"); }
};

namespace detail {

/// The index `i` when `filename` is exactly `sample_name(i) + suffix`; nothing for any other
/// name, such as a temporary file's.
inline std::optional<std::uint64_t> sample_index(std::string_view filename, std::string_view suffix) {
    if (!filename.ends_with(suffix)) return std::nullopt;
    const std::string_view stem = filename.substr(0, filename.size() - suffix.size());
    std::uint64_t index = 0;
    const auto [end, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), index);
    if (ec != std::errc() || end != stem.data() + stem.size() || sample_name(index) != stem) return std::nullopt;
    return index;
}

/// What an entry of a dataset folder is: a file the dataset writes, a temporary file of one,
/// or something else, which is the user's.
enum class entry_kind { dataset, temporary, foreign };

/// Whether `name` is one of the dataset's own file names in its folder: at the root
/// (`in_subfolder` empty) run.json and manifest.jsonl; in images/ and masks/ NNNNNN.png; in
/// records/ NNNNNN.json.
inline bool is_dataset_file_name(std::string_view in_subfolder, std::string_view name) {
    if (in_subfolder.empty()) return name == "run.json" || name == "manifest.jsonl";
    return sample_index(name, in_subfolder == "records" ? ".json" : ".png").has_value();
}

/// Classifies the entry `path` of the dataset folder `in_subfolder` ("" for the root,
/// "images", "masks" or "records"); `regular` says whether it is a regular file (or a link,
/// which is removed, never followed). A folder or anything else is the user's.
inline entry_kind classify_entry(std::string_view in_subfolder, const std::filesystem::path& path, bool regular) {
    if (!regular) return entry_kind::foreign;
    const std::string name = path.filename().string();
    if (is_dataset_file_name(in_subfolder, name)) return entry_kind::dataset;
    if (const auto final_name = ias::detail::temporary_final_name(name); final_name && is_dataset_file_name(in_subfolder, *final_name))
        return entry_kind::temporary;
    return entry_kind::foreign;
}

/// Calls `f(path, kind)` for every entry of the dataset folder `out.root` and of its images/,
/// masks/ and records/ (the subfolders themselves excepted). Throws ias::error naming a
/// folder that cannot be listed.
template <class F>
void for_each_entry(const layout& out, F&& f) {
    namespace fs = std::filesystem;
    const auto list = [&](const fs::path& dir, std::string_view role) {
        std::error_code ec;
        if (!role.empty() && fs::symlink_status(dir, ec).type() != fs::file_type::directory) return;  // never through a link
        fs::directory_iterator it(dir, ec);
        if (ec == std::errc::no_such_file_or_directory) return;
        for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
            const std::string name = it->path().filename().string();
            std::error_code kind_ec;
            const bool folder = it->is_directory(kind_ec) && !it->is_symlink(kind_ec);
            if (role.empty() && folder && (name == "images" || name == "masks" || name == "records")) continue;
            f(it->path(), classify_entry(role, it->path(), !folder && (it->is_regular_file(kind_ec) || it->is_symlink(kind_ec))));
        }
        if (ec) throw error("ias::dataset: cannot list the folder '" + dir.string() + "': " + ec.message());
    };
    list(out.root, "");
    list(out.images_dir(), "images");
    list(out.masks_dir(), "masks");
    list(out.records_dir(), "records");
}

/// Removes the file `path` (a link itself, never its target). Throws ias::error naming it.
inline void remove_file(const std::filesystem::path& path, std::string_view why) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) throw error("ias::dataset::prepare_output: cannot remove '" + path.string() + "' " + std::string(why) + ": " + ec.message());
}

}  // namespace detail

/// The checks of `prepare_output` that need no run description, for a caller to make before
/// the slow work of preparing a run: throws std::invalid_argument when `force` and `resume`
/// are both given, when `out.root` is an empty path or exists and is not a folder, and when it
/// is a folder that is not empty and neither flag is given; ias::error when it cannot be
/// examined.
inline void check_output(const layout& out, bool force, bool resume) {
    namespace fs = std::filesystem;
    const std::string name = out.root.string();
    const auto refuse = [&](const std::string& why) { throw std::invalid_argument("ias::dataset::prepare_output: " + why); };
    if (force && resume)
        refuse("--force and --resume exclude each other (--force deletes the samples in '" + name +
               "' that --resume would keep); pass one of them");
    if (out.root.empty()) refuse("the output folder is an empty path; name a folder");
    std::error_code ec;
    const fs::file_status status = fs::status(out.root, ec);
    if (status.type() == fs::file_type::not_found) return;
    if (ec) throw error("ias::dataset::prepare_output: cannot access the output folder '" + name + "': " + ec.message());
    if (!fs::is_directory(status)) refuse("the output '" + name + "' exists and is not a folder; pass a folder path");
    const bool empty = fs::is_empty(out.root, ec);
    if (ec) throw error("ias::dataset::prepare_output: cannot list the output folder '" + name + "': " + ec.message());
    if (!empty && !force && !resume)
        refuse("the output folder '" + name + "' is not empty; pass --force to overwrite it or --resume to continue it");
}

/// What `prepare_output` did beyond making the folder ready.
struct prepare_report {
    /// With `force`: the entries that are not the dataset's and stayed where they were.
    std::vector<std::filesystem::path> kept;
    /// With `force`: temporary files that another process is writing at this moment, left alone.
    std::vector<std::filesystem::path> busy;
    /// Temporary files left by writers that are gone (a killed run), removed.
    std::size_t stale_temporaries = 0;

    /// What a user should be told of the above, one line each.
    [[nodiscard]] std::vector<std::string> notes() const {
        std::vector<std::string> out;
        for (const auto& p : kept) out.push_back("--force kept '" + p.string() + "', which is not a file of the dataset");
        for (const auto& p : busy) out.push_back("--force left '" + p.string() + "', which another process is writing");
        if (stale_temporaries != 0)
            out.push_back("removed " + std::to_string(stale_temporaries) + " temporary file(s) left by an interrupted run");
        return out;
    }
};

/// Makes `out.root` ready for the run `run`: checks what is there against the request,
/// clears what `force` clears, writes `run.json` and creates `images/`, `masks/` and `records/`.
///
/// - Neither flag: the folder must be missing or empty.
/// - `resume`: the folder must be missing, empty, or hold a dataset whose `run.json`
///   describes this same run (`run_description::difference_from` names the first field that
///   differs). Finished samples are kept; the caller skips them.
/// - `force`: removes `run.json` first (so an interrupted removal is never taken for a
///   dataset), then the dataset's own files only: `images/NNNNNN.png`, `masks/NNNNNN.png`,
///   `records/NNNNNN.json`, `manifest.jsonl` and their temporary files, then flushes the
///   folders. Anything else stays and is listed in the report's `kept` (or `busy`).
/// In every mode, temporary files of the dataset's names that no writer holds
/// (`ias::detail::remove_if_unheld`) are removed. `images/`, `masks/` and `records/` must be
/// real folders, never links, so nothing outside the dataset folder is written or removed. The checks come first: a refusal changes
/// nothing on disk. The folder is locked (`folder_lock`) throughout, so shard processes may
/// call it on one folder at once. Throws std::invalid_argument for a refusal (both flags, a
/// non-empty folder without a flag, a different run, a damaged `run.json`, a non-empty folder
/// without one to resume, a link or file in place of a folder) and ias::error naming the path
/// when the disk fails.
inline prepare_report prepare_output(const layout& out, const run_description& run, bool force, bool resume) {
    namespace fs = std::filesystem;
    const std::string name = out.root.string();
    check_output(out, force, resume);
    std::error_code ec;
    fs::create_directories(out.root, ec);
    if (ec) throw error("ias::dataset::prepare_output: cannot create the output folder '" + name + "': " + ec.message());
    const ias::detail::folder_lock lock(out.root);
    check_output(out, force, resume);  // again, under the lock: another process may have begun a dataset here meanwhile

    const auto refuse = [&](const std::string& why) { throw std::invalid_argument("ias::dataset::prepare_output: " + why); };
    for (const fs::path& dir : {out.images_dir(), out.masks_dir(), out.records_dir()}) {
        const fs::file_status own = fs::symlink_status(dir, ec);
        if (own.type() != fs::file_type::not_found && own.type() != fs::file_type::directory)
            refuse("'" + dir.string() + "' is " + (fs::is_symlink(own) ? "a link" : "not a folder") +
                   "; a dataset's images/, masks/ and records/ must be folders of their own, so that nothing outside the "
                   "dataset is written or removed. Move it away");
    }
    bool has_dataset_files = false;
    detail::for_each_entry(out, [&](const fs::path&, detail::entry_kind kind) { has_dataset_files |= kind != detail::entry_kind::foreign; });
    const bool has_run_file = fs::exists(out.run_file(), ec);
    if (resume && has_run_file) {
        const auto text = ias::detail::read_whole_file(out.run_file(), std::uint64_t{1} << 30, "a run description", [&](const std::string& why) {
            throw error("ias::dataset::prepare_output: '" + out.run_file().string() + "': " + why);
        });
        run_description dataset;
        try {
            dataset = run_description::parse(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), out.run_file());
        } catch (const error& e) {
            refuse(e.what());
        }
        if (const std::string difference = run.difference_from(dataset); !difference.empty())
            refuse("'" + name + "' holds another dataset: " + difference +
                   ". Pass the same settings to continue it, or --force to replace it");
    } else if (resume && !fs::is_empty(out.root, ec)) {
        refuse("'" + name + "' is not empty but holds no run.json, so it is no dataset this run can continue (" +
               (has_dataset_files ? "its dataset files are of an older ias, or of a --force that was interrupted"
                                  : "it holds other files") +
               "); pass --force to write a new dataset there (files that are not a dataset's stay), or name an empty folder");
    }

    prepare_report report;
    if (force) detail::remove_file(out.run_file(), "for --force");
    bool removed = false;
    detail::for_each_entry(out, [&](const fs::path& path, detail::entry_kind kind) {
        if (kind == detail::entry_kind::temporary) {
            const bool stale = ias::detail::remove_if_unheld(path);
            report.stale_temporaries += stale;
            removed |= stale;
            if (!stale && force) report.busy.push_back(path);
        } else if (force && kind == detail::entry_kind::dataset) {
            detail::remove_file(path, "for --force");
            removed = true;
        } else if (force && kind == detail::entry_kind::foreign) {
            report.kept.push_back(path);
        }
    });
    std::sort(report.kept.begin(), report.kept.end());
    std::sort(report.busy.begin(), report.busy.end());
    // The removals reach the disk before the new run.json does, so a crash never shows old
    // samples under the new description.
    if (removed || force)
        for (const fs::path& dir : {out.images_dir(), out.masks_dir(), out.records_dir(), out.root})
            if (fs::is_directory(dir, ec))
                if (const int e = ias::detail::sync_folder(dir); e != 0)
                    throw error("ias::dataset::prepare_output: cannot flush the folder '" + dir.string() + "': " + std::strerror(e));
    if (force || !has_run_file) write_file_atomically(out.run_file(), run.text());
    for (const fs::path& dir : {out.images_dir(), out.masks_dir(), out.records_dir()}) {
        fs::create_directories(dir, ec);
        std::error_code is_dir_ec;
        if (ec || !fs::is_directory(dir, is_dir_ec))
            throw error("ias::dataset::prepare_output: cannot create the folder '" + dir.string() +
                        "': " + (ec ? ec.message() : std::string("a file of that name is in the way")));
    }
    return report;
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

/// The files of one sample as they go to the disk: the PNG bytes of its image and its mask.
struct encoded_sample {
    std::vector<std::uint8_t> image, mask;
};

namespace detail {
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
}  // namespace detail

/// Encodes sample `index` as `write_sample` writes it: the image as PNG (8-bit pixels as they
/// are, float pixels clamped to [0, 1], times 255, rounded) and the mask as one grey channel,
/// round(mask * 255) (all zero when the mask is empty). Throws ias::error naming the sample for
/// an empty image or a mask that is not one channel of the image's size.
inline encoded_sample encode_sample(std::uint64_t index, const sample& s) {
    if (s.image.empty())
        throw error("ias::dataset::write_sample: sample " + std::to_string(index) + " has an empty image; there is nothing to write");
    const int width = s.image.width(), height = s.image.height();
    if (!s.mask.empty() && (s.mask.width() != width || s.mask.height() != height || s.mask.channels() != 1))
        throw error("ias::dataset::write_sample: the mask of sample " + std::to_string(index) + " is " + std::to_string(s.mask.width()) + "x" +
                    std::to_string(s.mask.height()) + "x" + std::to_string(s.mask.channels()) +
                    ", but it must be one channel of the image's size " + std::to_string(width) + "x" + std::to_string(height));
    encoded_sample files;
    if (s.image.holds<std::uint8_t>()) {
        files.image = encode_image(s.image.get<std::uint8_t>().view(), image_format::png);
    } else {
        ias::image<std::uint8_t> bytes(width, height, s.image.channels());
        convert_pixels(s.image.get<float>().view(), bytes.view());
        files.image = encode_image(std::as_const(bytes).view(), image_format::png);
    }
    const ias::image<std::uint8_t> levels = detail::mask_levels(s.mask, width, height);
    files.mask = encode_image(levels.view(), image_format::png);
    return files;
}

/// The manifest line of sample `index` (no trailing newline): one JSON object with the keys
/// `index`, `source`, `recipe`, `label`, `defect_kind`, `mask_area`, `image`, `image_bytes`,
/// `image_sha256`, `mask`, `mask_bytes`, `mask_sha256` and `params`, in that order and without
/// spaces; `files` are the sample's encoded files (`encode_sample`). `params` lists the trace
/// (empty when the sample has none) as `{"stage":..., "fields":{name: number or [numbers]}}`
/// in trace order; a field of one value is a bare number. Numbers are the shortest round-trip
/// form, non-finite ones `null` (see json.hpp): identical samples give identical bytes.
inline std::string record_line(std::uint64_t index, const sample& s, const record_info& info, const encoded_sample& files) {
    const std::string name = sample_name(index);
    const file_fingerprint image = file_fingerprint::of(files.image), mask = file_fingerprint::of(files.mask);
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
    line += ",\"image\":\"images/" + name + ".png\",\"image_bytes\":" + std::to_string(image.bytes) + ",\"image_sha256\":\"" + image.sha256 +
            "\",\"mask\":\"masks/" + name + ".png\",\"mask_bytes\":" + std::to_string(mask.bytes) + ",\"mask_sha256\":\"" + mask.sha256 +
            "\",\"params\":[";
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

/// Writes sample `index` into the dataset: `images/NNNNNN.png` and `masks/NNNNNN.png`
/// (`encode_sample`), each durably (on the disk before this goes on), then, last,
/// `records/NNNNNN.json` (`record_line` and a newline), so the record exists only once the
/// image and mask it fingerprints are complete. Throws ias::error naming the sample for an
/// empty image or a mask that is not one channel of the image's size (before anything is
/// written), and naming the file when writing fails. Safe to call from several threads and
/// processes for different indices, and for one index (the same bytes) too.
inline void write_sample(const layout& out, std::uint64_t index, const sample& s, const record_info& info) {
    const encoded_sample files = encode_sample(index, s);
    const std::string record = record_line(index, s, info, files) + '\n';
    write_file_atomically(out.image(index), files.image);
    write_file_atomically(out.mask(index), files.mask);
    write_file_atomically(out.record(index), record);
}

namespace detail {

/// The largest record ias reads: far more than any trace needs.
inline constexpr std::uint64_t max_record_bytes = std::uint64_t{1} << 26;

/// The text of the record file `path` without its final newline. Throws ias::error naming it
/// when it cannot be read.
inline std::string read_record(const std::filesystem::path& path) {
    const auto bytes = ias::detail::read_whole_file(path, max_record_bytes, "a record", [&](const std::string& why) {
        throw error("ias::dataset: cannot read the record '" + path.string() + "': " + why);
    });
    std::string line(bytes.begin(), bytes.end());
    if (line.ends_with('\n')) line.pop_back();
    return line;
}

/// Why `line` is not the record of sample `index` (one line of JSON starting with
/// `{"index":` and that index); empty when it is.
inline std::string record_problem(std::string_view line, std::uint64_t index) {
    constexpr std::string_view prefix = "{\"index\":";
    std::uint64_t stated = 0;
    bool well_formed = line.starts_with(prefix) && line.ends_with('}') && line.find_first_of("\r\n") == std::string_view::npos;
    if (well_formed) {
        const char* const last = line.data() + line.size();
        const auto [end, number_ec] = std::from_chars(line.data() + prefix.size(), last, stated);
        well_formed = number_ec == std::errc() && end != last && *end == ',';
    }
    if (!well_formed) return "it is not one line of JSON starting with " + std::string(prefix) + " and the sample index";
    if (stated != index) return "it is the record of sample " + std::to_string(stated) + ", but its name says sample " + std::to_string(index);
    return {};
}

/// The value of `"key":` in a record: the digits of a number, or the text of a string
/// without its quotes; empty when the key is missing. The first match is the field's: a key
/// followed by `":` cannot occur inside a JSON string, whose quotes are escaped.
inline std::string_view record_field(std::string_view line, std::string_view key) {
    const std::string pattern = "\"" + std::string(key) + "\":";
    const std::size_t at = line.find(pattern);
    if (at == std::string_view::npos) return {};
    std::string_view rest = line.substr(at + pattern.size());
    if (rest.starts_with('"')) {
        rest.remove_prefix(1);
        return rest.substr(0, rest.find('"'));
    }
    return rest.substr(0, rest.find_first_not_of("0123456789"));
}

/// Why the file `path` does not match the fingerprint `key`_bytes / `key`_sha256 of `line`;
/// empty when it does.
inline std::string file_problem(std::string_view line, std::string_view key, const std::filesystem::path& path) {
    const std::string_view bytes = record_field(line, std::string(key) + "_bytes");
    const std::string_view sha256 = record_field(line, std::string(key) + "_sha256");
    if (bytes.empty() || sha256.size() != 64) return "the record has no size and SHA-256 of its " + std::string(key);
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) return "'" + path.string() + "' cannot be read: " + ec.message();
    if (std::to_string(size) != bytes)
        return "'" + path.string() + "' has " + std::to_string(size) + " bytes, its record says " + std::string(bytes);
    const auto content = ias::detail::read_whole_file(path, size, "an image file", [&](const std::string& why) {
        throw error("'" + path.string() + "' cannot be read: " + why);
    });
    if (sha256_hex(content) != sha256) return "'" + path.string() + "' does not have the SHA-256 its record gives";
    return {};
}

/// The indices of the records in `records/` (files named exactly `sample_name(i) + ".json"`),
/// in increasing order. Throws ias::error naming the folder when it cannot be listed.
inline std::vector<std::uint64_t> record_indices(const layout& out) {
    namespace fs = std::filesystem;
    std::vector<std::uint64_t> indices;
    std::error_code ec;
    fs::directory_iterator it(out.records_dir(), ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::error_code kind_ec;
        const std::optional<std::uint64_t> index = sample_index(it->path().filename().string(), ".json");
        if (index && it->is_regular_file(kind_ec)) indices.push_back(*index);
    }
    if (ec) throw error("ias::dataset: cannot list the records folder '" + out.records_dir().string() + "': " + ec.message());
    std::sort(indices.begin(), indices.end());
    return indices;
}

}  // namespace detail

/// Why sample `index` is not finished: no record, a record that is not its own, or an image
/// or mask whose size or SHA-256 differs from what the record says (a file truncated by a
/// crash, or changed since); empty when the sample is finished and intact.
inline std::string sample_problem(const layout& out, std::uint64_t index) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out.record(index), ec)) return "no record";
    std::string line;
    try {
        line = detail::read_record(out.record(index));
    } catch (const error& e) {
        return e.what();
    }
    if (std::string why = detail::record_problem(line, index); !why.empty()) return "'" + out.record(index).string() + "': " + why;
    try {
        if (std::string why = detail::file_problem(line, "image", out.image(index)); !why.empty()) return why;
        return detail::file_problem(line, "mask", out.mask(index));
    } catch (const error& e) {
        return e.what();
    }
}

/// True when sample `index` is finished and intact (`sample_problem` is empty).
inline bool finished(const layout& out, std::uint64_t index) { return sample_problem(out, index).empty(); }

/// Rebuilds `manifest.jsonl` from every record in `records/`: the records' lines in index
/// order, each followed by '\n', written durably and atomically while the folder is locked,
/// so that of several processes writing one dataset (shards) the last to finish writes a
/// manifest that lists every record on disk. Only files named exactly `sample_name(i) +
/// ".json"` count (temporary files and anything else are ignored), so shards written into one
/// folder give the same manifest as one full run. Memory is bounded by the number of records,
/// not their size. Returns the number of records. Throws ias::error naming the file for a
/// record that is not one line of JSON starting with `{"index":` and its own index, and naming
/// the folder when it cannot be listed; a failed rebuild keeps the last manifest.
inline std::size_t rebuild_manifest(const layout& out) {
    const ias::detail::folder_lock lock(out.root);
    const std::vector<std::uint64_t> indices = detail::record_indices(out);
    atomic_file manifest(out.manifest());
    for (const std::uint64_t index : indices) {
        std::string line = detail::read_record(out.record(index));
        if (const std::string why = detail::record_problem(line, index); !why.empty())
            throw error("ias::dataset::rebuild_manifest: the record '" + out.record(index).string() + "': " + why +
                        "; delete it and run again with --resume to regenerate sample " + std::to_string(index));
        line += '\n';
        manifest.write(line);
    }
    manifest.commit();
    return indices.size();
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

/// One more than the largest sample index: indices are 32-bit, since they are part of each
/// sample's Philox counter (see rng_stream), so a dataset holds at most 2^32 samples.
inline constexpr std::uint64_t max_count = std::uint64_t{1} << 32;

/// Calls `write(std::span<const std::uint64_t>)` with the indices i < `count` of `part` for
/// which `wanted(i)` holds, in increasing order, at most `chunk` at a time: a run's work list
/// in bounded memory, whatever its count.
template <class Wanted, class Write>
void for_each_pending_chunk(std::uint64_t count, shard part, Wanted&& wanted, Write&& write, std::size_t chunk = std::size_t{1} << 16) {
    std::vector<std::uint64_t> indices;
    indices.reserve(chunk);
    for (std::uint64_t i = part.k; i < count; i += part.n) {
        if (!wanted(i)) continue;
        indices.push_back(i);
        if (indices.size() == chunk) {
            write(std::span<const std::uint64_t>(indices));
            indices.clear();
        }
    }
    if (!indices.empty()) write(std::span<const std::uint64_t>(indices));
}

/// The samples of a dataset that have a record, split into the intact and the damaged.
struct record_check {
    std::vector<std::uint64_t> finished;                         ///< increasing
    std::vector<std::pair<std::uint64_t, std::string>> damaged;  ///< index and `sample_problem`, increasing
};

/// Checks the records in `records/` of the samples of `part` with `sample_problem`, on
/// `threads` threads (0: the hardware's count): what `--resume` keeps and what it makes again.
/// The memory it takes is a few bytes per record, plus the messages of the damaged.
inline record_check check_records(const layout& out, shard part = {}, unsigned threads = 0) {
    std::vector<std::uint64_t> indices = detail::record_indices(out);
    std::erase_if(indices, [&](std::uint64_t i) { return !part.contains(i); });
    std::vector<char> intact(indices.size(), 0);
    record_check check;
    std::mutex damaged_mutex;
    ias::detail::parallel_for(indices.size(), threads, [&] {
        return [&](std::uint64_t k) {
            std::string problem = sample_problem(out, indices[k]);
            intact[k] = problem.empty();
            if (problem.empty()) return;
            const std::lock_guard lock(damaged_mutex);
            check.damaged.emplace_back(indices[k], std::move(problem));
        };
    });
    for (std::size_t k = 0; k < indices.size(); ++k)
        if (intact[k]) check.finished.push_back(indices[k]);
    std::sort(check.damaged.begin(), check.damaged.end());
    return check;
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
