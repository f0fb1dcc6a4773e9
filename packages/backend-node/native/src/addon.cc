// Node-API bindings: every function takes Float32Array views (the tfjs-wasm heap, no copies), an
// Int32Array of dimensions and a thread count, checks that each view is long enough for those
// dimensions, and writes its result into the output view.
#include <node_api.h>

#include <cstdint>
#include <string>
#include <thread>

#include <vector>

#include "activation.h"
#include "adam.h"
#include "batch-matmul.h"
#include "block-copy.h"
#include "conv.h"
#include "dropout.h"
#include "elementwise.h"
#include "gemm.h"
#include "group-norm.h"
#include "reduce.h"

namespace {

struct View {
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type = napi_int8_array;
};

bool throw_error(napi_env env, const std::string& message) {
  napi_throw_range_error(env, "CDM_NATIVE_ARGUMENT", message.c_str());
  return false;
}

bool get_view(napi_env env, napi_value value, napi_typedarray_type want, const char* name, View* out) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return throw_error(env, std::string(name) + " must be a typed array");
  napi_value buffer;
  size_t offset;
  napi_get_typedarray_info(env, value, &out->type, &out->length, &out->data, &buffer, &offset);
  if (out->type != want)
    return throw_error(env, std::string(name) + (want == napi_float32_array ? " must be a Float32Array" : want == napi_float64_array ? " must be a Float64Array" : " must be an Int32Array"));
  return true;
}

bool need(napi_env env, const View& v, int64_t elements, const char* name) {
  if (elements < 0 || static_cast<int64_t>(v.length) < elements)
    return throw_error(env, std::string(name) + " holds " + std::to_string(v.length) + " elements; the dimensions need " + std::to_string(elements));
  return true;
}

bool get_threads(napi_env env, napi_value value, int* threads) {
  int32_t t = 1;
  if (napi_get_value_int32(env, value, &t) != napi_ok || t < 1 || t > 64) return throw_error(env, "threads must be an integer from 1 to 64");
  *threads = t;
  return true;
}

template <size_t N>
bool get_args(napi_env env, napi_callback_info info, napi_value (&args)[N]) {
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  if (argc != N) return throw_error(env, "expected " + std::to_string(N) + " arguments, got " + std::to_string(argc));
  return true;
}

// Reads the 15 numbers of a ConvGeometry from an Int32Array, checking that they describe a convolution.
bool get_geometry(napi_env env, napi_value value, cdm::ConvGeometry* g) {
  View v;
  if (!get_view(env, value, napi_int32_array, "geometry", &v)) return false;
  if (v.length != 15) return throw_error(env, "geometry must hold 15 numbers");
  const int32_t* d = static_cast<const int32_t*>(v.data);
  *g = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  for (int i = 0; i < 9; i++)
    if (d[i] < 0) return throw_error(env, "geometry sizes must not be negative");
  if (g->stride_h < 1 || g->stride_w < 1 || g->dil_h < 1 || g->dil_w < 1) return throw_error(env, "strides and dilations must be at least 1");
  return true;
}

int64_t input_size(const cdm::ConvGeometry& g) { return g.batch * g.in_h * g.in_w * g.in_c; }
int64_t output_size(const cdm::ConvGeometry& g) { return g.batch * g.out_h * g.out_w * g.out_c; }
int64_t filter_size(const cdm::ConvGeometry& g) { return g.k_h * g.k_w * g.in_c * g.out_c; }

// conv2d(x, filter, y, geometry, threads)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  napi_value args[5];
  View x, w, y;
  cdm::ConvGeometry g;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "x", &x) || !get_view(env, args[1], napi_float32_array, "filter", &w) ||
      !get_view(env, args[2], napi_float32_array, "y", &y) || !get_geometry(env, args[3], &g) || !get_threads(env, args[4], &threads) ||
      !need(env, x, input_size(g), "x") || !need(env, w, filter_size(g), "filter") || !need(env, y, output_size(g), "y"))
    return nullptr;
  cdm::conv2d(g, static_cast<const float*>(x.data), static_cast<const float*>(w.data), nullptr, static_cast<float*>(y.data), threads);
  return nullptr;
}

