// SPDX-License-Identifier: MIT
// Settings descriptions: a configurable struct names each field once (name, type, default,
// allowed values, help); parsing, validation, listings, JSON and docs are derived from it.
#pragma once

#include <charconv>
#include <cmath>
#include <concepts>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace ias {

/// A closed interval [min, max] that a random draw lies in: one value for what would
/// otherwise be two fields, as imgaug takes a tuple `(a, b)`. Written `[0.2, 1]` in text and JSON.
template <class T>
struct range {
    T min{};
    T max{};
    friend bool operator==(const range&, const range&) = default;
};

/// What a described field holds.
enum class field_type { number, integer, text, number_range, integer_range };

/// The name listings and JSON give a field type: "number", "integer", "text", "number range"
/// or "integer range".
constexpr std::string_view name_of(field_type type) {
    constexpr std::string_view names[] = {"number", "integer", "text", "number range", "integer range"};
    return names[int(type)];
}

/// One field of a described settings type, as listings, docs and bindings show it.
struct field_info {
    std::string name{};
    field_type type = field_type::number;
    std::string default_value{};       ///< the default in canonical text: `0.5`, `[0.2, 1]`, `coin`
    double min = 0.0, max = 0.0;       ///< the allowed values of a number, an integer or a range's ends
    std::vector<std::string> choices{};  ///< the allowed values of a text; empty: any text
    std::string help{};                ///< one line: what the field does, with its unit
    [[nodiscard]] bool is_range() const { return type == field_type::number_range || type == field_type::integer_range; }
};

namespace detail::describe {

/// The shortest text that reads back as `value` ("0.2", not "0.200000").
template <class V>
std::string number(V value) {
    char text[32];
    return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
}
/// A bound as people write it: 1000000 rather than 1e+06.
inline std::string bound(double v) {
    return v == std::floor(v) && std::abs(v) < 1e15 ? number(static_cast<long long>(v)) : number(v);
}

template <class T>
std::string text_of(const T& value) {
    if constexpr (std::is_same_v<T, std::string>) return value;
    else if constexpr (std::is_arithmetic_v<T>) return number(value);
    else return "[" + number(value.min) + ", " + number(value.max) + "]";
}

template <class T> struct type_of;
template <> struct type_of<float> { static constexpr field_type value = field_type::number; };
template <> struct type_of<int> { static constexpr field_type value = field_type::integer; };
template <> struct type_of<std::string> { static constexpr field_type value = field_type::text; };
template <> struct type_of<range<float>> { static constexpr field_type value = field_type::number_range; };
template <> struct type_of<range<int>> { static constexpr field_type value = field_type::integer_range; };

inline std::string_view trimmed(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

/// `text` as a finite V, parsed as V itself (a float is never rounded twice through a double).
template <class V>
bool parse_number(std::string_view text, V& out) {
    const char* const last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(text.data(), last, out);
    return ec == std::errc{} && end == last && !text.empty() && std::isfinite(double(out));
}

/// `text` as a T (a number, an integer, a text, or `[min, max]`); false when it is not one.
template <class T>
bool parse(std::string_view text, T& out) {
    if constexpr (std::is_same_v<T, std::string>) {
        out = std::string(text);
        return true;
    } else if constexpr (std::is_arithmetic_v<T>) {
        return parse_number(trimmed(text), out);
    } else {
        text = trimmed(text);
        if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
        text = text.substr(1, text.size() - 2);
        const auto comma = text.find(',');
        return comma != std::string_view::npos && parse_number(trimmed(text.substr(0, comma)), out.min) &&
               parse_number(trimmed(text.substr(comma + 1)), out.max);
    }
}

/// The words separated by commas; an empty word shown as `""`.
inline std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (&w == words.data() ? "" : ", ") + (w.empty() ? std::string("\"\"") : w);
    return out;
}

/// What is wrong with `value` for a field of `info`; empty when it is allowed (without
/// allocating: settings are checked on hot paths too).
template <class T>
std::string problem(const field_info& info, const T& value) {
    // A float is compared in float: a field whose bound is 0.01 takes 0.01f (below the double
    // 0.01); an integer in double, which holds every int exactly.
    const auto within = [&]<class V>(V v) {
        using C = std::conditional_t<std::is_floating_point_v<V>, V, double>;
        return std::isfinite(double(v)) && C(v) >= C(info.min) && C(v) <= C(info.max);
    };
    const auto shown = [&] { return "parameter '" + info.name + "' is "; };
    if constexpr (std::is_same_v<T, std::string>) {
        if (info.choices.empty()) return {};
        for (const auto& c : info.choices)
            if (c == value) return {};
        return shown() + "'" + value + "'; it must be one of " + joined(info.choices);
    } else if constexpr (std::is_arithmetic_v<T>) {
        if (within(value)) return {};
        return shown() + text_of(value) + "; it must lie in [" + bound(info.min) + ", " + bound(info.max) + "]";
    } else {
        if (within(value.min) && within(value.max) && value.min <= value.max) return {};
        return shown() + text_of(value) + "; it must be [min, max] with " + bound(info.min) + " <= min <= max <= " + bound(info.max);
    }
}

}  // namespace detail::describe

