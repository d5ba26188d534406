// SPDX-License-Identifier: MIT
// configured: a transform built from described settings, checked once when it is built.
#pragma once

#include <string>

#include "describe.hpp"

namespace ias {

/// The base of a transform `Self` configured by a described settings type S: it is built
/// from S, which is checked here, once, against S's description (each field's range or
/// choices, then its rules), so that sampling never checks again; afterwards the settings
/// are read with `settings()` and cannot change. `Self` reads the fields by their names, as
/// its own (S is a protected base):
///
///     struct blur : configured<blur, blur_settings> {
///         static constexpr std::string_view name = "blur";
///         using configured::configured;
///         ...  // sigma.min, sigma.max are blur_settings' fields
///     };
///     const blur b({.sigma = {1, 2}});  // throws std::invalid_argument "ias::blur: parameter 'sigma' is ..."
template <class Self, described S>
class configured : protected S {
public:
    using settings_type = S;

    configured(const S& settings = {})  // NOLINT(google-explicit-constructor): `blur{{.sigma = ...}}` reads as settings
        : S(settings) {
        validate(this->settings(), "ias::" + std::string(Self::name));
    }

    /// The settings the transform was built with.
    [[nodiscard]] const S& settings() const noexcept { return *this; }
};

}  // namespace ias
