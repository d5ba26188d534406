// SPDX-License-Identifier: MIT
// Score maps and ground-truth masks on disk: .npy/.pfm/.png readers, an .npy writer, stem matching, evaluation of two folders.
//
// PNG goes through io/stb.hpp, so link Debian's libstb (pkg-config `stb`) or define
// IAS_STB_IMPLEMENTATION in one translation unit of your own, as for io/stb.hpp.
#pragma once

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../core/error.hpp"
#include "../core/image.hpp"
#include "../io/files.hpp"
#include "../io/stb.hpp"
#include "metrics.hpp"

namespace ias::eval {

namespace detail {

[[noreturn]] inline void file_error(const std::filesystem::path& path, const std::string& why) {
    throw error("ias::eval: '" + path.string() + "': " + why);
}

/// The unsigned integer of `n` bytes at `at`, little endian (`big` = false) or big endian.
inline std::uint64_t read_uint(std::span<const std::uint8_t> b, std::size_t at, int n, bool big) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | b[at + std::size_t(big ? i : n - 1 - i)];
    return v;
}

/// Checks a map's size against `limits`; names the file.
inline void check_map_size(const std::filesystem::path& path, std::uint64_t width, std::uint64_t height,
                           const load_limits& limits) {
    if (width == 0 || height == 0)
        file_error(path, "the score map is " + std::to_string(width) + "x" + std::to_string(height) +
                             "; it must have at least one pixel");
    if (width > std::uint64_t(limits.max_width) || height > std::uint64_t(limits.max_height))
        file_error(path, "the score map is " + std::to_string(width) + "x" + std::to_string(height) +
                             ", more than the limit of " + std::to_string(limits.max_width) + "x" +
                             std::to_string(limits.max_height));
    if (width * height > limits.max_pixels)
        file_error(path, "the score map is " + std::to_string(width) + "x" + std::to_string(height) + ", " +
                             std::to_string(width * height) + " pixels, more than the limit of " +
                             std::to_string(limits.max_pixels) + " (load_limits::max_pixels)");
    if (width > limits.max_bytes / sizeof(float) / height)  // width * height * 4 > max_bytes, without overflow
        file_error(path, "the " + std::to_string(width) + "x" + std::to_string(height) +
                             " score map needs more than the limit of " + std::to_string(limits.max_bytes) +
                             " bytes");
}

/// Stores a decoded element, rejecting NaN, infinities and doubles outside the float range.
inline void store_finite(const std::filesystem::path& path, image<float>& out, int x, int y, double value) {
    const auto at = [&] {
        return "element [" + std::to_string(y) + ", " + std::to_string(x) + "] (row " + std::to_string(y) +
               ", column " + std::to_string(x) + ")";
    };
    if (std::isnan(value)) file_error(path, at() + " is NaN; score maps must hold finite numbers");
    if (std::isinf(value)) file_error(path, at() + " is infinite; score maps must hold finite numbers");
    const auto f = float(value);
    if (std::isinf(f))
        file_error(path, at() + " is " + std::to_string(value) +
                             ", outside the float32 range; score maps must hold finite float32 numbers");
    out(x, y) = f;
}

/// A parser of the Python dict literal in an .npy header, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
class npy_header_parser {
public:
    npy_header_parser(const std::filesystem::path& path, std::string_view text) : path_(path), text_(text) {}

    struct result {
        std::string descr;
        bool fortran_order = false;
        std::vector<std::uint64_t> shape;
    };

