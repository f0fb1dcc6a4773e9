// NHWC convolutions and their gradients with HWIO filters ([kh, kw, in_c, out_c], tfjs' layout),
// each as patch gathering over a chunk of rows followed by one sgemm, with rows split over threads.
#pragma once
#include <cstdint>

namespace cdm {

struct ConvGeometry {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t k_h, k_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
  int64_t dil_h, dil_w;
};

// y[batch, out_h, out_w, out_c] = conv(x[batch, in_h, in_w, in_c], w) (+ bias[out_c] when bias is not
// null, added to each chunk of rows right after its product, while it is in cache: fl(sum + bias),
// the same number a separate Add gives)
void conv2d(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y, int threads);
// dx[batch, in_h, in_w, in_c] = ∂L/∂x given dy[batch, out_h, out_w, out_c]
void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx, int threads);
// dw[k_h, k_w, in_c, out_c] = ∂L/∂w given x and dy
void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw, int threads);

}  // namespace cdm