// conv2dBias(x, filter, bias, y, geometry, threads): conv2d with the bias added in the epilogue
napi_value Conv2dBias(napi_env env, napi_callback_info info) {
  napi_value args[6];
  View x, w, b, y;
  cdm::ConvGeometry g;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "x", &x) || !get_view(env, args[1], napi_float32_array, "filter", &w) ||
      !get_view(env, args[2], napi_float32_array, "bias", &b) || !get_view(env, args[3], napi_float32_array, "y", &y) || !get_geometry(env, args[4], &g) ||
      !get_threads(env, args[5], &threads) || !need(env, x, input_size(g), "x") || !need(env, w, filter_size(g), "filter") || !need(env, b, g.out_c, "bias") ||
      !need(env, y, output_size(g), "y"))
    return nullptr;
  cdm::conv2d(g, static_cast<const float*>(x.data), static_cast<const float*>(w.data), static_cast<const float*>(b.data), static_cast<float*>(y.data), threads);
  return nullptr;
}

// conv2dBackpropInput(dy, filter, dx, geometry, threads)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  napi_value args[5];
  View dy, w, dx;
  cdm::ConvGeometry g;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "dy", &dy) || !get_view(env, args[1], napi_float32_array, "filter", &w) ||
      !get_view(env, args[2], napi_float32_array, "dx", &dx) || !get_geometry(env, args[3], &g) || !get_threads(env, args[4], &threads) ||
      !need(env, dy, output_size(g), "dy") || !need(env, w, filter_size(g), "filter") || !need(env, dx, input_size(g), "dx"))
    return nullptr;
  cdm::conv2d_backprop_input(g, static_cast<const float*>(dy.data), static_cast<const float*>(w.data), static_cast<float*>(dx.data), threads);
  return nullptr;
}

// conv2dBackpropFilter(x, dy, dw, geometry, threads)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  napi_value args[5];
  View x, dy, dw;
  cdm::ConvGeometry g;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "x", &x) || !get_view(env, args[1], napi_float32_array, "dy", &dy) ||
      !get_view(env, args[2], napi_float32_array, "dw", &dw) || !get_geometry(env, args[3], &g) || !get_threads(env, args[4], &threads) ||
      !need(env, x, input_size(g), "x") || !need(env, dy, output_size(g), "dy") || !need(env, dw, filter_size(g), "dw"))
    return nullptr;
  cdm::conv2d_backprop_filter(g, static_cast<const float*>(x.data), static_cast<const float*>(dy.data), static_cast<float*>(dw.data), threads);
  return nullptr;
}

// batchMatMul(a, b, out, dims = [batchA, batchB, m, n, k, transposeA, transposeB], threads)
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  napi_value args[5];
  View a, b, out, dims;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "a", &a) || !get_view(env, args[1], napi_float32_array, "b", &b) ||
      !get_view(env, args[2], napi_float32_array, "out", &out) || !get_view(env, args[3], napi_int32_array, "dims", &dims) ||
      !get_threads(env, args[4], &threads))
    return nullptr;
  if (dims.length != 7) return throw_error(env, "dims must hold 7 numbers"), nullptr;
  const int32_t* d = static_cast<const int32_t*>(dims.data);
  const int64_t batch_a = d[0], batch_b = d[1], m = d[2], n = d[3], k = d[4];
  if (batch_a < 1 || batch_b < 1 || m < 0 || n < 0 || k < 0) return throw_error(env, "batch sizes must be at least 1 and matrix sizes not negative"), nullptr;
  if (batch_a != batch_b && batch_a != 1 && batch_b != 1) return throw_error(env, "batch sizes must be equal or 1"), nullptr;
  const int64_t batch = batch_a > batch_b ? batch_a : batch_b;
  if (!need(env, a, batch_a * m * k, "a") || !need(env, b, batch_b * k * n, "b") || !need(env, out, batch * m * n, "out")) return nullptr;
  cdm::batch_matmul(static_cast<const float*>(a.data), static_cast<const float*>(b.data), static_cast<float*>(out.data), batch_a, batch_b, m, n, k,
                    d[5] != 0, d[6] != 0, threads);
  return nullptr;
}