/// The description of a settings type S: its fields in order, each written once with
/// `field` (or several at once with `include`), beside the struct, in a static member function
///
///     static const ias::description<my_settings>& describe() {
///         static const auto d = ias::description<my_settings>()
///             .field("probability", &my_settings::probability, 0, 1, "share of samples changed")
///             .field("size", &my_settings::size, 1, 256, "square side, pixels");
///         return d;
///     }
///
/// From it: `fields()` for listings (defaults read from `S{}`), `assign` to set a field from
/// text with the type and the allowed values checked, `text` for the canonical text of a
/// value, and `validate` for settings built in C++. Fields are float, int, std::string (with
/// or without a list of choices), range<float> or range<int>, and enumerations or bools
/// written by name.
template <class S>
class description {
public:
    /// A float, int, range<float> or range<int> field whose value (each end, for a range) lies in [min, max].
    template <class T>
        requires(!std::is_same_v<T, std::string>)
    description field(std::string_view name, T S::*member, double min, double max, std::string_view help) && {
        add<T>({.name = std::string(name), .min = min, .max = max, .help = std::string(help)}, member);
        return std::move(*this);
    }
    /// A text field that must be one of `choices` (any text when there are none).
    description field(std::string_view name, std::string S::*member, std::vector<std::string> choices, std::string_view help) && {
        add<std::string>({.name = std::string(name), .choices = std::move(choices), .help = std::string(help)}, member);
        return std::move(*this);
    }
    /// An enumeration (or bool) field, written as one of the names in `names` (`{"otsu",
    /// method::otsu}, ...`): a text with those choices in listings, JSON and docs.
    template <class E>
        requires(std::is_enum_v<E> || std::is_same_v<E, bool>)
    description field(std::string_view name, E S::*member, std::vector<std::pair<std::string, E>> names, std::string_view help) && {
        field_info info{.name = std::string(name), .type = field_type::text, .help = std::string(help)};
        check_new(info.name);
        for (const auto& n : names) info.choices.push_back(n.first);
        const auto name_of = [member, names](const S& s) {
            for (const auto& [word, value] : names)
                if (value == s.*member) return word;
            return std::string();  // a value without a name: problem() reports it
        };
        auto assign = [member, names](const field_info& i, S& s, std::string_view text) {
            for (const auto& [word, value] : names)
                if (word == text) {
                    s.*member = value;
                    return;
                }
            throw std::invalid_argument(detail::describe::problem(i, std::string(text)));
        };
        auto problem = [member, names](const field_info& i, const S& s) {
            for (const auto& n : names)
                if (n.second == s.*member) return std::string();
            return "parameter '" + i.name + "' has a value without a name; it must be one of " + detail::describe::joined(i.choices);
        };
        entries_.push_back({std::move(info), std::move(assign), name_of, std::move(problem)});
        return std::move(*this);
    }
    /// A rule between fields that `holds` checks, said in words (`"aspect must enclose 1"`); an
    /// including description keeps the words, so say them in the names the users of S see.
    description rule(std::string_view text, bool (*holds)(const S&)) && {
        rules_.push_back({std::string(text), holds});
        return std::move(*this);
    }
    /// The fields of `member`, itself of a described type, named `prefix` + their own names
    /// (`include("mask_", &S::mask)` gives `mask_threshold` for `s.mask.threshold`).
    template <class M>
    description include(std::string_view prefix, M S::*member) && {
        for (const auto& inner : M::describe().entries_) {
            field_info info = inner.info;
            info.name = std::string(prefix) + info.name;
            check_new(info.name);
            entries_.push_back({std::move(info),
                                [member, f = inner.assign](const field_info& i, S& s, std::string_view text) { f(i, s.*member, text); },
                                [member, f = inner.text](const S& s) { return f(s.*member); },
                                [member, f = inner.problem](const field_info& i, const S& s) { return f(i, s.*member); }});
        }
        for (const auto& r : M::describe().rules_)
            rules_.push_back({r.text, [member, f = r.holds](const S& s) { return f(s.*member); }});
        return std::move(*this);
    }

