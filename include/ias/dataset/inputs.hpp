// SPDX-License-Identifier: MIT
// The input side of dataset generation: the image files of a folder (or of an MVTec AD category) and their masks.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../io/file_listing.hpp"
#include "../io/files.hpp"

namespace ias::dataset {

/// The file extensions `find_inputs` reads, as its messages list them (case-insensitive).
inline constexpr const char* input_extensions = ".png .jpg .jpeg .bmp .tga";

/// The image files of an input folder.
struct input_set {
    /// The folder the images are read from: an MVTec AD category's `train/good`, or the folder itself.
    std::filesystem::path root;
    /// The image paths relative to `root`, sorted by their generic ('/'-separated) string.
    std::vector<std::filesystem::path> relative;
    /// Links that lead nowhere (dangling or in a loop), links to folders (never followed, so
    /// a loop cannot make the listing endless) and special files with an image's extension:
    /// not read, and named here so that a caller can say so, since each shifts the mapping of
    /// sample indices to inputs. Sorted by path.
    std::vector<skipped_entry> skipped;
};

/// Finds the images to synthesise from in `dir`.
///
/// When `dir/train/good` is a folder, `dir` is taken as an MVTec AD category and only its
/// normal training images are read (`test/` and `ground_truth/` hold defects); otherwise
/// `dir` itself is. Image files are found in subfolders too, by extension (.png .jpg .jpeg
/// .bmp .tga, case-insensitive); files and folders whose name starts with '.' are skipped,
/// links to files are followed, and the entries that are not read are listed in `skipped`.
/// The result is sorted by generic path string, so sample indices map to the same files on
/// every machine. Throws ias::error naming `dir` when it does not exist, is not a folder,
/// cannot be listed, or holds no image.
inline input_set find_inputs(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (status.type() == fs::file_type::not_found)
        throw error("ias::dataset::find_inputs: the input folder '" + dir.string() + "' does not exist");
    if (ec) throw error("ias::dataset::find_inputs: cannot access the input folder '" + dir.string() + "': " + ec.message());
    if (!fs::is_directory(status))
        throw error("ias::dataset::find_inputs: the input '" + dir.string() + "' is not a folder; pass a folder of images");

    input_set inputs;
    inputs.root = dir;
    if (const fs::path mvtec = dir / "train" / "good"; fs::is_directory(mvtec, ec)) inputs.root = mvtec;

    file_listing listing = list_files(
        inputs.root, {.wanted = [](const fs::path& p) { return ias::detail::is_image_extension(ias::detail::lower_extension(p)); }}, ec);
    if (ec)
        throw error("ias::dataset::find_inputs: cannot list the input folder '" + inputs.root.string() + "': " + ec.message());
    if (listing.files.empty())
        throw error("ias::dataset::find_inputs: the input folder '" + inputs.root.string() + "' holds no image; ias reads " +
                    input_extensions + " files (any letter case, in subfolders too)");
    inputs.skipped = std::move(listing.skipped);
    inputs.relative.reserve(listing.files.size());
    for (const auto& file : listing.files) inputs.relative.push_back(file.lexically_relative(inputs.root));
    return inputs;
}

/// Throws std::invalid_argument when the output folder `out` is, contains or lies inside
/// `folder` (both resolved: `.`, `..` and links), which `what` names ("the --input folder"):
/// a dataset written there would be read back as input, or its `--force` would reach the
/// input files. An empty `folder` is ignored.
inline void check_apart(const std::filesystem::path& out, const std::filesystem::path& folder, std::string_view what) {
    namespace fs = std::filesystem;
    if (folder.empty()) return;
    std::error_code ec;
    const auto resolve = [&](const fs::path& p) {
        fs::path r = fs::weakly_canonical(fs::absolute(p), ec).lexically_normal();
        if (!r.has_filename() && r.has_relative_path()) r = r.parent_path();  // "/a/b/" is "/a/b"
        return r;
    };
    const fs::path a = resolve(out);
    if (ec) return;  // a path that cannot be resolved is reported by whoever opens it
    const fs::path b = resolve(folder);
    if (ec) return;
    const auto within = [](const fs::path& inner, const fs::path& outer) {
        auto i = inner.begin();
        for (auto o = outer.begin(); o != outer.end(); ++o, ++i)
            if (i == inner.end() || *i != *o) return false;
        return true;
    };
    const std::string names = "the output folder '" + out.string() + "' and " + std::string(what) + " '" + folder.string() + "'";
    if (within(a, b) && within(b, a)) throw std::invalid_argument("ias::dataset::check_apart: " + names + " are the same folder; write the dataset elsewhere");
    if (within(a, b)) throw std::invalid_argument("ias::dataset::check_apart: " + names + ": the output lies inside it; write the dataset elsewhere");
    if (within(b, a)) throw std::invalid_argument("ias::dataset::check_apart: " + names + ": the output contains it; write the dataset elsewhere");
}

/// The mask file of the input image `relative` (a path relative to the input root) in
/// `mask_dir`: `mask_dir/relative` with the extension replaced by .png, or else MVTec AD's
/// naming, `mask_dir/<folders of relative>/<stem>_mask.png`. Returns an empty path when
/// neither is a file.
inline std::filesystem::path matching_mask(const std::filesystem::path& mask_dir, const std::filesystem::path& relative) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path same_name = mask_dir / relative;
    same_name.replace_extension(".png");
    if (fs::is_regular_file(same_name, ec)) return same_name;
    fs::path mvtec_name = relative.stem();
    mvtec_name += "_mask.png";
    fs::path mvtec = mask_dir / relative;
    mvtec.replace_filename(mvtec_name);
    if (fs::is_regular_file(mvtec, ec)) return mvtec;
    return {};
}

}  // namespace ias::dataset
