// SPDX-License-Identifier: MIT
// Everything in ias except file IO (include <ias/io/stb.hpp> and link stb for that).
#pragma once

#include "core.hpp"
#include "eigen.hpp"
#include "generate.hpp"

#include "fn/blend.hpp"
#include "fn/colour.hpp"
#include "fn/foreground.hpp"
#include "fn/morphology.hpp"
#include "fn/perlin_noise.hpp"
#include "fn/procedural_texture.hpp"
#include "fn/resize.hpp"
#include "fn/shapes.hpp"
#include "fn/superpixels.hpp"
#include "fn/warp.hpp"

#include "transforms/colour_ops.hpp"
#include "transforms/feature_grid_mask.hpp"
#include "transforms/foreground.hpp"
#include "transforms/geometry_ops.hpp"
#include "transforms/perlin_mask.hpp"
#include "transforms/settings.hpp"
#include "transforms/shape_masks.hpp"
#include "transforms/structure_blend.hpp"
#include "transforms/superpixel_mask.hpp"
#include "transforms/texture_blend.hpp"

#include "textures/procedural_textures.hpp"
#include "textures/texture_source.hpp"

#include "recipes.hpp"