bool get_shape(napi_env env, napi_value value, const char* name, std::vector<int64_t>* shape) {
  View v;
  if (!get_view(env, value, napi_int32_array, name, &v)) return false;
  const int32_t* d = static_cast<const int32_t*>(v.data);
  shape->assign(d, d + v.length);
  for (int64_t s : *shape)
    if (s < 0) return throw_error(env, std::string(name) + " must not hold negative sizes");
  return true;
}

int64_t size_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

// binary(op, a, aShape, b, bShape, out, threads): op 0 add, 1 sub, 2 mul, 3 div, 4 squared difference
napi_value Binary(napi_env env, napi_callback_info info) {
  napi_value args[7];
  View a, b, out;
  std::vector<int64_t> a_shape, b_shape;
  int32_t op = -1;
  int threads;
  if (!get_args(env, info, args)) return nullptr;
  if (napi_get_value_int32(env, args[0], &op) != napi_ok || op < 0 || op > 4) return throw_error(env, "op must be 0 (add) to 4 (squared difference)"), nullptr;
  if (!get_view(env, args[1], napi_float32_array, "a", &a) || !get_shape(env, args[2], "aShape", &a_shape) || !get_view(env, args[3], napi_float32_array, "b", &b) ||
      !get_shape(env, args[4], "bShape", &b_shape) || !get_view(env, args[5], napi_float32_array, "out", &out) || !get_threads(env, args[6], &threads))
    return nullptr;
  const size_t rank = a_shape.size() > b_shape.size() ? a_shape.size() : b_shape.size();
  std::vector<int64_t> out_shape(rank);
  for (size_t i = 0; i < rank; i++) {  // right-aligned NumPy broadcasting
    const int64_t x = i < rank - a_shape.size() ? 1 : a_shape[i - (rank - a_shape.size())];
    const int64_t y = i < rank - b_shape.size() ? 1 : b_shape[i - (rank - b_shape.size())];
    if (x != y && x != 1 && y != 1) return throw_error(env, "aShape and bShape do not broadcast"), nullptr;
    out_shape[i] = x == 1 ? y : x;
  }
  if (!need(env, a, size_of(a_shape), "a") || !need(env, b, size_of(b_shape), "b") || !need(env, out, size_of(out_shape), "out")) return nullptr;
  cdm::broadcast_binary(static_cast<cdm::BinaryOp>(op), static_cast<const float*>(a.data), a_shape, static_cast<const float*>(b.data), b_shape,
                        static_cast<float*>(out.data), out_shape, threads);
  return nullptr;
}

// reduceSum(x, shape, reducedAxes (0/1 per dimension), out, mean (0/1), threads)
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  napi_value args[6];
  View x, mask, out;
  std::vector<int64_t> shape;
  int32_t mean = 0;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "x", &x) || !get_shape(env, args[1], "shape", &shape) ||
      !get_view(env, args[2], napi_int32_array, "reducedAxes", &mask) || !get_view(env, args[3], napi_float32_array, "out", &out) ||
      napi_get_value_int32(env, args[4], &mean) != napi_ok || !get_threads(env, args[5], &threads))
    return nullptr;
  if (mask.length != shape.size()) return throw_error(env, "reducedAxes must hold one flag per dimension of shape"), nullptr;
  std::vector<bool> reduced(shape.size());
  int64_t kept = 1;
  for (size_t d = 0; d < shape.size(); d++) {
    reduced[d] = static_cast<const int32_t*>(mask.data)[d] != 0;
    if (!reduced[d]) kept *= shape[d];
  }
  if (!need(env, x, size_of(shape), "x") || !need(env, out, kept, "out")) return nullptr;
  cdm::reduce_sum(static_cast<const float*>(x.data), shape, reduced, static_cast<float*>(out.data), mean != 0, threads);
  return nullptr;
}

