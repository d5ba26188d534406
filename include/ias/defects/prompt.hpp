// SPDX-License-Identifier: MIT
// parse_defect_prompt and to_prompt: a small English grammar for defect_spec ("two long thin dark scratches near the top edge").
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "../core/error.hpp"
#include "defect_spec.hpp"

namespace ias {

namespace detail {

// ---- The vocabulary. Each table lists its canonical word first for every meaning: to_prompt
// ---- prints the first match, and the vocabulary groups later synonyms under it.

/// A defect noun. `implied` is the polarity the noun itself names ("bump" bright, "dent" dark);
/// it yields to an explicit polarity word, which is how "a bright dent" differs from "a dent".
struct prompt_kind_word {
    std::string_view text;
    std::string_view plural;  ///< empty for mass nouns ("dust"), which never imply "some"
    defect_type kind;
    defect_polarity implied;
};

inline constexpr prompt_kind_word prompt_kind_words[] = {
    {"scratch", "scratches", defect_type::scratch, defect_polarity::any},
    {"crack", "cracks", defect_type::crack, defect_polarity::any},
    {"pore", "pores", defect_type::pore, defect_polarity::any},
    {"blowhole", "blowholes", defect_type::pore, defect_polarity::any},
    {"pit", "pits", defect_type::pore, defect_polarity::any},
    {"hole", "holes", defect_type::pore, defect_polarity::any},
    {"stain", "stains", defect_type::stain, defect_polarity::any},
    {"contamination", "", defect_type::stain, defect_polarity::any},
    {"spot", "spots", defect_type::stain, defect_polarity::any},
    {"smudge", "smudges", defect_type::stain, defect_polarity::any},
    {"dent", "dents", defect_type::dent, defect_polarity::dark},
    {"bump", "bumps", defect_type::dent, defect_polarity::bright},
    {"chip", "chips", defect_type::chip, defect_polarity::any},
    {"break", "breaks", defect_type::chip, defect_polarity::any},
    {"fray", "frays", defect_type::fray, defect_polarity::any},
    {"wear", "", defect_type::fray, defect_polarity::any},
    {"particle", "particles", defect_type::particle, defect_polarity::any},
    {"speck", "specks", defect_type::particle, defect_polarity::any},
    {"dust", "", defect_type::particle, defect_polarity::any},
    {"debris", "", defect_type::particle, defect_polarity::any},
};

/// The nouns that may follow "foreign"; "body" means nothing on its own.
inline constexpr prompt_kind_word prompt_foreign_words[] = {
    {"particle", "particles", defect_type::particle, defect_polarity::any},
    {"body", "bodies", defect_type::particle, defect_polarity::any},
};

struct prompt_count_word {
    std::string_view text;
    int min;
    int max;
};

inline constexpr prompt_count_word prompt_count_words[] = {
    {"a", 1, 1},     {"an", 1, 1},      {"one", 1, 1},    {"single", 1, 1},  {"two", 2, 2},  {"three", 3, 3},
    {"four", 4, 4},  {"five", 5, 5},    {"six", 6, 6},    {"seven", 7, 7},   {"eight", 8, 8}, {"nine", 9, 9},
    {"ten", 10, 10}, {"few", 2, 3},     {"couple", 2, 2}, {"some", 2, 4},    {"several", 3, 5},
    {"many", 5, 8},  {"multiple", 5, 8},
};

struct prompt_range_word {
    std::string_view text;
    defect_range range;
};

/// Lengths of the linear kinds (scratch, crack, fray); the area words map onto them so that
/// "a big crack" means something instead of being an error.
inline constexpr prompt_range_word prompt_length_words[] = {
    {"short", {0.1f, 0.2f}},  {"medium", {0.2f, 0.35f}}, {"long", {0.35f, 0.6f}}, {"small", {0.1f, 0.2f}},
    {"tiny", {0.1f, 0.2f}},   {"large", {0.35f, 0.6f}},  {"big", {0.35f, 0.6f}},  {"huge", {0.35f, 0.6f}},
};

/// Whether `kind`'s size is a length (the linear kinds) rather than a diameter.
[[nodiscard]] constexpr bool prompt_has_length(defect_type kind) noexcept {
    return kind == defect_type::scratch || kind == defect_type::crack || kind == defect_type::fray;
}

/// Diameters of the other kinds.
inline constexpr prompt_range_word prompt_size_words[] = {
    {"tiny", {0.01f, 0.03f}}, {"small", {0.03f, 0.08f}}, {"medium", {0.08f, 0.15f}},
    {"large", {0.15f, 0.3f}}, {"big", {0.15f, 0.3f}},    {"huge", {0.3f, 0.5f}},
};

inline constexpr prompt_range_word prompt_thickness_words[] = {
    {"hairline", {0.5f, 1.0f}}, {"thin", {1.0f, 2.0f}},  {"fine", {1.0f, 2.0f}},
    {"narrow", {1.0f, 2.0f}},   {"thick", {3.0f, 6.0f}}, {"wide", {3.0f, 6.0f}},
};

inline constexpr prompt_range_word prompt_contrast_words[] = {
    {"faint", {0.05f, 0.12f}},  {"subtle", {0.05f, 0.12f}}, {"slight", {0.05f, 0.12f}}, {"strong", {0.35f, 0.6f}},
    {"heavy", {0.35f, 0.6f}},   {"deep", {0.35f, 0.6f}},    {"severe", {0.35f, 0.6f}},  {"prominent", {0.35f, 0.6f}},
};

struct prompt_polarity_word {
    std::string_view text;
    defect_polarity polarity;
};

inline constexpr prompt_polarity_word prompt_polarity_words[] = {
    {"dark", defect_polarity::dark},     {"black", defect_polarity::dark},  {"shadowed", defect_polarity::dark},
    {"bright", defect_polarity::bright}, {"white", defect_polarity::bright}, {"shiny", defect_polarity::bright},
    {"specular", defect_polarity::bright}, {"glossy", defect_polarity::bright},
};

struct prompt_colour_word {
    std::string_view text;
    std::array<float, 3> rgb;
};

inline constexpr prompt_colour_word prompt_colour_words[] = {
    {"red", {0.8f, 0.1f, 0.1f}},    {"green", {0.1f, 0.6f, 0.1f}},  {"blue", {0.1f, 0.2f, 0.8f}},
    {"yellow", {0.9f, 0.8f, 0.1f}}, {"orange", {0.95f, 0.5f, 0.1f}}, {"brown", {0.45f, 0.3f, 0.15f}},
    {"grey", {0.5f, 0.5f, 0.5f}},   {"gray", {0.5f, 0.5f, 0.5f}},
};

/// "rusty" and "rust": an iron-oxide brown, always darker than the surface.
inline constexpr std::array<float, 3> prompt_rust_colour{0.55f, 0.27f, 0.07f};
/// "oily": a dark film with the soft edge of "soft".
inline constexpr float prompt_oily_softness = 0.8f;

struct prompt_value_word {
    std::string_view text;
    float value;
};

inline constexpr prompt_value_word prompt_softness_words[] = {
    {"sharp", 0.05f}, {"crisp", 0.05f},   {"hard", 0.05f},    {"soft", 0.8f},
    {"blurry", 0.8f}, {"diffuse", 0.8f},  {"smooth", 0.8f},
};

inline constexpr prompt_value_word prompt_orientation_words[] = {
    {"horizontal", 0.0f}, {"vertical", 90.0f}, {"diagonal", 45.0f},
};

struct prompt_location_word {
    std::string_view text;
    defect_location location;
};

/// Words that name a location outright; two different ones in a phrase are a conflict.
inline constexpr prompt_location_word prompt_location_words[] = {
    {"top", defect_location::top},           {"upper", defect_location::top},
    {"bottom", defect_location::bottom},     {"lower", defect_location::bottom},
    {"left", defect_location::left},         {"right", defect_location::right},
    {"centre", defect_location::centre},     {"center", defect_location::centre},
    {"middle", defect_location::centre},     {"anywhere", defect_location::anywhere},
    {"everywhere", defect_location::anywhere}, {"boundary", defect_location::object_edge},
    {"rim", defect_location::object_edge},   {"outline", defect_location::object_edge},
    {"contour", defect_location::object_edge},
};

struct prompt_word {
    std::string_view text;
};

/// "edge" only means the object edge when nothing else names the location: in "near the top
/// edge" it is the image's top edge, which `top` already says.
inline constexpr prompt_word prompt_edge_words[] = {{"edge"}, {"edges"}, {"border"}};
/// "object" means the foreground unless an edge or another location is named with it.
inline constexpr prompt_word prompt_object_words[] = {{"object"}, {"foreground"}};

inline constexpr prompt_word prompt_filler_words[] = {
    {"the"}, {"of"},  {"with"},  {"near"},    {"at"},    {"on"},   {"in"},   {"along"}, {"by"},
    {"to"},  {"is"},  {"are"},   {"has"},     {"have"},  {"there"}, {"surface"}, {"image"}, {"very"},
    {"side"}, {"area"}, {"part"}, {"corner"},
};

// ---- Word matching, case-insensitive without copying the prompt.

[[nodiscard]] constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
[[nodiscard]] constexpr bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Whether `word` spells `lower` (written in lower case) in any mix of cases.
[[nodiscard]] constexpr bool word_is(std::string_view word, std::string_view lower) noexcept {
    if (word.size() != lower.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (ascii_lower(word[i]) != lower[i]) return false;
    return true;
}

template <class Entry, std::size_t N>
[[nodiscard]] constexpr const Entry* find_word(const Entry (&table)[N], std::string_view word) noexcept {
    for (const Entry& e : table)
        if (word_is(word, e.text)) return &e;
    return nullptr;
}

/// The canonical (first) word of `table` whose `member` equals `value`, or null.
template <class Entry, std::size_t N, class Value>
[[nodiscard]] constexpr const Entry* word_with(const Entry (&table)[N], Value Entry::*member, const Value& value) noexcept {
    for (const Entry& e : table)
        if (e.*member == value) return &e;
    return nullptr;
}

/// Appends "title: w1 (synonym, ...), w2, ...": each meaning once, its synonyms in brackets.
template <class Entry, std::size_t N, class Same>
void append_vocabulary_line(std::string& out, std::string_view title, const Entry (&table)[N], Same same,
                            std::string_view note = {}) {
    out += "  ";
    out += title;
    out += ": ";
    bool first_group = true;
    for (std::size_t i = 0; i < N; ++i) {
        bool seen = false;
        for (std::size_t j = 0; j < i; ++j) seen = seen || same(table[j], table[i]);
        if (seen) continue;
        if (!first_group) out += ", ";
        first_group = false;
        out += table[i].text;
        bool open = false;
        for (std::size_t j = i + 1; j < N; ++j) {
            if (!same(table[i], table[j])) continue;
            out += open ? ", " : " (";
            open = true;
            out += table[j].text;
        }
        if (open) out += ')';
    }
    out += note;
    out += '\n';
}

template <class Entry, std::size_t N, class Value>
void append_vocabulary_line(std::string& out, std::string_view title, const Entry (&table)[N], Value Entry::*member,
                            std::string_view note = {}) {
    append_vocabulary_line(
        out, title, table, [member](const Entry& a, const Entry& b) { return a.*member == b.*member; }, note);
}

}  // namespace detail

/// The words `parse_defect_prompt` understands, one group per line (kinds, counts, sizes, ...),
/// synonyms in brackets after their canonical word; for error messages and `--help`.
[[nodiscard]] inline std::string defect_prompt_vocabulary() {
    using detail::append_vocabulary_line;
    std::string out;
    append_vocabulary_line(out, "kinds, singular or plural", detail::prompt_kind_words, &detail::prompt_kind_word::kind,
                           "; also foreign particle, foreign body; 'dent' is dark and 'bump' bright");
    append_vocabulary_line(
        out, "counts", detail::prompt_count_words,
        [](const detail::prompt_count_word& a, const detail::prompt_count_word& b) { return a.min == b.min && a.max == b.max; },
        ", a few, a couple of, 1 to 64; a plural noun alone means some");
    append_vocabulary_line(out, "length of scratch, crack, fray", detail::prompt_length_words, &detail::prompt_range_word::range);
    append_vocabulary_line(out, "size of the other kinds", detail::prompt_size_words, &detail::prompt_range_word::range);
    append_vocabulary_line(out, "thickness", detail::prompt_thickness_words, &detail::prompt_range_word::range);
    append_vocabulary_line(out, "contrast", detail::prompt_contrast_words, &detail::prompt_range_word::range);
    append_vocabulary_line(out, "polarity", detail::prompt_polarity_words, &detail::prompt_polarity_word::polarity,
                           "; oily (dark and soft), rusty or rust (dark rust-brown)");
    append_vocabulary_line(out, "colour", detail::prompt_colour_words, &detail::prompt_colour_word::rgb);
    append_vocabulary_line(out, "edge softness", detail::prompt_softness_words, &detail::prompt_value_word::value);
    append_vocabulary_line(out, "orientation", detail::prompt_orientation_words, &detail::prompt_value_word::value);
    append_vocabulary_line(out, "location", detail::prompt_location_words, &detail::prompt_location_word::location,
                           "; object, foreground (on the object); edge, edges, border (the object edge unless another "
                           "location is named)");
    append_vocabulary_line(out, "ignored", detail::prompt_filler_words, [](const auto&, const auto&) { return false; });
    out += "  separators: and, plus, comma, semicolon, full stop, exclamation mark\n";
    out += "  exact values: count=2-4, size=0.12-0.3, thickness=1.5-2.5, contrast=0.2-0.4, angle=30 (degrees), "
           "softness=0.4, region=x0-y0-x1-y1, colour=r-g-b (or color=), polarity=any|dark|bright\n";
    return out;
}

namespace detail {

/// One word of a prompt and its byte offset in the prompt.
struct prompt_token {
    std::string_view text;
    std::size_t pos = 0;
};

[[noreturn]] inline void prompt_error(std::string_view prompt, const std::string& what) {
    throw error("ias::parse_defect_prompt: " + what + " in the prompt '" + std::string(prompt) +
                "'; the vocabulary is:\n" + defect_prompt_vocabulary());
}

/// Splits `text` into words, with an empty token wherever a phrase ends ("and", "plus", ',',
/// ';', '!', '.'). A '.' followed by a digit stays in its word so that "size=0.5" survives.
[[nodiscard]] inline std::vector<prompt_token> split_prompt(std::string_view text) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    const auto is_break = [&](std::size_t i) {
        const char c = text[i];
        return c == ',' || c == ';' || c == '!' || (c == '.' && !(i + 1 < text.size() && is_ascii_digit(text[i + 1])));
    };
    std::vector<prompt_token> tokens;
    const auto end_phrase = [&](std::size_t pos) { tokens.push_back({{}, pos}); };
    std::size_t i = 0;
    while (i < text.size()) {
        if (is_space(text[i])) {
            ++i;
        } else if (is_break(i)) {
            end_phrase(i++);
        } else {
            const std::size_t start = i;
            while (i < text.size() && !is_space(text[i]) && !is_break(i)) ++i;
            const std::string_view word = text.substr(start, i - start);
            if (word_is(word, "and") || word_is(word, "plus"))
                end_phrase(start);
            else
                tokens.push_back({word, start});
        }
    }
    return tokens;
}

/// Reads `value` as at most `out.size()` plain decimals ("3", "0.12", "-30") joined by '-', the
/// form to_prompt prints; returns how many it read, or 0 when `value` is anything else
/// (exponents, "inf", a dangling '-', too many numbers). Integers take digits only.
template <class T>
[[nodiscard]] std::size_t parse_number_list(std::string_view value, std::span<T> out) noexcept {
    std::size_t n = 0, i = 0;
    const auto digits = [&] {
        const std::size_t from = i;
        while (i < value.size() && is_ascii_digit(value[i])) ++i;
        return i > from;
    };
    while (n < out.size()) {
        const std::size_t start = i;
        if constexpr (std::is_floating_point_v<T>)
            if (i < value.size() && value[i] == '-') ++i;
        if (!digits()) return 0;
        if constexpr (std::is_floating_point_v<T>) {
            if (i < value.size() && value[i] == '.') {
                ++i;
                if (!digits()) return 0;
            }
        }
        const auto [end, ec] = std::from_chars(value.data() + start, value.data() + i, out[n]);
        if (ec != std::errc{} || end != value.data() + i) return 0;
        ++n;
        if (i == value.size()) return n;
        if (value[i] != '-') return 0;
        ++i;
    }
    return 0;
}

/// Turns the words of one phrase into a spec. The kind noun is found first so that every other
/// word can be read against the kind's defaults, wherever it stands in the phrase.
class prompt_phrase_parser {
public:
    prompt_phrase_parser(std::string_view prompt, std::span<const prompt_token> words) noexcept
        : prompt_(prompt), words_(words) {}

