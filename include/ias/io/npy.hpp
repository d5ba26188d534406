// SPDX-License-Identifier: MIT
// NumPy .npy files of one-channel float maps: a reader (float32 or float64, format 1.0 to 3.0) and an atomic writer.
#pragma once

#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../core/image.hpp"
#include "../detail/float_map_file.hpp"
#include "files.hpp"
#include "load_limits.hpp"

namespace ias {

namespace detail {

/// A parser of the Python dict literal in an .npy header, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
class npy_header_parser {
public:
    npy_header_parser(std::string_view who, const std::filesystem::path& path, std::string_view text)
        : who_(who), path_(path), text_(text) {}

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
        map_file_error(who_, path_, "malformed .npy header: " + why + " (header: " + std::string(shown) + ")");
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

    std::string_view who_;
    const std::filesystem::path& path_;
    std::string_view text_;
    std::size_t at_ = 0;
};

inline std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

inline image<float> decode_npy(std::string_view who, const std::filesystem::path& path, std::span<const std::uint8_t> b,
                               const load_limits& limits) {
    static constexpr std::string_view magic = "\x93NUMPY";
    if (b.size() < 10 || std::memcmp(b.data(), magic.data(), magic.size()) != 0)
        map_file_error(who, path, "not a NumPy .npy file: it does not start with the magic bytes \\x93NUMPY");
    const int major = b[6], minor = b[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        map_file_error(who, path, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                             "; ias reads versions 1.0, 2.0 and 3.0");
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    if (b.size() < 8 + length_bytes) map_file_error(who, path, "truncated .npy file: the header length is missing");
    const std::uint64_t header_length = read_uint(b, 8, int(length_bytes), false);
    const std::size_t data_start = 8 + length_bytes + std::size_t(header_length);
    if (header_length > b.size() || data_start > b.size())
        map_file_error(who, path, "truncated .npy file: the header claims " + std::to_string(header_length) +
                             " bytes but the file has " + std::to_string(b.size()));
    const std::string_view header(reinterpret_cast<const char*>(b.data()) + 8 + length_bytes,
                                  std::size_t(header_length));
    const auto h = npy_header_parser(who, path, header).parse();

    bool big_endian = false;
    std::size_t item = 0;
    if (h.descr == "<f4" || h.descr == ">f4" || h.descr == "<f8" || h.descr == ">f8") {
        big_endian = h.descr[0] == '>';
        item = h.descr[2] == '4' ? 4 : 8;
    } else {
        map_file_error(who, path, "unsupported dtype '" + h.descr +
                             "'; score maps must be float32 or float64 ('<f4', '<f8', or big-endian '>f4', '>f8')");
    }
    if (h.fortran_order)
        map_file_error(who, path, "the array is stored in Fortran order (fortran_order: True); ias reads C-order arrays "
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
        map_file_error(who, path, "the array has shape " + shape_text(s) + "; a score map must have shape (H, W), (H, W, 1) "
                                                                  "or (1, H, W)");
    }
    check_map_size(who, path, width, height, limits);
    const std::uint64_t needed = width * height * item;
    const std::uint64_t available = b.size() - data_start;
    if (available != needed)
        map_file_error(who, path, std::string(available < needed ? "truncated .npy file" : "malformed .npy file") + ": shape " +
                             shape_text(s) + " of '" + h.descr + "' needs " + std::to_string(needed) +
                             " data bytes but the file has " + std::to_string(available));

    image<float> out(int(width), int(height), 1);
    std::size_t at = data_start;
    for (int y = 0; y < int(height); ++y)
        for (int x = 0; x < int(width); ++x, at += item) {
            const double v = item == 4 ? double(std::bit_cast<float>(std::uint32_t(read_uint(b, at, 4, big_endian))))
                                       : std::bit_cast<double>(read_uint(b, at, 8, big_endian));
            store_finite(who, path, out, x, y, v);
        }
    return out;
}

}  // namespace detail

/// Loads a one-channel float map from a NumPy `.npy` file: format 1.0, 2.0 or 3.0 as
/// `numpy.save` writes it (magic `\x93NUMPY`, a header dict with 'descr', 'fortran_order' and
/// 'shape'); dtype float32 or float64 ('<f4', '<f8', or big-endian '>f4', '>f8'; float64 is
/// rounded to float32); shape (H, W), (H, W, 1) or (1, H, W) (read as (H, W, 1) when both
/// fit); C order only; the data exactly as long as the shape says; every element finite.
/// Throws ias::error naming the file and what is wrong, and for a file or map beyond `limits`.
inline image<float> load_npy(const std::filesystem::path& path, const load_limits& limits = {}) {
    return detail::load_float_map("ias::load_npy", path, limits, "an .npy file", detail::decode_npy);
}

/// Writes a one-channel float map as a NumPy 1.0 `.npy` file: dtype '<f4', shape (H, W),
/// C order, the header padded with spaces to a multiple of 64 bytes as numpy does; readable
/// by `numpy.load`, `load_npy` and `eval::load_score_map`. The file is written atomically (temporary file, then
/// rename). Values are written as they are (NaN too, although `load_npy` rejects it).
/// Throws std::invalid_argument for an empty map or one with more than one channel, and
/// ias::error naming the file when it cannot be written.
inline void save_npy(const std::filesystem::path& path, image_view<const float> map) {
    if (map.empty())
        throw std::invalid_argument("ias::save_npy: '" + path.string() + "': the map is empty");
    if (map.channels() != 1)
        throw std::invalid_argument("ias::save_npy: '" + path.string() + "': the map has " +
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

}  // namespace ias
