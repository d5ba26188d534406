// SPDX-License-Identifier: MIT
// defect_spec: what a procedural physical defect should look like, as a structure a prompt or a recipe fills in.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/describe.hpp"

namespace ias {

/// The kinds of procedural physical defect, as found on production lines.
enum class defect_type {
    scratch,   ///< thin curved strokes with tapering width, dark or specular
    crack,     ///< a branching random walk with thickness decay and shaded edges
    pore,      ///< a dark elliptical pit with a rim highlight (blowhole)
    stain,     ///< a fractal blob shifting colour or intensity, soft-edged (contamination)
    dent,      ///< a height map (dent or bump) shaded from a light direction
    chip,      ///< material missing at the object boundary (break)
    fray,      ///< wear along an edge
    particle,  ///< a small foreign body on the surface
};

inline constexpr std::array<defect_type, 8> all_defect_types{defect_type::scratch, defect_type::crack, defect_type::pore,
                                                             defect_type::stain,   defect_type::dent,  defect_type::chip,
                                                             defect_type::fray,    defect_type::particle};

/// The kind's name, as `sample.defect_kind` and prompts spell it.
[[nodiscard]] constexpr std::string_view to_string(defect_type t) noexcept {
    switch (t) {
        case defect_type::scratch: return "scratch";
        case defect_type::crack: return "crack";
        case defect_type::pore: return "pore";
        case defect_type::stain: return "stain";
        case defect_type::dent: return "dent";
        case defect_type::chip: return "chip";
        case defect_type::fray: return "fray";
        case defect_type::particle: return "particle";
    }
    return "scratch";
}

/// Whether the defect is darker or brighter than the surface (a scratch can be either: a groove
/// in shadow or a specular line).
enum class defect_polarity { any, dark, bright };

/// Where defects are placed.
enum class defect_location {
    anywhere,     ///< the whole image
    foreground,   ///< where `sample.foreground` > 0.5 (everywhere without a foreground)
    object_edge,  ///< on the boundary of the foreground (the image border without one)
    top,          ///< the top quarter of the image
    bottom,       ///< the bottom quarter
    left,         ///< the left quarter
    right,        ///< the right quarter
    centre,       ///< the central half in each direction
    region,       ///< `defect_spec::region`
};

/// A closed range [min, max] of a defect attribute.
using defect_range = range<float>;

/// What to synthesise: every attribute a prompt can name. Sizes are fractions of the image's
/// shorter side (the length of a scratch, crack or fray; the diameter of the other kinds);
/// thickness is in pixels; contrast is the intensity change in [0, 1]. `defect_spec::of(kind)`
/// gives each kind's defaults.
struct defect_spec {
    defect_type kind = defect_type::scratch;
    range<int> count{1, 1};  ///< defects of this spec per sample, n ~ U{min … max}
    defect_range size{0.2f, 0.4f};
    defect_range thickness{1.0f, 2.5f};
    defect_range contrast{0.15f, 0.35f};
    defect_polarity polarity = defect_polarity::any;
    std::optional<float> orientation;  ///< degrees, 0 horizontal, 90 vertical; none: random
    defect_location location = defect_location::anywhere;
    std::array<float, 4> region{0.0f, 0.0f, 1.0f, 1.0f};  ///< x0, y0, x1, y1 as fractions, with location = region
    std::optional<std::array<float, 3>> colour;          ///< RGB in [0, 1] (stains, particles); none: a shade of the surface
    float softness = 0.3f;                                ///< edge softness, 0 hard … 1 very soft

    friend bool operator==(const defect_spec&, const defect_spec&) = default;

    /// The defaults of `kind`.
    [[nodiscard]] static defect_spec of(defect_type kind) {
        defect_spec s;
        s.kind = kind;
        switch (kind) {
            case defect_type::scratch: break;
            case defect_type::crack: s.size = {0.25f, 0.5f}, s.thickness = {1.0f, 3.0f}, s.polarity = defect_polarity::dark; break;
            case defect_type::pore: s.size = {0.03f, 0.08f}, s.contrast = {0.25f, 0.5f}, s.polarity = defect_polarity::dark, s.softness = 0.2f; break;
            case defect_type::stain: s.size = {0.1f, 0.25f}, s.contrast = {0.08f, 0.2f}, s.softness = 0.7f; break;
            case defect_type::dent: s.size = {0.08f, 0.2f}, s.contrast = {0.1f, 0.25f}, s.softness = 0.8f; break;
            case defect_type::chip: s.size = {0.05f, 0.12f}, s.contrast = {0.3f, 0.6f}, s.location = defect_location::object_edge, s.softness = 0.1f; break;
            case defect_type::fray: s.size = {0.15f, 0.35f}, s.thickness = {3.0f, 8.0f}, s.contrast = {0.2f, 0.4f}, s.location = defect_location::object_edge; break;
            case defect_type::particle: s.size = {0.01f, 0.03f}, s.contrast = {0.3f, 0.6f}, s.softness = 0.15f; break;
        }
        return s;
    }

    static const description<defect_spec>& describe() {
        using S = defect_spec;
        static const auto d =
            description<S>()
                .field("kind", &S::kind, names_of_kinds(), "the kind of defect")
                .field("count", &S::count, 0, 64, "defects of this spec per sample")
                .field("size", &S::size, 0.001, 1, "length or diameter, as a fraction of the image's shorter side")
                .field("thickness", &S::thickness, 0.25, 64, "stroke thickness, pixels")
                .field("contrast", &S::contrast, 0, 1, "intensity change")
                .field("polarity", &S::polarity,
                       {{"any", defect_polarity::any}, {"dark", defect_polarity::dark}, {"bright", defect_polarity::bright}},
                       "darker or brighter than the surface")
                .field("location", &S::location,
                       {{"anywhere", defect_location::anywhere}, {"foreground", defect_location::foreground},
                        {"object_edge", defect_location::object_edge}, {"top", defect_location::top},
                        {"bottom", defect_location::bottom}, {"left", defect_location::left}, {"right", defect_location::right},
                        {"centre", defect_location::centre}, {"region", defect_location::region}},
                       "where the defects are placed")
                .field("softness", &S::softness, 0, 1, "edge softness, 0 hard … 1 very soft")
                .rule("orientation must lie in [-360, 360] degrees",
                      [](const S& s) { return !s.orientation || (*s.orientation >= -360.0f && *s.orientation <= 360.0f); })
                .rule("region must satisfy 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1",
                      [](const S& s) {
                          const auto& r = s.region;
                          return r[0] >= 0.0f && r[0] < r[2] && r[2] <= 1.0f && r[1] >= 0.0f && r[1] < r[3] && r[3] <= 1.0f;
                      })
                .rule("colour components must lie in [0, 1]", [](const S& s) {
                    return !s.colour || std::all_of(s.colour->begin(), s.colour->end(), [](float c) { return c >= 0.0f && c <= 1.0f; });
                });
        return d;
    }

    /// Throws std::invalid_argument naming the attribute that is out of range.
    void validate() const { ias::validate(*this, "ias::defect_spec"); }

private:
    static std::vector<std::pair<std::string, defect_type>> names_of_kinds() {
        std::vector<std::pair<std::string, defect_type>> names;
        for (defect_type k : all_defect_types) names.emplace_back(to_string(k), k);
        return names;
    }
};

}  // namespace ias