    [[nodiscard]] defect_spec parse() {
        find_kind();
        spec_ = defect_spec::of(kind_->kind);
        for (std::size_t i = 0; i < words_.size(); ++i)
            if (i < kind_first_ || i > kind_last_) apply_word(i);
        finish();
        try {
            spec_.validate();
        } catch (const std::invalid_argument& e) {
            fail(quote(phrase()) + " is out of range (" + e.what() + ")");
        }
        return spec_;
    }

private:
    /// What a word can set; each records the first word that set it, to report conflicts.
    enum class attribute : std::size_t {
        count, size, thickness, contrast, polarity, orientation, softness, colour, location, region, number_of_attributes
    };

    [[noreturn]] void fail(const std::string& what) const { prompt_error(prompt_, what); }

    [[nodiscard]] static std::string quote(const prompt_token& w) {
        return "'" + std::string(w.text) + "' at position " + std::to_string(w.pos + 1);
    }

    /// The whole phrase as one token, for messages about the phrase rather than one word.
    [[nodiscard]] prompt_token phrase() const noexcept {
        const prompt_token& first = words_.front();
        const prompt_token& last = words_.back();
        return {prompt_.substr(first.pos, last.pos + last.text.size() - first.pos), first.pos};
    }

    /// Records that `w` sets `a`. Returns true for the first word to set it; a later word must
    /// agree with it ("a single scratch", "dark black") or the phrase contradicts itself.
    bool claim(attribute a, const prompt_token& w, bool same_value) {
        const prompt_token*& source = sources_[std::size_t(a)];
        if (!source) {
            source = &w;
            return true;
        }
        if (!same_value) fail(quote(w) + " conflicts with " + quote(*source));
        return false;
    }

