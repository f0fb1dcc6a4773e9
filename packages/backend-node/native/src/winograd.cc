#include "winograd.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "parallel.h"
#include "workspace.h"

namespace cdm {
namespace {

// Fewer channels than this on either side and the transforms cost more than the products save
// (the U-Net's first and last convolutions, 3 channels, stay with conv.cc's patch matrices).
constexpr int64_t kMinChannels = 16;
constexpr double kMinParallelMacs = 2e6;
// A chunk of tiles holds 16 transformed input rows of in_c and 16 product rows of out_c per tile;
// chunks are sized to keep that within L2, in whole panels of 12 rows (a multiple of every
// micro-kernel height), from 12 to 96 tiles.
constexpr int64_t kChunkBytes = 512 * 1024;
constexpr int64_t kPanelRows = 12;
// The filter gradient's products sum over the tiles, so longer chunks (up to 2 MiB of transformed
// tiles) make longer sums per pass over the 16 accumulators. Measured on a Zen 5 core at batch 16:
// 250–300 GFLOP/s-equivalent against 160–185 with patch matrices wherever either side has 128 or
// more channels, but 120 against 150 at 64 → 64, so that case keeps the patch matrices.
constexpr int64_t kGradientChunkBytes = 2048 * 1024;
constexpr int64_t kMinGradientChannelSum = 192;

int64_t chunk_tiles(int64_t in_c, int64_t out_c, int64_t bytes, int64_t max_panels) {
  const int64_t fit = bytes / (16 * (in_c + out_c) * static_cast<int64_t>(sizeof(float)));
  return std::clamp<int64_t>(fit / kPanelRows * kPanelRows, kPanelRows, max_panels * kPanelRows);
}

// The transforms run on a vector of 16 channels at a time, then one channel at a time for the rest
// (T = floats16, then float); memcpy keeps the loads and stores unaligned and free of aliasing rules.
typedef float floats16 __attribute__((vector_size(64)));

template <typename T>
inline T load(const float* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
inline void store(float* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

// U[e] (in_c × out_c, row-major) = (G f Gᵀ)[e / 4][e % 4] for every channel pair's 3×3 filter f,
// with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]; pairs [q, q + lanes), q = c·out_c + k, the same offset in
// each of w's taps and in each U[e].
template <typename T>
inline void filter_lanes(const float* w, int64_t plane, int64_t q, float* u) {
  T t[4][3];
  for (int b = 0; b < 3; b++) {  // G f
    const T f0 = load<T>(w + b * plane + q), f1 = load<T>(w + (3 + b) * plane + q), f2 = load<T>(w + (6 + b) * plane + q);
    t[0][b] = f0;
    t[1][b] = 0.5f * (f0 + f1 + f2);
    t[2][b] = 0.5f * (f0 - f1 + f2);
    t[3][b] = f2;
  }
  for (int i = 0; i < 4; i++) {  // (G f) Gᵀ
    store(u + (4 * i + 0) * plane + q, t[i][0]);
    store(u + (4 * i + 1) * plane + q, 0.5f * (t[i][0] + t[i][1] + t[i][2]));
    store(u + (4 * i + 2) * plane + q, 0.5f * (t[i][0] - t[i][1] + t[i][2]));
    store(u + (4 * i + 3) * plane + q, t[i][2]);
  }
}

void transform_filter(const ConvGeometry& g, const float* w, float* u) {
  const int64_t plane = g.in_c * g.out_c, vector_end = plane / 16 * 16;
  for (int64_t q = 0; q < vector_end; q += 16) filter_lanes<floats16>(w, plane, q, u);
  for (int64_t q = vector_end; q < plane; q++) filter_lanes<float>(w, plane, q, u);
}

// The R×R pixels of tile t = (n, ty, tx) in an image [batch, h, w, channels], from (2ty − top,
// 2tx − left): pointers into `image`, or `outside` for a pixel beyond its edges.
template <int R, typename P>
inline void tile_pixels(int64_t t, int64_t tiles_h, int64_t tiles_w, P* image, int64_t h, int64_t w, int64_t channels, int64_t top, int64_t left,
                        P* outside, P* pixel[R][R]) {
  const int64_t n = t / (tiles_h * tiles_w), ty = t / tiles_w % tiles_h, tx = t % tiles_w;
  for (int i = 0; i < R; i++) {
    const int64_t y = 2 * ty - top + i;
    for (int j = 0; j < R; j++) {
      const int64_t x = 2 * tx - left + j;
      pixel[i][j] = y >= 0 && y < h && x >= 0 && x < w ? image + ((n * h + y) * w + x) * channels : outside;
    }
  }
}

// Bᵀ d B for channels [c, c + lanes) of one tile, with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]:
// out[e·stride + c] is element e of the transformed patch.
template <typename T>
inline void input_lanes(const float* const d[4][4], int64_t c, float* out, int64_t stride) {
  T s[4][4];
  for (int j = 0; j < 4; j++) {  // Bᵀ d
    const T d0 = load<T>(d[0][j] + c), d1 = load<T>(d[1][j] + c), d2 = load<T>(d[2][j] + c), d3 = load<T>(d[3][j] + c);
    s[0][j] = d0 - d2;
    s[1][j] = d1 + d2;
    s[2][j] = d2 - d1;
    s[3][j] = d1 - d3;
  }
  for (int i = 0; i < 4; i++) {  // (Bᵀ d) B
    store(out + (4 * i + 0) * stride + c, s[i][0] - s[i][2]);
    store(out + (4 * i + 1) * stride + c, s[i][1] + s[i][2]);
    store(out + (4 * i + 2) * stride + c, s[i][2] - s[i][1]);
    store(out + (4 * i + 3) * stride + c, s[i][1] - s[i][3]);
  }
}

// Tile t = (n, ty, tx) covers output pixels (2ty + i, 2tx + j), i, j < 2, and reads the 4×4 input
// patch from (2ty − pad_top, 2tx − pad_left), zeros outside the image. V[e] holds the chunk's
// transformed patches as rows: v[e·tc·in_c + (t − t0)·in_c + c].
void transform_input(const ConvGeometry& g, const float* x, int64_t t0, int64_t t1, int64_t tiles_h, int64_t tiles_w, const float* zeros, int64_t tc,
                     float* v) {
  const int64_t channels = g.in_c, stride = tc * channels, vector_end = channels / 16 * 16;
  for (int64_t t = t0; t < t1; t++) {
    const float* d[4][4];
    tile_pixels<4, const float>(t, tiles_h, tiles_w, x, g.in_h, g.in_w, channels, g.pad_top, g.pad_left, zeros, d);
    float* out = v + (t - t0) * channels;
    for (int64_t c = 0; c < vector_end; c += 16) input_lanes<floats16>(d, c, out, stride);
    for (int64_t c = vector_end; c < channels; c++) input_lanes<float>(d, c, out, stride);
  }
}

// Aᵀ M A for channels [k, k + lanes) of one tile, with Aᵀ = [1 1 1 0; 0 1 −1 −1], plus the bias:
// the 2×2 output block, written where it lies inside the image (dst null outside).
template <typename T>
inline void output_lanes(const float* m, int64_t stride, int64_t k, const float* bias, float* const dst[2][2]) {
  T r[2][4];
  for (int j = 0; j < 4; j++) {  // Aᵀ M
    const T m0 = load<T>(m + (0 + j) * stride + k), m1 = load<T>(m + (4 + j) * stride + k);
    const T m2 = load<T>(m + (8 + j) * stride + k), m3 = load<T>(m + (12 + j) * stride + k);
    r[0][j] = m0 + m1 + m2;
    r[1][j] = m1 - m2 - m3;
  }
  for (int i = 0; i < 2; i++) {  // (Aᵀ M) A
    T y0 = r[i][0] + r[i][1] + r[i][2], y1 = r[i][1] - r[i][2] - r[i][3];
    if (bias != nullptr) {
      const T b = load<T>(bias + k);
      y0 += b;
      y1 += b;
    }
    if (dst[i][0] != nullptr) store(dst[i][0] + k, y0);
    if (dst[i][1] != nullptr) store(dst[i][1] + k, y1);
  }
}

void transform_output(const ConvGeometry& g, const float* m, int64_t t0, int64_t t1, int64_t tiles_h, int64_t tiles_w, int64_t tc, const float* bias,
                      float* y) {
  const int64_t channels = g.out_c, stride = tc * channels, vector_end = channels / 16 * 16;
  for (int64_t t = t0; t < t1; t++) {
    float* dst[2][2];
    tile_pixels<2, float>(t, tiles_h, tiles_w, y, g.out_h, g.out_w, channels, 0, 0, nullptr, dst);
    const float* tile = m + (t - t0) * channels;
    for (int64_t k = 0; k < vector_end; k += 16) output_lanes<floats16>(tile, stride, k, bias, dst);
    for (int64_t k = vector_end; k < channels; k++) output_lanes<float>(tile, stride, k, bias, dst);
  }
}

// A dy Aᵀ for channels [k, k + lanes) of one tile's 2×2 block of dy (zeros outside the image), with
// A = [1 0; 1 1; 1 −1; 0 −1]: out[e·stride + k] is element e.
template <typename T>
inline void gradient_lanes(const float* const d[2][2], int64_t k, float* out, int64_t stride) {
  T s[4][2];
  for (int j = 0; j < 2; j++) {  // A dy
    const T d0 = load<T>(d[0][j] + k), d1 = load<T>(d[1][j] + k);
    s[0][j] = d0;
    s[1][j] = d0 + d1;
    s[2][j] = d0 - d1;
    s[3][j] = -d1;
  }
  for (int i = 0; i < 4; i++) {  // (A dy) Aᵀ
    store(out + (4 * i + 0) * stride + k, s[i][0]);
    store(out + (4 * i + 1) * stride + k, s[i][0] + s[i][1]);
    store(out + (4 * i + 2) * stride + k, s[i][0] - s[i][1]);
    store(out + (4 * i + 3) * stride + k, -s[i][1]);
  }
}

// Q[e] holds the chunk's transformed dy blocks as rows: q[e·tc·out_c + (t − t0)·out_c + k].
void transform_gradient(const ConvGeometry& g, const float* dy, int64_t t0, int64_t t1, int64_t tiles_h, int64_t tiles_w, const float* zeros, int64_t tc,
                        float* q) {
  const int64_t channels = g.out_c, stride = tc * channels, vector_end = channels / 16 * 16;
  for (int64_t t = t0; t < t1; t++) {
    const float* d[2][2];
    tile_pixels<2, const float>(t, tiles_h, tiles_w, dy, g.out_h, g.out_w, channels, 0, 0, zeros, d);
    float* out = q + (t - t0) * channels;
    for (int64_t k = 0; k < vector_end; k += 16) gradient_lanes<floats16>(d, k, out, stride);
    for (int64_t k = vector_end; k < channels; k++) gradient_lanes<float>(d, k, out, stride);
  }
}

// dw[a, b] = (Gᵀ M G)[a][b] for channel pairs [q, q + lanes), with Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1].
template <typename T>
inline void filter_gradient_lanes(const float* m, int64_t plane, int64_t q, float* dw) {
  T r[3][4];
  for (int j = 0; j < 4; j++) {  // Gᵀ M
    const T m0 = load<T>(m + (0 + j) * plane + q), m1 = load<T>(m + (4 + j) * plane + q);
    const T m2 = load<T>(m + (8 + j) * plane + q), m3 = load<T>(m + (12 + j) * plane + q);
    r[0][j] = m0 + 0.5f * (m1 + m2);
    r[1][j] = 0.5f * (m1 - m2);
    r[2][j] = 0.5f * (m1 + m2) + m3;
  }
  for (int a = 0; a < 3; a++) {  // (Gᵀ M) G
    store(dw + (a * 3 + 0) * plane + q, r[a][0] + 0.5f * (r[a][1] + r[a][2]));
    store(dw + (a * 3 + 1) * plane + q, 0.5f * (r[a][1] - r[a][2]));
    store(dw + (a * 3 + 2) * plane + q, 0.5f * (r[a][1] + r[a][2]) + r[a][3]);
  }
}

}  // namespace

bool winograd_applies(const ConvGeometry& g) {
  return g.k_h == 3 && g.k_w == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dil_h == 1 && g.dil_w == 1 && g.in_c >= kMinChannels &&
         g.out_c >= kMinChannels && g.batch > 0 && g.out_h > 0 && g.out_w > 0;
}

bool winograd_filter_gradient_applies(const ConvGeometry& g) { return winograd_applies(g) && g.in_c + g.out_c >= kMinGradientChannelSum; }

void conv2d_winograd(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y, int threads) {
  const int64_t tiles_h = (g.out_h + 1) / 2, tiles_w = (g.out_w + 1) / 2, tiles = g.batch * tiles_h * tiles_w;
  const int64_t plane = g.in_c * g.out_c;
  float* u = workspace(Slot::kFilter, 16 * plane);
  transform_filter(g, w, u);
  std::vector<PackedB> filters;  // U[e] packed once, shared by every chunk and thread
  filters.reserve(16);
  const int64_t packed_floats = PackedB::storage_floats(g.in_c, g.out_c);  // a multiple of NR floats: each U[e] as aligned as the first
  float* packed = workspace(Slot::kPackedFilter, 16 * packed_floats);
  for (int e = 0; e < 16; e++) filters.emplace_back(g.in_c, g.out_c, u + e * plane, g.out_c, 1, packed + e * packed_floats);
  const float* zeros = zeroed_workspace(Slot::kZeros, g.in_c);
  const int64_t tc = chunk_tiles(g.in_c, g.out_c, kChunkBytes, 8);
  const int parts = double(tiles) * 16 * plane < kMinParallelMacs ? 1 : threads;
  parallel_ranges(tiles, parts, [&](int64_t r0, int64_t r1, int) {
    float* v = workspace(Slot::kTilesIn, 16 * tc * g.in_c);
    float* m = workspace(Slot::kTilesOut, 16 * tc * g.out_c);
    for (int64_t c0 = r0; c0 < r1; c0 += tc) {
      const int64_t c1 = std::min(r1, c0 + tc);
      transform_input(g, x, c0, c1, tiles_h, tiles_w, zeros, tc, v);
      for (int e = 0; e < 16; e++) sgemm_packed(c1 - c0, v + e * tc * g.in_c, g.in_c, 1, filters[e], m + e * tc * g.out_c, g.out_c, false);
      transform_output(g, m, c0, c1, tiles_h, tiles_w, tc, bias, y);
    }
  });
}

void conv2d_backprop_filter_winograd(const ConvGeometry& g, const float* x, const float* dy, float* dw, int threads) {
  const int64_t tiles_h = (g.out_h + 1) / 2, tiles_w = (g.out_w + 1) / 2, tiles = g.batch * tiles_h * tiles_w;
  const int64_t plane = g.in_c * g.out_c;
  const float* zeros = zeroed_workspace(Slot::kZeros, std::max(g.in_c, g.out_c));
  const int64_t tc = chunk_tiles(g.in_c, g.out_c, kGradientChunkBytes, 128);
  const int parts = double(tiles) * 16 * plane < kMinParallelMacs ? 1 : threads;
  std::vector<float*> sums(parts, nullptr);  // M[e] = Σ V[e]ᵀ Q[e] over each thread's tiles; null where parallel_ranges ran fewer parts
  parallel_ranges(tiles, parts, [&](int64_t r0, int64_t r1, int part) {
    float* sum = sums[part] = zeroed_workspace(Slot::kSums, 16 * plane);
    float* v = workspace(Slot::kTilesIn, 16 * tc * g.in_c);
    float* q = workspace(Slot::kTilesOut, 16 * tc * g.out_c);
    for (int64_t c0 = r0; c0 < r1; c0 += tc) {
      const int64_t c1 = std::min(r1, c0 + tc);
      transform_input(g, x, c0, c1, tiles_h, tiles_w, zeros, tc, v);
      transform_gradient(g, dy, c0, c1, tiles_h, tiles_w, zeros, tc, q);
      for (int e = 0; e < 16; e++) sgemm(g.in_c, g.out_c, c1 - c0, v + e * tc * g.in_c, 1, g.in_c, q + e * tc * g.out_c, g.out_c, 1, sum + e * plane, g.out_c, true);
    }
  });
  float* total = sums[0];
  for (int part = 1; part < parts; part++)
    if (sums[part] != nullptr)
      for (int64_t i = 0; i < 16 * plane; i++) total[i] += sums[part][i];
  const int64_t vector_end = plane / 16 * 16;
  for (int64_t q = 0; q < vector_end; q += 16) filter_gradient_lanes<floats16>(total, plane, q, dw);
  for (int64_t q = vector_end; q < plane; q++) filter_gradient_lanes<float>(total, plane, q, dw);
}

}  // namespace cdm