    /// The fields in order, with the defaults of `S{}`.
    [[nodiscard]] std::vector<field_info> fields() const {
        const auto defaults = texts(S{});
        std::vector<field_info> out;
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            out.push_back(entries_[i].info);
            out.back().default_value = defaults[i];
        }
        return out;
    }

    /// The rules between fields, in words, in order.
    [[nodiscard]] std::vector<std::string> rules() const {
        std::vector<std::string> out;
        for (const auto& r : rules_) out.push_back(r.text);
        return out;
    }

    /// Sets field `name` of `s` from `text` (a number, an integer, a text or `[min, max]`).
    /// Throws std::invalid_argument naming the field and the text when there is no such field
    /// (listing the fields), the text is not of the field's type, or the value is not allowed.
    void assign(S& s, std::string_view name, std::string_view text) const {
        const entry& e = find(name);
        e.assign(e.info, s, text);
    }

    /// The canonical text of field `name` in `s` (what `assign` reads back to the same value).
    [[nodiscard]] std::string text(const S& s, std::string_view name) const { return find(name).text(s); }

    /// The canonical text of every field of `s`, in the order of `fields()`.
    [[nodiscard]] std::vector<std::string> texts(const S& s) const {
        std::vector<std::string> out;
        for (const auto& e : entries_) out.push_back(e.text(s));
        return out;
    }

    /// Throws std::invalid_argument naming the first field of `s` whose value is not allowed,
    /// or else the first rule that does not hold.
    void validate(const S& s) const {
        for (const auto& e : entries_)
            if (auto p = e.problem(e.info, s); !p.empty()) throw std::invalid_argument(p);
        for (const auto& r : rules_)
            if (!r.holds(s)) throw std::invalid_argument("the parameters break a rule: " + r.text);
    }

private:
    struct entry {
        field_info info;
        std::function<void(const field_info&, S&, std::string_view)> assign;
        std::function<std::string(const S&)> text;
        std::function<std::string(const field_info&, const S&)> problem;
    };
    struct rule_entry {
        std::string text;
        std::function<bool(const S&)> holds;
    };
    template <class>
    friend class description;

    /// Refuses a second field of one name: a description is written once, and a repeat is a bug.
    void check_new(const std::string& name) const {
        for (const auto& e : entries_)
            if (e.info.name == name) throw std::logic_error("ias::description: the field '" + name + "' is described twice");
    }

    template <class T>
    void add(field_info info, T S::*member) {
        check_new(info.name);
        info.type = detail::describe::type_of<T>::value;
        auto assign = [member](const field_info& i, S& s, std::string_view text) {
            T value{};
            if (!detail::describe::parse(text, value)) {
                static constexpr std::string_view expected[] = {"a finite number", "an integer", "a text",
                                                                 "a range [min, max] of finite numbers", "a range [min, max] of integers"};
                throw std::invalid_argument("parameter '" + i.name + "' is '" + std::string(text) + "', which is not " +
                                            std::string(expected[int(i.type)]));
            }
            if (auto p = detail::describe::problem(i, value); !p.empty()) throw std::invalid_argument(p);
            s.*member = std::move(value);
        };
        auto text = [member](const S& s) { return detail::describe::text_of(s.*member); };
        auto problem = [member](const field_info& i, const S& s) { return detail::describe::problem(i, s.*member); };
        entries_.push_back({std::move(info), std::move(assign), std::move(text), std::move(problem)});
    }

    const entry& find(std::string_view name) const {
        for (const auto& e : entries_)
            if (e.info.name == name) return e;
        std::vector<std::string> known;
        for (const auto& e : entries_) known.push_back(e.info.name);
        throw std::invalid_argument("unknown parameter '" + std::string(name) + "'; the parameters are " +
                                    (known.empty() ? std::string("none") : detail::describe::joined(known)));
    }

    std::vector<entry> entries_;
    std::vector<rule_entry> rules_;
};

/// A settings type that describes itself: `S::describe()` returns its `ias::description<S>`.
template <class S>
concept described = requires {
    { S::describe() } -> std::same_as<const description<S>&>;
};

/// Throws std::invalid_argument, prefixed with `who` ("ias::recipes::draem"), naming the
/// first field of `s` whose value its description does not allow.
template <described S>
void validate(const S& s, std::string_view who) {
    try {
        S::describe().validate(s);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string(who) + ": " + e.what());
    }
}

}  // namespace ias
