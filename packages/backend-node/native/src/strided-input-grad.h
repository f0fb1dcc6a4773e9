// The input gradient of a strided convolution without the zero taps (used by conv.cc).
#pragma once
#include "conv.h"

namespace cdm {

// dx for stride_h > 1 or stride_w > 1. An input pixel (iy, ix) is read by tap (a, b) of an output
// pixel only when iy + pad_top − a·dil_h and ix + pad_left − b·dil_w are multiples of the strides,
// so the pixels fall into stride_h × stride_w classes by (iy + pad_top) mod stride_h and
// (ix + pad_left) mod stride_w, and each class multiplies only its own taps (a quarter of a 3×3
// filter's, on average, at stride 2) with that part of the filter, packed once per class.
void conv2d_backprop_input_strided(const ConvGeometry& g, const float* dy, const float* w, float* dx, int threads);

}  // namespace cdm
