// SPDX-License-Identifier: MIT
// A tiny, deterministic JSON writer (strings and numbers) for manifests, run descriptions and listings; no parser.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ias {

namespace detail {
/// The length of the well-formed UTF-8 sequence that starts at `s[i]` (1 to 4 bytes), or 0
/// when the bytes there are not one: a stray continuation byte, an overlong form, a
/// surrogate, a code point above U+10FFFF or a sequence cut short (RFC 3629, section 4).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        n = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        n = 3;
        if (lead == 0xE0) lo = 0xA0;  // overlong
        if (lead == 0xED) hi = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        n = 4;
        if (lead == 0xF0) lo = 0x90;  // overlong
        if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return 0;
    }
    if (s.size() - i < n || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    return n;
}
}  // namespace detail

/// Appends `s` as a quoted JSON string: `"` and `\` are escaped with a backslash, the control
/// characters U+0000..U+001F as `\u00XX` (lower-case hex), and well-formed UTF-8 is passed
/// through unchanged. Each byte that is not part of well-formed UTF-8 (a file name in another
/// encoding, say) becomes `\ufffd`, so the output is always valid JSON in valid UTF-8.
/// Deterministic: the same input gives the same bytes.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
            ++i;
        } else if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15u];
            ++i;
        } else if (const std::size_t n = detail::utf8_sequence_length(s, i); n != 0) {
            out.append(s.data() + i, n);
            i += n;
        } else {
            out += "\\ufffd";
            ++i;
        }
    }
    out += '"';
}

/// Appends `v` in the shortest form that reads back as the same double (`std::to_chars`):
/// 3 for 3.0, 0.1, 1e-07, -0. NaN and infinities, which JSON cannot hold, become `null`.
/// Independent of the locale, so the bytes are the same on every machine.
inline void append_json_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buffer[32];  // the shortest form of a double has at most 24 characters
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, result.ptr);
}

/// Appends one value as a bare number (see `append_json_number`), or any other count of
/// values (none included) as an array: `[0.5,2]`, `[]`.
inline void append_json_numbers(std::string& out, std::span<const double> values) {
    if (values.size() == 1) {
        append_json_number(out, values[0]);
        return;
    }
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i != 0) out += ',';
        append_json_number(out, values[i]);
    }
    out += ']';
}

}  // namespace ias