    template <class T>
    void set(attribute a, T& field, const std::type_identity_t<T>& value, const prompt_token& w) {
        if (claim(a, w, field == value)) field = value;
    }

    void set_count(int min, int max, const prompt_token& w) {
        if (claim(attribute::count, w, spec_.count.min == min && spec_.count.max == max)) {
            spec_.count.min = min;
            spec_.count.max = max;
        }
    }

    void find_kind() {
        for (std::size_t i = 0; i < words_.size(); ++i) {
            const prompt_token& w = words_[i];
            const prompt_kind_word* noun = nullptr;
            std::string_view spelled = w.text;
            std::size_t last = i;
            if (word_is(w.text, "foreign")) {
                if (i + 1 < words_.size()) {
                    spelled = words_[i + 1].text;
                    noun = match_noun(prompt_foreign_words, spelled);
                    last = i + 1;
                }
                if (!noun) fail(quote(w) + " must be followed by particle or body");
            } else {
                noun = match_noun(prompt_kind_words, spelled);
            }
            if (!noun) continue;
            if (kind_)
                fail(quote(w) + " names a second defect kind after " + quote(words_[kind_first_]) +
                     "; separate defects with 'and'");
            kind_ = noun;
            plural_ = !noun->plural.empty() && word_is(spelled, noun->plural);
            kind_first_ = i;
            kind_last_ = last;
            i = last;
        }
        if (!kind_) {
            // An unknown word ("a purple thing") says more than the missing kind it causes.
            for (const prompt_token& w : words_)
                if (!is_vocabulary_word(w.text)) fail("unknown word " + quote(w));
            fail(quote(phrase()) + " names no defect kind");
        }
    }

