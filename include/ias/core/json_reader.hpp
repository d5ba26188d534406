// SPDX-License-Identifier: MIT
// A small, strict JSON reader (RFC 8259) for configuration files: values as written, errors with line and column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json.hpp"

namespace ias {

/// One JSON value as read: a configuration file's document, or a part of it. A number keeps
/// the text it was written with ("0.30"), so that a setting reads it by its own type (a float
/// parsed once, never through a double). Objects keep their members in the order written.
struct json_node {
    enum class kind { null, boolean, number, string, array, object };
    kind type = kind::null;
    bool boolean = false;
    std::string text{};  ///< a string's value, or a number as written
    std::vector<json_node> items{};  ///< an array's values
    std::vector<std::pair<std::string, json_node>> members{};  ///< an object's members, in order

    /// What `type` is called in messages: "null", "true or false", "a number", ...
    [[nodiscard]] std::string_view kind_name() const noexcept {
        constexpr std::string_view names[] = {"null", "true or false", "a number", "a string", "an array", "an object"};
        return names[int(type)];
    }
};

namespace detail::json_reading {

class reader {
public:
    explicit reader(std::string_view text) : text_(text) {}

    json_node document() {
        skip_space();
        json_node v = value(0);
        skip_space();
        if (at_ < text_.size()) fail("text after the JSON value");
        return v;
    }

private:
    static constexpr int max_depth = 64;  // nesting deeper than any configuration; bounds the recursion

    [[noreturn]] void fail(const std::string& what) const {
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < at_ && i < text_.size(); ++i) {
            if (text_[i] == '\n') ++line, column = 1;
            else ++column;
        }
        throw std::invalid_argument("not valid JSON: " + what + " at line " + std::to_string(line) + ", column " + std::to_string(column));
    }
    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) ++at_;
    }
    bool take(char c) {
        if (at_ < text_.size() && text_[at_] == c) return ++at_, true;
        return false;
    }
    void expect_word(std::string_view word) {
        if (text_.substr(at_, word.size()) != word) fail("an unknown word");
        at_ += word.size();
    }

    json_node value(int depth) {
        if (depth > max_depth) fail("more than " + std::to_string(max_depth) + " levels of nesting");
        if (at_ >= text_.size()) fail("the end of the text where a value belongs");
        json_node v;
        switch (text_[at_]) {
            case '{': object(v, depth); break;
            case '[': array(v, depth); break;
            case '"': v.type = json_node::kind::string, v.text = string(); break;
            case 't': expect_word("true"), v.type = json_node::kind::boolean, v.boolean = true; break;
            case 'f': expect_word("false"), v.type = json_node::kind::boolean; break;
            case 'n': expect_word("null"); break;
            default: v.type = json_node::kind::number, v.text = number();
        }
        return v;
    }
    void object(json_node& v, int depth) {
        v.type = json_node::kind::object;
        ++at_;
        skip_space();
        if (take('}')) return;
        do {
            skip_space();
            if (at_ >= text_.size() || text_[at_] != '"') fail("a member without a quoted name");
            std::string key = string();
            for (const auto& [k, unused] : v.members)
                if (k == key) fail("the member \"" + key + "\" twice");
            skip_space();
            if (!take(':')) fail("a member name without ':'");
            skip_space();
            json_node member = value(depth + 1);
            v.members.emplace_back(std::move(key), std::move(member));
            skip_space();
        } while (take(','));
        if (!take('}')) fail("an object not closed by '}'");
    }
    void array(json_node& v, int depth) {
        v.type = json_node::kind::array;
        ++at_;
        skip_space();
        if (take(']')) return;
        do {
            skip_space();
            v.items.push_back(value(depth + 1));
            skip_space();
        } while (take(','));
        if (!take(']')) fail("an array not closed by ']'");
    }
    /// A number in JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    std::string number() {
        const std::size_t start = at_;
        const auto digits = [&] {
            const std::size_t first = at_;
            while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
            return at_ - first;
        };
        take('-');
        if (take('0')) {
        } else if (digits() == 0) {
            fail("an unknown word");
        }
        if (take('.') && digits() == 0) fail("a number without digits after '.'");
        if (take('e') || take('E')) {
            if (!take('+')) take('-');
            if (digits() == 0) fail("a number without digits in its exponent");
        }
        return std::string(text_.substr(start, at_ - start));
    }
    unsigned hex4() {
        unsigned u = 0;
        for (int i = 0; i < 4; ++i, ++at_) {
            if (at_ >= text_.size()) fail("a \\u escape cut short");
            const char c = text_[at_];
            const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) fail("a \\u escape with a character that is not hexadecimal");
            u = u * 16 + unsigned(d);
        }
        return u;
    }
    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
        }
    }
    std::string string() {
        ++at_;  // the opening quote
        std::string out;
        while (true) {
            if (at_ >= text_.size()) fail("a string not closed by '\"'");
            const char c = text_[at_];
            if (c == '"') {
                ++at_;
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) fail("a control character inside a string");
            if (c != '\\') {
                const std::size_t n = utf8_sequence_length(text_, at_);
                if (n == 0) fail("bytes that are not UTF-8");
                out += text_.substr(at_, n);
                at_ += n;
                continue;
            }
            if (++at_ >= text_.size()) fail("a string not closed by '\"'");
            const char e = text_[at_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::uint32_t cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00) {  // a high surrogate: its low half must follow
                        if (!take('\\') || !take('u')) fail("a \\u escape of half a character");
                        const unsigned low = hex4();
                        if (low < 0xDC00 || low >= 0xE000) fail("a \\u escape of half a character");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    } else if (cp >= 0xDC00 && cp < 0xE000) {
                        fail("a \\u escape of half a character");
                    }
                    append_utf8(out, cp);
                    break;
                }
                default: --at_, fail(std::string("an unknown escape '\\") + e + "'");
            }
        }
    }

    std::string_view text_;
    std::size_t at_ = 0;
};

}  // namespace detail::json_reading

/// The JSON value `text` holds (RFC 8259: one value, strings in UTF-8, no comments, no
/// trailing commas, no member named twice). Throws std::invalid_argument saying what is wrong
/// and where ("not valid JSON: an object not closed by '}' at line 3, column 1").
[[nodiscard]] inline json_node parse_json(std::string_view text) { return detail::json_reading::reader(text).document(); }

}  // namespace ias
