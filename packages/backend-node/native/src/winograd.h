// 3×3 stride-1 convolutions by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016): each
// 2×2 block of output pixels is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for its 4×4 input patch d, so the products
// become 16 matrix products of [tiles × in_c]·[in_c × out_c], 16 multiply-adds per output block and
// channel pair instead of 36: 2.25× fewer. Used by conv.cc for the forward pass, with the filter
// rotated for the input gradient, and transposed for the filter gradient.
#pragma once
#include "conv.h"

namespace cdm {

// Whether conv2d_winograd computes g: a 3×3 filter, stride 1, no dilation, and enough channels on
// both sides for the matrix products to pay for the transforms (any padding and output size).
bool winograd_applies(const ConvGeometry& g);

// Whether conv2d_backprop_filter_winograd is the faster way to g's filter gradient: winograd_applies,
// and not both sides at 64 channels or fewer.
bool winograd_filter_gradient_applies(const ConvGeometry& g);

// dw = ∂L/∂w given x and dy for a geometry winograd_applies to, by F(3×3, 2×2), the same algorithm
// transposed: dw = Gᵀ[Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B)]G, 16 products of [in_c × tiles]·[tiles × out_c].
// Threads sum their tiles into buffers of their own, added in thread order at the end (as
// conv2d_backprop_filter does), so the last bits depend on the thread count.
void conv2d_backprop_filter_winograd(const ConvGeometry& g, const float* x, const float* dy, float* dw, int threads);

// y = conv(x, w) (+ bias[out_c] when not null, added as the output transform writes each value) for a
// geometry winograd_applies to; tiles split over threads. Within float32 rounding of conv2d (the
// transforms' coefficients are 0, ±1 and ±½, exact in binary), and the same numbers whatever the
// thread count.
void conv2d_winograd(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y, int threads);

}  // namespace cdm