    /// Whether `t` could be a modifier in some phrase; `apply_word` gives the precise error.
    [[nodiscard]] static bool is_vocabulary_word(std::string_view t) noexcept {
        return t.find('=') != std::string_view::npos || is_ascii_digit(t.front()) || find_word(prompt_count_words, t) ||
               find_word(prompt_length_words, t) || find_word(prompt_size_words, t) || find_word(prompt_thickness_words, t) ||
               find_word(prompt_contrast_words, t) || find_word(prompt_polarity_words, t) || find_word(prompt_colour_words, t) ||
               find_word(prompt_softness_words, t) || find_word(prompt_orientation_words, t) ||
               find_word(prompt_location_words, t) || find_word(prompt_edge_words, t) || find_word(prompt_object_words, t) ||
               find_word(prompt_filler_words, t) || word_is(t, "oily") || word_is(t, "rusty") || word_is(t, "rust");
    }

    template <std::size_t N>
    [[nodiscard]] static const prompt_kind_word* match_noun(const prompt_kind_word (&table)[N], std::string_view word) noexcept {
        for (const prompt_kind_word& e : table)
            if (word_is(word, e.text) || (!e.plural.empty() && word_is(word, e.plural))) return &e;
        return nullptr;
    }

    void apply_word(std::size_t i) {
        const prompt_token& w = words_[i];
        const std::string_view t = w.text;
        if (t.find('=') != std::string_view::npos) return apply_key_value(w);
        if (is_ascii_digit(t.front())) {
            int n = 0;
            const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
            if (ec != std::errc{} || end != t.data() + t.size() || n < 1 || n > 64)
                fail(quote(w) + " is not a count from 1 to 64 (write count=0 for none)");
            return set_count(n, n, w);
        }
        // "a few" and "a couple of" are one count; the article must not count as "one".
        if (word_is(t, "a") && i + 1 < words_.size() && (word_is(words_[i + 1].text, "few") || word_is(words_[i + 1].text, "couple")))
            return;
        if (const auto* c = find_word(prompt_count_words, t)) return set_count(c->min, c->max, w);
        if (find_word(prompt_length_words, t)) {
            const prompt_range_word* s = prompt_has_length(kind_->kind) ? find_word(prompt_length_words, t) : find_word(prompt_size_words, t);
            if (!s)
                fail(quote(w) + " does not apply to a " + std::string(to_string(kind_->kind)) +
                     ": only scratches, cracks and frays have a length; use tiny, small, medium, large or huge");
            return set(attribute::size, spec_.size, s->range, w);
        }
        if (const auto* r = find_word(prompt_thickness_words, t)) return set(attribute::thickness, spec_.thickness, r->range, w);
        if (const auto* r = find_word(prompt_contrast_words, t)) return set(attribute::contrast, spec_.contrast, r->range, w);
        if (const auto* p = find_word(prompt_polarity_words, t)) return set(attribute::polarity, spec_.polarity, p->polarity, w);
        if (const auto* c = find_word(prompt_colour_words, t)) return set(attribute::colour, spec_.colour, c->rgb, w);
        if (const auto* v = find_word(prompt_softness_words, t)) return set(attribute::softness, spec_.softness, v->value, w);
        if (const auto* v = find_word(prompt_orientation_words, t)) return set(attribute::orientation, spec_.orientation, v->value, w);
        if (word_is(t, "oily")) {
            set(attribute::polarity, spec_.polarity, defect_polarity::dark, w);
            return set(attribute::softness, spec_.softness, prompt_oily_softness, w);
        }
        if (word_is(t, "rusty") || word_is(t, "rust")) {
            set(attribute::polarity, spec_.polarity, defect_polarity::dark, w);
            return set(attribute::colour, spec_.colour, prompt_rust_colour, w);
        }
        if (const auto* l = find_word(prompt_location_words, t)) return set(attribute::location, spec_.location, l->location, w);
        if (find_word(prompt_edge_words, t)) {
            saw_edge_ = true;
            return;
        }
        if (find_word(prompt_object_words, t)) {
            saw_object_ = true;
            return;
        }
        if (find_word(prompt_filler_words, t)) return;
        fail("unknown word " + quote(w));
    }