bool get_group_norm_dims(napi_env env, napi_value value, cdm::GroupNormDims* d) {
  View v;
  if (!get_view(env, value, napi_int32_array, "dims", &v)) return false;
  if (v.length != 4) return throw_error(env, "dims must hold 4 numbers: batch, pixels, channels, groups");
  const int32_t* s = static_cast<const int32_t*>(v.data);
  *d = {s[0], s[1], s[2], s[3]};
  if (d->batch < 0 || d->pixels < 0 || d->channels < 1 || d->groups < 1 || d->channels % d->groups != 0)
    return throw_error(env, "dims: sizes must not be negative and channels must be a positive multiple of groups");
  return true;
}

// groupNorm(x, gamma, beta, y, mean, rstd, dims = [batch, pixels, channels, groups], epsilon, threads)
napi_value GroupNorm(napi_env env, napi_callback_info info) {
  napi_value args[9];
  View x, gamma, beta, y, mean, rstd;
  cdm::GroupNormDims d;
  double epsilon = 0;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "x", &x) || !get_view(env, args[1], napi_float32_array, "gamma", &gamma) ||
      !get_view(env, args[2], napi_float32_array, "beta", &beta) || !get_view(env, args[3], napi_float32_array, "y", &y) ||
      !get_view(env, args[4], napi_float32_array, "mean", &mean) || !get_view(env, args[5], napi_float32_array, "rstd", &rstd) ||
      !get_group_norm_dims(env, args[6], &d) || !get_threads(env, args[8], &threads))
    return nullptr;
  if (napi_get_value_double(env, args[7], &epsilon) != napi_ok || !(epsilon > 0)) return throw_error(env, "epsilon must be a positive number"), nullptr;
  const int64_t size = d.batch * d.pixels * d.channels, stats = d.batch * d.groups;
  if (!need(env, x, size, "x") || !need(env, gamma, d.channels, "gamma") || !need(env, beta, d.channels, "beta") || !need(env, y, size, "y") ||
      !need(env, mean, stats, "mean") || !need(env, rstd, stats, "rstd"))
    return nullptr;
  cdm::group_norm(d, static_cast<const float*>(x.data), static_cast<const float*>(gamma.data), static_cast<const float*>(beta.data), epsilon,
                  static_cast<float*>(y.data), static_cast<float*>(mean.data), static_cast<float*>(rstd.data), threads);
  return nullptr;
}

// groupNormGrad(dy, x, mean, rstd, gamma, dx, dgamma, dbeta, dims, threads)
napi_value GroupNormGrad(napi_env env, napi_callback_info info) {
  napi_value args[10];
  View dy, x, mean, rstd, gamma, dx, dgamma, dbeta;
  cdm::GroupNormDims d;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "dy", &dy) || !get_view(env, args[1], napi_float32_array, "x", &x) ||
      !get_view(env, args[2], napi_float32_array, "mean", &mean) || !get_view(env, args[3], napi_float32_array, "rstd", &rstd) ||
      !get_view(env, args[4], napi_float32_array, "gamma", &gamma) || !get_view(env, args[5], napi_float32_array, "dx", &dx) ||
      !get_view(env, args[6], napi_float32_array, "dgamma", &dgamma) || !get_view(env, args[7], napi_float32_array, "dbeta", &dbeta) ||
      !get_group_norm_dims(env, args[8], &d) || !get_threads(env, args[9], &threads))
    return nullptr;
  const int64_t size = d.batch * d.pixels * d.channels, stats = d.batch * d.groups;
  if (!need(env, dy, size, "dy") || !need(env, x, size, "x") || !need(env, mean, stats, "mean") || !need(env, rstd, stats, "rstd") ||
      !need(env, gamma, d.channels, "gamma") || !need(env, dx, size, "dx") || !need(env, dgamma, d.channels, "dgamma") || !need(env, dbeta, d.channels, "dbeta"))
    return nullptr;
  cdm::group_norm_grad(d, static_cast<const float*>(dy.data), static_cast<const float*>(x.data), static_cast<const float*>(mean.data),
                       static_cast<const float*>(rstd.data), static_cast<const float*>(gamma.data), static_cast<float*>(dx.data),
                       static_cast<float*>(dgamma.data), static_cast<float*>(dbeta.data), threads);
  return nullptr;
}