    result parse() {
        result r;
        bool have_descr = false, have_order = false, have_shape = false;
        expect('{');
        while (true) {
            skip_space();
            if (peek() == '}') break;
            const std::string key = string_literal();
            expect(':');
            skip_space();
            if (key == "descr") {
                if (peek() != '\'' && peek() != '"')
                    fail("'descr' is not a simple dtype string (a structured dtype?); score maps must be '<f4' or "
                         "'<f8'");
                r.descr = string_literal();
                have_descr = true;
            } else if (key == "fortran_order") {
                r.fortran_order = boolean();
                have_order = true;
            } else if (key == "shape") {
                r.shape = tuple();
                have_shape = true;
            } else {
                fail("the header has the unknown key '" + key + "'; numpy writes only 'descr', 'fortran_order' and "
                     "'shape'");
            }
            skip_space();
            if (peek() == ',') {
                ++at_;
                continue;
            }
            if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
        }
        ++at_;
        skip_space();
        if (at_ != text_.size()) fail("unexpected text after the header dict");
        if (!have_descr || !have_order || !have_shape)
            fail("the header lacks one of the keys 'descr', 'fortran_order' and 'shape'");
        return r;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        std::string_view shown = text_.substr(0, 200);
        while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.remove_suffix(1);
        file_error(path_, "malformed .npy header: " + why + " (header: " + std::string(shown) + ")");
    }
    char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r'))
            ++at_;
    }
    void expect(char c) {
        skip_space();
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++at_;
    }
    std::string string_literal() {
        skip_space();
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail("expected a quoted string");
        const std::size_t end = text_.find(quote, at_ + 1);
        if (end == std::string_view::npos) fail("unterminated string");
        std::string s(text_.substr(at_ + 1, end - at_ - 1));
        at_ = end + 1;
        return s;
    }
    bool boolean() {
        if (text_.substr(at_, 4) == "True") {
            at_ += 4;
            return true;
        }
        if (text_.substr(at_, 5) == "False") {
            at_ += 5;
            return false;
        }
        fail("'fortran_order' must be True or False");
    }
    std::vector<std::uint64_t> tuple() {
        if (peek() != '(') fail("'shape' must be a tuple of integers");
        ++at_;
        std::vector<std::uint64_t> dims;
        while (true) {
            skip_space();
            if (peek() == ')') break;
            std::uint64_t v = 0;
            const auto [ptr, ec] = std::from_chars(text_.data() + at_, text_.data() + text_.size(), v);
            if (ec != std::errc() || ptr == text_.data() + at_) fail("'shape' must be a tuple of non-negative integers");
            at_ = std::size_t(ptr - text_.data());
            if (peek() == 'L') ++at_;  // Python 2 long literal
            dims.push_back(v);
            skip_space();
            if (peek() == ',') {
                ++at_;
                continue;
            }
            if (peek() != ')') fail("expected ',' or ')' in 'shape'");
        }
        ++at_;
        return dims;
    }

    const std::filesystem::path& path_;
    std::string_view text_;
    std::size_t at_ = 0;
};

inline std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