    void apply_key_value(const prompt_token& w) {
        const std::size_t eq = w.text.find('=');
        const std::string_view key = w.text.substr(0, eq), value = w.text.substr(eq + 1);
        const auto malformed = [&](std::string_view form) {
            fail("malformed value in " + quote(w) + "; write it like " + std::string(form));
        };
        const auto range = [&](attribute a, defect_range& field, std::string_view form) {
            std::array<float, 2> v{};
            const std::size_t n = parse_number_list<float>(value, v);
            if (n == 0) malformed(form);
            set(a, field, defect_range{v[0], n == 2 ? v[1] : v[0]}, w);
        };
        const auto numbers = [&](std::span<float> v, std::string_view form) {
            if (parse_number_list<float>(value, v) != v.size()) malformed(form);
        };
        if (word_is(key, "count")) {
            std::array<int, 2> v{};
            const std::size_t n = parse_number_list<int>(value, v);
            if (n == 0) malformed("count=3 or count=2-4");
            set_count(v[0], n == 2 ? v[1] : v[0], w);
        } else if (word_is(key, "size")) {
            range(attribute::size, spec_.size, "size=0.2 or size=0.12-0.3");
        } else if (word_is(key, "thickness")) {
            range(attribute::thickness, spec_.thickness, "thickness=2 or thickness=1.5-2.5");
        } else if (word_is(key, "contrast")) {
            range(attribute::contrast, spec_.contrast, "contrast=0.3 or contrast=0.2-0.4");
        } else if (word_is(key, "angle")) {
            std::array<float, 1> v{};
            numbers(v, "angle=30 or angle=-15.5");
            set(attribute::orientation, spec_.orientation, v[0], w);
        } else if (word_is(key, "softness")) {
            std::array<float, 1> v{};
            numbers(v, "softness=0.4");
            set(attribute::softness, spec_.softness, v[0], w);
        } else if (word_is(key, "region")) {
            std::array<float, 4> v{};
            numbers(v, "region=0.1-0.2-0.5-0.6 (x0-y0-x1-y1)");
            set(attribute::region, spec_.region, v, w);
            saw_region_ = true;
        } else if (word_is(key, "colour") || word_is(key, "color")) {
            std::array<float, 3> v{};
            numbers(v, "colour=0.2-0.3-0.4 (red-green-blue)");
            set(attribute::colour, spec_.colour, v, w);
        } else if (word_is(key, "polarity")) {
            const auto p = word_is(value, "any")    ? std::optional(defect_polarity::any)
                           : word_is(value, "dark")   ? std::optional(defect_polarity::dark)
                           : word_is(value, "bright") ? std::optional(defect_polarity::bright)
                                                      : std::nullopt;
            if (!p) malformed("polarity=any, polarity=dark or polarity=bright");
            set(attribute::polarity, spec_.polarity, *p, w);
        } else {
            fail("unknown key in " + quote(w));
        }
    }