// blockCopy(parts (Float32Array[]), widths, whole, rows, toWhole (0/1), threads): concat (1) or split (0)
// along one axis, with every tensor viewed as [rows, width] and the whole's width the sum of widths.
napi_value BlockCopy(napi_env env, napi_callback_info info) {
  napi_value args[6];
  View widths_view, whole;
  int32_t rows = -1, to_whole = 0;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[1], napi_int32_array, "widths", &widths_view) ||
      !get_view(env, args[2], napi_float32_array, "whole", &whole) || napi_get_value_int32(env, args[3], &rows) != napi_ok ||
      napi_get_value_int32(env, args[4], &to_whole) != napi_ok || !get_threads(env, args[5], &threads))
    return nullptr;
  if (rows < 0) return throw_error(env, "rows must not be negative"), nullptr;
  bool is_array = false;
  uint32_t count = 0;
  napi_is_array(env, args[0], &is_array);
  if (!is_array || napi_get_array_length(env, args[0], &count) != napi_ok || count != widths_view.length)
    return throw_error(env, "parts must be an array with one Float32Array per width"), nullptr;
  std::vector<float*> parts(count);
  std::vector<int64_t> widths(count);
  int64_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    View part;
    napi_get_element(env, args[0], i, &element);
    widths[i] = static_cast<const int32_t*>(widths_view.data)[i];
    if (widths[i] < 0) return throw_error(env, "widths must not be negative"), nullptr;
    if (!get_view(env, element, napi_float32_array, "each part", &part) || !need(env, part, rows * widths[i], "a part")) return nullptr;
    parts[i] = static_cast<float*>(part.data);
    total += widths[i];
  }
  if (!need(env, whole, rows * total, "whole")) return nullptr;
  cdm::block_copy(parts, widths, static_cast<float*>(whole.data), rows, to_whole != 0, threads);
  return nullptr;
}

// silu(x, y, threads) and siluGrad(dy, x, dx, threads): element-wise over equally long views.
napi_value Silu(napi_env env, napi_callback_info info) {
  napi_value args[3];
  View x, y;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "x", &x) || !get_view(env, args[1], napi_float32_array, "y", &y) ||
      !get_threads(env, args[2], &threads) || !need(env, y, static_cast<int64_t>(x.length), "y"))
    return nullptr;
  cdm::silu(static_cast<const float*>(x.data), static_cast<float*>(y.data), static_cast<int64_t>(x.length), threads);
  return nullptr;
}

napi_value SiluGrad(napi_env env, napi_callback_info info) {
  napi_value args[4];
  View dy, x, dx;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "dy", &dy) || !get_view(env, args[1], napi_float32_array, "x", &x) ||
      !get_view(env, args[2], napi_float32_array, "dx", &dx) || !get_threads(env, args[3], &threads) ||
      !need(env, dy, static_cast<int64_t>(x.length), "dy") || !need(env, dx, static_cast<int64_t>(x.length), "dx"))
    return nullptr;
  cdm::silu_grad(static_cast<const float*>(dy.data), static_cast<const float*>(x.data), static_cast<float*>(dx.data), static_cast<int64_t>(x.length), threads);
  return nullptr;
}