inline image<float> decode_npy(const std::filesystem::path& path, std::span<const std::uint8_t> b,
                               const load_limits& limits) {
    static constexpr std::string_view magic = "\x93NUMPY";
    if (b.size() < 10 || std::memcmp(b.data(), magic.data(), magic.size()) != 0)
        file_error(path, "not a NumPy .npy file: it does not start with the magic bytes \\x93NUMPY");
    const int major = b[6], minor = b[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        file_error(path, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                             "; ias reads versions 1.0, 2.0 and 3.0");
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    if (b.size() < 8 + length_bytes) file_error(path, "truncated .npy file: the header length is missing");
    const std::uint64_t header_length = read_uint(b, 8, int(length_bytes), false);
    const std::size_t data_start = 8 + length_bytes + std::size_t(header_length);
    if (header_length > b.size() || data_start > b.size())
        file_error(path, "truncated .npy file: the header claims " + std::to_string(header_length) +
                             " bytes but the file has " + std::to_string(b.size()));
    const std::string_view header(reinterpret_cast<const char*>(b.data()) + 8 + length_bytes,
                                  std::size_t(header_length));
    const auto h = npy_header_parser(path, header).parse();

    bool big_endian = false;
    std::size_t item = 0;
    if (h.descr == "<f4" || h.descr == ">f4" || h.descr == "<f8" || h.descr == ">f8") {
        big_endian = h.descr[0] == '>';
        item = h.descr[2] == '4' ? 4 : 8;
    } else {
        file_error(path, "unsupported dtype '" + h.descr +
                             "'; score maps must be float32 or float64 ('<f4', '<f8', or big-endian '>f4', '>f8')");
    }
    if (h.fortran_order)
        file_error(path, "the array is stored in Fortran order (fortran_order: True); ias reads C-order arrays "
                         "only: save np.ascontiguousarray(a)");
    std::uint64_t height = 0, width = 0;
    const auto& s = h.shape;
    if (s.size() == 2) {
        height = s[0], width = s[1];
    } else if (s.size() == 3 && s[2] == 1) {
        height = s[0], width = s[1];
    } else if (s.size() == 3 && s[0] == 1) {
        height = s[1], width = s[2];
    } else {
        file_error(path, "the array has shape " + shape_text(s) + "; a score map must have shape (H, W), (H, W, 1) "
                                                                  "or (1, H, W)");
    }
    check_map_size(path, width, height, limits);
    const std::uint64_t needed = width * height * item;
    const std::uint64_t available = b.size() - data_start;
    if (available != needed)
        file_error(path, std::string(available < needed ? "truncated .npy file" : "malformed .npy file") + ": shape " +
                             shape_text(s) + " of '" + h.descr + "' needs " + std::to_string(needed) +
                             " data bytes but the file has " + std::to_string(available));

    image<float> out(int(width), int(height), 1);
    std::size_t at = data_start;
    for (int y = 0; y < int(height); ++y)
        for (int x = 0; x < int(width); ++x, at += item) {
            const double v = item == 4 ? double(std::bit_cast<float>(std::uint32_t(read_uint(b, at, 4, big_endian))))
                                       : std::bit_cast<double>(read_uint(b, at, 8, big_endian));
            store_finite(path, out, x, y, v);
        }
    return out;
}

/// Portable Float Map: "Pf" (greyscale), width, height, scale (negative: little endian), each
/// separated by whitespace, one whitespace byte, then float32 rows from the bottom row up.
inline image<float> decode_pfm(const std::filesystem::path& path, std::span<const std::uint8_t> b,
                               const load_limits& limits) {
    const auto is_space = [](std::uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    if (b.size() < 2 || b[0] != 'P' || (b[1] != 'f' && b[1] != 'F'))
        file_error(path, "not a Portable Float Map: it does not start with 'Pf'");
    if (b[1] == 'F')
        file_error(path, "a colour PFM ('PF', 3 channels); score maps must be greyscale PFM ('Pf')");
    std::size_t at = 2;
    // The three header fields; the header is short, so look at no more than 256 bytes.
    std::string fields[3];
    for (auto& field : fields) {
        const std::size_t start = at;
        while (at < b.size() && is_space(b[at])) ++at;
        if (at == start) file_error(path, "malformed PFM header: fields must be separated by whitespace");
        while (at < b.size() && !is_space(b[at]) && at < 256) field += char(b[at++]);
        if (field.empty() || at >= b.size() || at >= 256)
            file_error(path, "truncated or malformed PFM header: expected 'Pf', width, height and scale");
    }
    ++at;  // the single whitespace byte that ends the header
    std::uint64_t dims[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        const auto [ptr, ec] = std::from_chars(fields[i].data(), fields[i].data() + fields[i].size(), dims[i]);
        if (ec != std::errc() || ptr != fields[i].data() + fields[i].size())
            file_error(path, "malformed PFM header: the " + std::string(i == 0 ? "width" : "height") + " '" +
                                 fields[i] + "' is not a non-negative integer");
    }
    double scale = 0.0;
    const auto [ptr, ec] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), scale);
    if (ec != std::errc() || ptr != fields[2].data() + fields[2].size() || !std::isfinite(scale) || scale == 0.0)
        file_error(path, "malformed PFM header: the scale '" + fields[2] +
                             "' must be a nonzero number (negative: little endian, positive: big endian)");
    const bool big_endian = scale > 0.0;
    const std::uint64_t width = dims[0], height = dims[1];
    check_map_size(path, width, height, limits);
    const std::uint64_t needed = width * height * 4;
    const std::uint64_t available = b.size() - at;
    if (available != needed)
        file_error(path, std::string(available < needed ? "truncated PFM" : "malformed PFM") + ": " +
                             std::to_string(width) + "x" + std::to_string(height) + " needs " +
                             std::to_string(needed) + " data bytes but the file has " + std::to_string(available));
    image<float> out(int(width), int(height), 1);
    for (int row = 0; row < int(height); ++row) {  // stored bottom row first
        const int y = int(height) - 1 - row;
        for (int x = 0; x < int(width); ++x, at += 4)
            store_finite(path, out, x, y, double(std::bit_cast<float>(std::uint32_t(read_uint(b, at, 4, big_endian)))));
    }
    return out;
}

}  // namespace detail