    /// The defaults that depend on the whole phrase: a noun's own polarity, "some" for a bare
    /// plural, and a location from "edge", "object" or region= when no word named one.
    void finish() {
        if (!sources_[std::size_t(attribute::polarity)] && kind_->implied != defect_polarity::any) spec_.polarity = kind_->implied;
        if (!sources_[std::size_t(attribute::count)] && plural_) {
            const prompt_count_word* some = find_word(prompt_count_words, "some");
            spec_.count.min = some->min;
            spec_.count.max = some->max;
        }
        if (!sources_[std::size_t(attribute::location)]) {
            if (saw_edge_)
                spec_.location = defect_location::object_edge;
            else if (saw_object_)
                spec_.location = defect_location::foreground;
            else if (saw_region_)
                spec_.location = defect_location::region;
        }
    }

    std::string_view prompt_;
    std::span<const prompt_token> words_;
    defect_spec spec_;
    const prompt_kind_word* kind_ = nullptr;
    bool plural_ = false;
    std::size_t kind_first_ = 0, kind_last_ = 0;  // the noun's words ("foreign body" is two)
    std::array<const prompt_token*, std::size_t(attribute::number_of_attributes)> sources_{};
    bool saw_edge_ = false, saw_object_ = false, saw_region_ = false;
};

/// Appends the shortest decimal that reads back as exactly `v`; fixed notation, because an
/// exponent's '-' would clash with the range separator.
inline void append_number(std::string& out, float v) {
    std::array<char, 64> buf{};  // the longest fixed float, a subnormal, needs under 60
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
    out.append(buf.data(), r.ptr);
}

[[nodiscard]] constexpr std::string_view location_phrase(defect_location l) noexcept {
    switch (l) {
        case defect_location::anywhere: return "anywhere";
        case defect_location::foreground: return "on the object";
        case defect_location::object_edge: return "at the object edge";
        case defect_location::top: return "near the top edge";
        case defect_location::bottom: return "near the bottom edge";
        case defect_location::left: return "near the left edge";
        case defect_location::right: return "near the right edge";
        case defect_location::centre: return "in the centre";
        case defect_location::region: return "";  // region= says it
    }
    return "";
}

}  // namespace detail

/// Parses text such as "two long thin dark scratches near the top edge" or
/// "a large oily stain and a small pore" into defect specs, one per defect phrase, in order.
///
/// Phrases are separated by "and", "plus", ',', ';', '.' and '!'. Each phrase holds exactly one
/// kind noun and starts from `defect_spec::of(kind)`; every other word modifies it, before or
/// after the noun. Matching is case-insensitive. Exact values the words cannot express use
/// key=value tokens (`size=0.12-0.3`, `region=x0-y0-x1-y1`, ...); see `defect_prompt_vocabulary()`.
/// Two words that set one attribute to different values are an error; a noun's own polarity
/// ("bump" bright, "dent" dark) yields to an explicit polarity word.
///
/// Throws `ias::error` for an empty prompt, an unknown word, a phrase with no kind noun or two,
/// conflicting words, a malformed key=value token, or a phrase whose spec fails
/// `defect_spec::validate()`. The message quotes the offending word and its position (bytes,
/// counted from 1) and lists the vocabulary.
[[nodiscard]] inline std::vector<defect_spec> parse_defect_prompt(std::string_view text) {
    const std::vector<detail::prompt_token> tokens = detail::split_prompt(text);
    std::vector<defect_spec> specs;
    std::size_t begin = 0;
    for (std::size_t i = 0; i <= tokens.size(); ++i) {
        if (i < tokens.size() && !tokens[i].text.empty()) continue;
        if (i > begin) specs.push_back(detail::prompt_phrase_parser(text, std::span(tokens).subspan(begin, i - begin)).parse());
        begin = i + 1;
    }
    if (specs.empty()) detail::prompt_error(text, "the prompt is empty");
    return specs;
}

/// Prints `spec` as text that `parse_defect_prompt` turns into an equal spec: a count, the
/// attributes that differ from `defect_spec::of(spec.kind)` (as words where a word means
/// exactly that value, otherwise as key=value with the shortest decimals that read back
/// bit-exactly), the kind noun (plural when count.max > 1), then the location.
/// Precondition: `spec.validate()` passes.
[[nodiscard]] inline std::string to_prompt(const defect_spec& spec) {
    const defect_spec base = defect_spec::of(spec.kind);
    std::string body;
    const auto word = [&](std::string_view w) {
        if (!body.empty()) body += ' ';
        body += w;
    };
    const auto numbers = [&](std::string_view key, std::initializer_list<float> values) {
        word(key);
        body += '=';
        bool first = true;
        for (const float v : values) {
            if (!first) body += '-';
            first = false;
            detail::append_number(body, v);
        }
    };
    const auto range = [&](std::string_view key, const defect_range& r, const detail::prompt_range_word* named) {
        if (named)
            word(named->text);
        else if (r.min == r.max)
            numbers(key, {r.min});
        else
            numbers(key, {r.min, r.max});
    };
    using detail::word_with;
    if (spec.size != base.size)
        range("size", spec.size,
              detail::prompt_has_length(spec.kind) ? word_with(detail::prompt_length_words, &detail::prompt_range_word::range, spec.size)
                     : word_with(detail::prompt_size_words, &detail::prompt_range_word::range, spec.size));
    if (spec.thickness != base.thickness)
        range("thickness", spec.thickness, word_with(detail::prompt_thickness_words, &detail::prompt_range_word::range, spec.thickness));
    if (spec.contrast != base.contrast)
        range("contrast", spec.contrast, word_with(detail::prompt_contrast_words, &detail::prompt_range_word::range, spec.contrast));

    // The noun: the kind's first noun, or a later one that names the spec's polarity itself
    // (a bright dent prints as "bump").
    const detail::prompt_kind_word* noun = nullptr;
    for (const auto& e : detail::prompt_kind_words)
        if (e.kind == spec.kind && (!noun || (noun->implied != spec.polarity && e.implied == spec.polarity))) noun = &e;
    const defect_polarity implied = noun->implied != defect_polarity::any ? noun->implied : base.polarity;
    // "rusty" says both the colour and the dark polarity, and reads better than colour=.
    const bool rusty = spec.polarity == defect_polarity::dark && spec.colour == detail::prompt_rust_colour;
    if (rusty) {
        word("rusty");
    } else if (spec.polarity != implied) {
        if (const auto* p = word_with(detail::prompt_polarity_words, &detail::prompt_polarity_word::polarity, spec.polarity))
            word(p->text);
        else
            word("polarity=any");
    }
    // Every kind's default orientation is random, so only a set orientation needs printing.
    if (spec.orientation && spec.orientation != base.orientation) {
        if (const auto* o = word_with(detail::prompt_orientation_words, &detail::prompt_value_word::value, *spec.orientation))
            word(o->text);
        else
            numbers("angle", {*spec.orientation});
    }
    if (spec.softness != base.softness) {
        if (const auto* s = word_with(detail::prompt_softness_words, &detail::prompt_value_word::value, spec.softness))
            word(s->text);
        else
            numbers("softness", {spec.softness});
    }
    if (spec.colour && spec.colour != base.colour && !rusty) {
        if (const auto* c = word_with(detail::prompt_colour_words, &detail::prompt_colour_word::rgb, *spec.colour))
            word(c->text);
        else
            numbers("colour", {(*spec.colour)[0], (*spec.colour)[1], (*spec.colour)[2]});
    }
    word(spec.count.max > 1 ? noun->plural : noun->text);

    // region= selects location region by itself, so another location must then be spelled out
    // even when it is the kind's default.
    const bool print_region = spec.region != base.region || spec.location == defect_location::region;
    if (spec.location != defect_location::region && (spec.location != base.location || print_region))
        word(detail::location_phrase(spec.location));
    if (print_region) numbers("region", {spec.region[0], spec.region[1], spec.region[2], spec.region[3]});

    std::string out;
    if (spec.count.min == spec.count.max && spec.count.min >= 1) {
        const int n = spec.count.min;
        if (n == 1) {
            out = std::string_view("aeiou").find(body.front()) != std::string_view::npos ? "an" : "a";
        } else {
            for (const auto& c : detail::prompt_count_words)
                if (c.min == n && c.max == n) {
                    out = c.text;
                    break;
                }
            if (out.empty()) out = std::to_string(n);
        }
    } else {
        out = "count=" + std::to_string(spec.count.min);
        if (spec.count.max != spec.count.min) out += "-" + std::to_string(spec.count.max);
    }
    out += ' ';
    out += body;
    return out;
}

/// Several specs as one prompt, joined by " and " (empty for no specs).
[[nodiscard]] inline std::string to_prompt(std::span<const defect_spec> specs) {
    std::string out;
    for (const defect_spec& s : specs) {
        if (!out.empty()) out += " and ";
        out += to_prompt(s);
    }
    return out;
}

}  // namespace ias