// dropout(x, y, key0, key1, threshold, scale, threads): y = x·mask with the Philox mask of (key0, key1).
napi_value Dropout(napi_env env, napi_callback_info info) {
  napi_value args[7];
  View x, y;
  uint32_t key0, key1, threshold;
  double scale;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "x", &x) || !get_view(env, args[1], napi_float32_array, "y", &y))
    return nullptr;
  if (napi_get_value_uint32(env, args[2], &key0) != napi_ok || napi_get_value_uint32(env, args[3], &key1) != napi_ok ||
      napi_get_value_uint32(env, args[4], &threshold) != napi_ok || threshold > (1u << 24))
    return throw_error(env, "key0 and key1 must be unsigned 32-bit integers and threshold one from 0 to 2^24"), nullptr;
  if (napi_get_value_double(env, args[5], &scale) != napi_ok) return throw_error(env, "scale must be a number"), nullptr;
  if (!get_threads(env, args[6], &threads) || !need(env, y, static_cast<int64_t>(x.length), "y")) return nullptr;
  cdm::dropout(static_cast<const float*>(x.data), static_cast<float*>(y.data), static_cast<int64_t>(x.length), key0, key1, threshold, static_cast<float>(scale), threads);
  return nullptr;
}

// adamUpdate(param, m, v, grad, paramOut, mOut, vOut, coefficients (Float64Array) = [β₁, β₂, ε, stepSize, secondCorrection], threads)
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  napi_value args[9];
  View param, m, v, grad, param_out, m_out, v_out, coefficients;
  int threads;
  if (!get_args(env, info, args) || !get_view(env, args[0], napi_float32_array, "param", &param) || !get_view(env, args[1], napi_float32_array, "m", &m) ||
      !get_view(env, args[2], napi_float32_array, "v", &v) || !get_view(env, args[3], napi_float32_array, "grad", &grad) ||
      !get_view(env, args[4], napi_float32_array, "paramOut", &param_out) || !get_view(env, args[5], napi_float32_array, "mOut", &m_out) ||
      !get_view(env, args[6], napi_float32_array, "vOut", &v_out) || !get_view(env, args[7], napi_float64_array, "coefficients", &coefficients) ||
      !get_threads(env, args[8], &threads))
    return nullptr;
  if (coefficients.length != 5) return throw_error(env, "coefficients must hold 5 numbers: beta1, beta2, epsilon, stepSize, secondCorrection"), nullptr;
  const int64_t size = static_cast<int64_t>(param.length);
  if (!need(env, m, size, "m") || !need(env, v, size, "v") || !need(env, grad, size, "grad") || !need(env, param_out, size, "paramOut") ||
      !need(env, m_out, size, "mOut") || !need(env, v_out, size, "vOut"))
    return nullptr;
  const double* k = static_cast<const double*>(coefficients.data);
  cdm::adam_update({k[0], k[1], k[2], k[3], k[4]}, static_cast<const float*>(param.data), static_cast<const float*>(m.data),
                   static_cast<const float*>(v.data), static_cast<const float*>(grad.data), static_cast<float*>(param_out.data),
                   static_cast<float*>(m_out.data), static_cast<float*>(v_out.data), size, threads);
  return nullptr;
}

// info() → { isa, hardwareThreads }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value result, isa, hardware;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, cdm::sgemm_isa(), NAPI_AUTO_LENGTH, &isa);
  napi_create_uint32(env, std::thread::hardware_concurrency(), &hardware);
  napi_set_named_property(env, result, "isa", isa);
  napi_set_named_property(env, result, "hardwareThreads", hardware);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBias", nullptr, Conv2dBias, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2dBackpropInput, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2dBackpropFilter, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"reduceSum", nullptr, ReduceSum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"groupNorm", nullptr, GroupNorm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"groupNormGrad", nullptr, GroupNormGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"blockCopy", nullptr, BlockCopy, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"silu", nullptr, Silu, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"siluGrad", nullptr, SiluGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"dropout", nullptr, Dropout, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return Init(env, exports); }