/// Loads a one-channel score map as float32, chosen by the (case-insensitive) extension:
///
/// - `.npy`: NumPy format 1.0, 2.0 or 3.0 as `numpy.save` writes it (magic `\x93NUMPY`, a
///   header dict with 'descr', 'fortran_order' and 'shape'); dtype float32 or float64
///   ('<f4', '<f8', or big-endian '>f4', '>f8'; float64 is rounded to float32); shape (H, W),
///   (H, W, 1) or (1, H, W) (read as (H, W, 1) when both fit); C order only. The data must be exactly as long as the shape says.
/// - `.pfm`: greyscale Portable Float Map ("Pf"); a negative scale means little endian, a
///   positive one big endian; rows are stored bottom to top and are flipped, so (0, 0) is the
///   top-left pixel. The scale's magnitude is ignored. Colour PFM ("PF") is rejected.
/// - `.png`: greyscale, 8-bit (values / 255) or 16-bit (values / 65535), through io/stb.hpp.
///
/// Every element must be finite. Throws ias::error naming the file and what is wrong (bad
/// magic, truncated or over-long data, unsupported version, dtype or shape, Fortran order,
/// colour, an element that is NaN or infinite, by row and column) and what is allowed, and
/// for a file or map beyond `limits`.
inline image<float> load_score_map(const std::filesystem::path& path, const load_limits& limits = {}) {
    const std::string ext = ias::detail::lower_extension(path);
    if (ext == ".png") {
        const any_image loaded = load_image(path, {.channels = 0, .limits = limits});
        if (loaded.channels() != 1)
            detail::file_error(path, "the PNG has " + std::to_string(loaded.channels()) +
                                         " channels; a PNG score map must be greyscale (8 or 16 bit, no alpha)");
        if (loaded.holds<float>()) return loaded.get<float>();  // 16-bit: io/stb.hpp gives v / 65535
        const auto& bytes = loaded.get<std::uint8_t>();
        image<float> out(bytes.width(), bytes.height(), 1);
        // v / 255 correctly rounded (not v * (1/255), which is off by an ulp for some v).
        for (std::size_t i = 0; i < bytes.size(); ++i) out.data()[i] = float(bytes.data()[i]) / 255.0f;
        return out;
    }
    if (ext != ".npy" && ext != ".pfm")
        detail::file_error(path, "the extension '" + ext + "' is not a score map format; use .npy, .pfm or .png");
    const auto bytes = ias::detail::read_whole_file(path, limits.max_bytes, "a score map file",
                                                    [&](const std::string& why) { detail::file_error(path, why); });
    return ext == ".npy" ? detail::decode_npy(path, bytes, limits) : detail::decode_pfm(path, bytes, limits);
}

/// Loads a ground-truth mask (`.png`, 8 or 16 bit) as 0 (normal) or 255 (anomalous) bytes, one
/// channel: a pixel is anomalous when any of its colour channels is nonzero (alpha is ignored),
/// so greyscale MVTec masks and coloured masks both work. Throws ias::error naming the file
/// when it cannot be read (see `load_image`).
inline image<std::uint8_t> load_mask(const std::filesystem::path& path, const load_limits& limits = {}) {
    const any_image loaded = load_image(path, {.channels = 0, .limits = limits});
    image<std::uint8_t> out(loaded.width(), loaded.height(), 1);
    loaded.visit([&]<class T>(image_view<const T> v) {
        const int colours = v.channels() == 4 ? 3 : v.channels();
        for (int y = 0; y < v.height(); ++y)
            for (int x = 0; x < v.width(); ++x) {
                bool anomalous = false;
                for (int c = 0; c < colours; ++c) anomalous = anomalous || v(x, y, c) != T(0);
                out(x, y) = anomalous ? 255 : 0;
            }
    });
    return out;
}

