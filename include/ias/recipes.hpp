// SPDX-License-Identifier: MIT
// Every published recipe, their texture operation sets and the registry by name.
#pragma once

#include "recipes/catalogue.hpp"    // IWYU pragma: export
#include "recipes/cutpaste.hpp"     // IWYU pragma: export
#include "recipes/draem.hpp"        // IWYU pragma: export
#include "recipes/fractal.hpp"      // IWYU pragma: export
#include "recipes/glass_las.hpp"    // IWYU pragma: export
#include "recipes/memseg.hpp"       // IWYU pragma: export
#include "recipes/nsa.hpp"          // IWYU pragma: export
#include "recipes/perlin_blend.hpp"  // IWYU pragma: export
#include "recipes/prompt.hpp"      // IWYU pragma: export
#include "recipes/realnet.hpp"      // IWYU pragma: export
#include "recipes/registry.hpp"     // IWYU pragma: export
#include "recipes/texture_ops.hpp"  // IWYU pragma: export
