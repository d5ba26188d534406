// SPDX-License-Identifier: MIT
// The core of ias: images and views, samples, randomness, transform concepts and composition.
// Cheap to include: no Eigen, no stb, no iostream.
#pragma once

#include "core/any_transform.hpp"
#include "core/compose.hpp"
#include "core/concepts.hpp"
#include "core/error.hpp"
#include "core/image.hpp"
#include "core/image_view.hpp"
#include "core/pipeline.hpp"
#include "core/pixel_region.hpp"
#include "core/rng.hpp"
#include "core/run_on_region.hpp"
#include "core/sample.hpp"