/// Writes a one-channel float map as a NumPy 1.0 `.npy` file: dtype '<f4', shape (H, W),
/// C order, the header padded with spaces to a multiple of 64 bytes as numpy does; readable
/// by `numpy.load` and `load_score_map`. The file is written atomically (temporary file, then
/// rename). Values are written as they are (NaN too, although `load_score_map` rejects it).
/// Throws std::invalid_argument for an empty map or one with more than one channel, and
/// ias::error naming the file when it cannot be written.
inline void save_npy(const std::filesystem::path& path, image_view<const float> map) {
    if (map.empty())
        throw std::invalid_argument("ias::eval::save_npy: '" + path.string() + "': the map is empty");
    if (map.channels() != 1)
        throw std::invalid_argument("ias::eval::save_npy: '" + path.string() + "': the map has " +
                                    std::to_string(map.channels()) + " channels; it must have 1");
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(map.height()) +
                         ", " + std::to_string(map.width()) + "), }";
    const std::size_t unpadded = 10 + header.size() + 1;  // magic, version, length, dict, '\n'
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    // Filled in place (sized once): the file is magic, version 1.0, header length, header, data.
    std::vector<std::uint8_t> bytes(10 + header.size() + map.size() * 4);
    std::memcpy(bytes.data(), "\x93NUMPY\x01\x00", 8);
    bytes[8] = std::uint8_t(header.size() & 0xFF);
    bytes[9] = std::uint8_t(header.size() >> 8);
    std::memcpy(bytes.data() + 10, header.data(), header.size());
    std::size_t at = 10 + header.size();
    for (int y = 0; y < map.height(); ++y)
        for (int x = 0; x < map.width(); ++x) {
            const auto bits = std::bit_cast<std::uint32_t>(map(x, y));
            for (int k = 0; k < 4; ++k) bytes[at++] = std::uint8_t(bits >> (8 * k));  // little endian
        }
    write_file_atomically(path, bytes);
}

/// `save_npy` of an owning image.
inline void save_npy(const std::filesystem::path& path, const image<float>& map) { save_npy(path, map.view()); }

/// A score map and its ground-truth mask, matched by stem.
struct score_pair {
    std::filesystem::path map;   ///< the score map file
    std::filesystem::path mask;  ///< the mask file; empty for a normal image (no mask file)
    std::string stem;            ///< the matching key: the map's path under the scores folder, without extension
};

namespace detail {

inline bool is_score_map_extension(const std::string& ext) { return ext == ".npy" || ext == ".pfm" || ext == ".png"; }

/// The path of `file` under `root` without its extension, with '/' separators.
inline std::string relative_stem(const std::filesystem::path& file, const std::filesystem::path& root) {
    std::filesystem::path rel = file.lexically_relative(root);
    rel.replace_extension();
    return rel.generic_string();
}

/// Calls `f(path)` for every regular file under `root` (recursively), skipping the folder
/// `skip` when it lies inside `root`. Throws ias::error naming `root` when it is not a
/// readable folder.
template <class F>
void for_each_file(const std::filesystem::path& root, const char* what, const std::filesystem::path& skip, F&& f) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        file_error(root, std::string("the ") + what + " folder does not exist or is not a folder");
    const fs::path skip_canonical = skip.empty() ? fs::path() : fs::weakly_canonical(skip, ec);
    const bool can_skip = !ec && !skip_canonical.empty();
    try {
        for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
            if (can_skip && it->is_directory()) {
                std::error_code entry_ec;
                const fs::path canonical = fs::weakly_canonical(it->path(), entry_ec);
                if (!entry_ec && canonical == skip_canonical) {
                    it.disable_recursion_pending();
                    continue;
                }
            }
            if (it->is_regular_file()) f(it->path());
        }
    } catch (const fs::filesystem_error& e) {
        file_error(root, std::string("cannot list the ") + what + " folder: " + e.what());
    }
}

}  // namespace detail

