// SPDX-License-Identifier: MIT
// Everything in ias except file IO (include <ias/io/stb.hpp> and link stb for that).
#pragma once

#include "core.hpp"
#include "eigen.hpp"
#include "generate.hpp"
#include "fn/perlin_noise.hpp"
#include "transforms/perlin_mask.hpp"