/// Pairs the score maps under `scores_dir` with the masks under `ground_truth_dir`.
///
/// Score maps are the `.npy`, `.pfm` and `.png` files anywhere under `scores_dir`; masks are
/// the `.png` files anywhere under `ground_truth_dir` (extensions are case-insensitive). The
/// key of a file is its path under its folder without the extension, with '/' separators:
/// in flat folders that is the file stem ("000"); in MVTec AD's layout it keeps the defect
/// folder ("crack/000"), since every defect type numbers its images from 000. A mask matches
/// the score map of its own key, or, when its stem ends in "_mask" (MVTec's
/// `ground_truth/crack/000_mask.png`), of the key without that suffix. A score map without a
/// mask is a normal image (`mask` is empty).
///
/// Returns the pairs sorted by key. Throws ias::error naming the files when a mask matches
/// no score map, when two score maps have the same key (e.g. `000.npy` and `000.png`), when
/// two masks match the same score map, when a folder is missing or unreadable, or when
/// there is no score map at all; std::invalid_argument when both folders are the same (a
/// folder nested in the other is skipped while listing the other).
inline std::vector<score_pair> match_by_stem(const std::filesystem::path& scores_dir,
                                             const std::filesystem::path& ground_truth_dir) {
    namespace fs = std::filesystem;
    std::error_code ec_scores, ec_truth;
    const fs::path scores_canonical = fs::weakly_canonical(scores_dir, ec_scores);
    const fs::path truth_canonical = fs::weakly_canonical(ground_truth_dir, ec_truth);
    if (!ec_scores && !ec_truth && scores_canonical == truth_canonical)
        throw std::invalid_argument("ias::eval::match_by_stem: the scores folder '" + scores_dir.string() +
                                    "' and the ground-truth folder '" + ground_truth_dir.string() +
                                    "' are the same; they must be different folders");
    std::map<std::string, score_pair> pairs;
    detail::for_each_file(scores_dir, "scores", ground_truth_dir, [&](const fs::path& file) {
        if (!detail::is_score_map_extension(ias::detail::lower_extension(file))) return;
        const std::string key = detail::relative_stem(file, scores_dir);
        const auto [it, inserted] = pairs.try_emplace(key, score_pair{file, {}, key});
        if (!inserted)
            throw error("ias::eval::match_by_stem: the score maps '" + it->second.map.string() + "' and '" +
                        file.string() + "' have the same stem '" + key + "'; keep one score map per image");
    });
    if (pairs.empty())
        detail::file_error(scores_dir, "no score maps (.npy, .pfm or .png files) in this folder or below it");
    detail::for_each_file(ground_truth_dir, "ground-truth", scores_dir, [&](const fs::path& file) {
        if (ias::detail::lower_extension(file) != ".png") return;
        std::string key = detail::relative_stem(file, ground_truth_dir);
        auto it = pairs.find(key);
        static constexpr std::string_view suffix = "_mask";
        if (it == pairs.end() && key.size() > suffix.size() && key.ends_with(suffix)) {
            key.resize(key.size() - suffix.size());
            it = pairs.find(key);
        }
        if (it == pairs.end())
            throw error("ias::eval::match_by_stem: the mask '" + file.string() + "' has no score map: expected '" +
                        key + ".npy', '.pfm' or '.png' under '" + scores_dir.string() +
                        "' (maps and masks are matched by their path under their folders, without the "
                        "extension and a trailing '_mask')");
        if (!it->second.mask.empty())
            throw error("ias::eval::match_by_stem: the masks '" + it->second.mask.string() + "' and '" +
                        file.string() + "' both match the score map '" + it->second.map.string() +
                        "'; keep one mask per image");
        it->second.mask = file;
    });
    std::vector<score_pair> out;
    out.reserve(pairs.size());
    for (auto& [key, pair] : pairs) out.push_back(std::move(pair));
    return out;
}

/// Loads every score map under `scores_dir` and its mask under `ground_truth_dir` (paired by
/// `match_by_stem`; no mask = normal image), checks that each map has its mask's size, and
/// returns `evaluate` of them. Throws ias::error naming both files and their sizes when they
/// differ, and every error of `match_by_stem`, `load_score_map`, `load_mask` and `evaluate`.
/// Memory: every map (4 bytes per pixel) and mask (1 byte) is held at once, plus the sort
/// buffers of `evaluate`.
inline metrics_report evaluate_directories(const std::filesystem::path& scores_dir,
                                           const std::filesystem::path& ground_truth_dir) {
    const auto pairs = match_by_stem(scores_dir, ground_truth_dir);
    std::vector<image<float>> maps;
    std::vector<image<std::uint8_t>> masks;
    maps.reserve(pairs.size());
    masks.reserve(pairs.size());
    for (const auto& pair : pairs) {
        maps.push_back(load_score_map(pair.map));
        const auto& map = maps.back();
        if (pair.mask.empty()) {
            masks.emplace_back(map.width(), map.height(), 1, std::uint8_t{0});
            continue;
        }
        masks.push_back(load_mask(pair.mask));
        const auto& mask = masks.back();
        if (mask.width() != map.width() || mask.height() != map.height())
            throw error("ias::eval::evaluate_directories: the score map '" + pair.map.string() + "' is " +
                        std::to_string(map.width()) + "x" + std::to_string(map.height()) + " but its mask '" +
                        pair.mask.string() + "' is " + std::to_string(mask.width()) + "x" +
                        std::to_string(mask.height()) + "; they must have the same size");
    }
    return evaluate(std::span<const image<float>>(maps), std::span<const image<std::uint8_t>>(masks));
}

}  // namespace ias::eval
