// kdet native kernels: NHWC convolutions (forward, input gradient, filter gradient) and matrix products on oneDNN,
// fused BatchNorm(batch statistics)+SiLU forward/backward, called from Node through N-API on
// Float32Array views (e.g. of the tfjs-wasm heap, shared or not). Tensors are never copied.
#include <node_api.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnnl.hpp"

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

// Geometry of one NHWC conv: x [N,H,W,Ci], filter [kh,kw,Ci,Co] (tfjs layout = oneDNN hwio), y [N,OH,OW,Co].
struct Geom {
  int64_t n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl;
  std::string key() const {
    std::string k;
    for (int64_t v : {n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl}) k += std::to_string(v) + ",";
    return k;
  }
  memory::dims pr() const {
    // Right/bottom padding that makes oneDNN's output size equal OH/OW (>= 0; floor division covers the rest).
    int64_t b = (oh - 1) * sh + kh - h - pt;
    int64_t r = (ow - 1) * sw + kw - w - pl;
    return {b < 0 ? 0 : b, r < 0 ? 0 : r};
  }
  memory::desc src(tag t = tag::nhwc) const { return memory::desc({n, ci, h, w}, dt::f32, t); }
  memory::desc wei(tag t = tag::hwio) const { return memory::desc({co, ci, kh, kw}, dt::f32, t); }
  memory::desc dst(tag t = tag::nhwc) const { return memory::desc({n, co, oh, ow}, dt::f32, t); }
};

dnnl::convolution_forward::primitive_desc fwdPd(const Geom& g) {
  auto d = dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                           dnnl::algorithm::convolution_direct, g.src(), g.wei(tag::any),
                                           g.dst(), {g.sh, g.sw}, {g.pt, g.pl}, g.pr());
  return dnnl::convolution_forward::primitive_desc(d, engine());
}

// A primitive plus the weights in the layout it chose (a scratch buffer) and the reorder to/from tfjs' hwio.
struct Plan {
  dnnl::primitive prim;
  memory::desc weiMd;
  bool plainWei = false;
  memory weiBuf;
  dnnl::reorder reorder;
  std::string impl;
};

Plan makePlan(char op, const Geom& g) {
  Plan p;
  auto fpd = fwdPd(g);
  if (op == 'f') {
    p.prim = dnnl::convolution_forward(fpd);
    p.weiMd = fpd.weights_desc();
    p.impl = fpd.impl_info_str();
  } else if (op == 'i') {
    auto d = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, g.src(),
                                                   g.wei(tag::any), g.dst(), {g.sh, g.sw}, {g.pt, g.pl},
                                                   g.pr());
    auto pd = dnnl::convolution_backward_data::primitive_desc(d, engine(), fpd);
    p.prim = dnnl::convolution_backward_data(pd);
    p.weiMd = pd.weights_desc();
    p.impl = pd.impl_info_str();
  } else {
    auto d = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, g.src(),
                                                      g.wei(tag::any), g.dst(), {g.sh, g.sw}, {g.pt, g.pl},
                                                      g.pr());
    auto pd = dnnl::convolution_backward_weights::primitive_desc(d, engine(), fpd);
    p.prim = dnnl::convolution_backward_weights(pd);
    p.weiMd = pd.diff_weights_desc();
    p.impl = pd.impl_info_str();
  }
  p.plainWei = p.weiMd == g.wei();
  if (!p.plainWei) {
    p.weiBuf = memory(p.weiMd, engine());
    memory user(g.wei(), engine(), nullptr);
    p.reorder = op == 'w' ? dnnl::reorder(p.weiBuf, user) : dnnl::reorder(user, p.weiBuf);
  }
  return p;
}

std::map<std::string, Plan>& plans() {
  static std::map<std::string, Plan> m;
  return m;
}

Plan& plan(char op, const Geom& g) {
  std::string k = std::string(1, op) + g.key();
  auto it = plans().find(k);
  if (it == plans().end()) {
    if (plans().size() >= 1024) plans().clear();  // bounded: e.g. multi-scale training keeps adding shapes
    it = plans().emplace(k, makePlan(op, g)).first;
  }
  return it->second;
}

// op 'f': a = x, b = filter, c = y.  'i': a = dy, b = filter, c = dx.  'w': a = x, b = dy, c = dW.
void runConv(char op, const Geom& g, float* a, float* b, float* c) {
  Plan& p = plan(op, g);
  auto& s = stream();
  if (op == 'f' || op == 'i') {
    memory wUser(g.wei(), engine(), b);
    memory w = p.plainWei ? wUser : p.weiBuf;
    if (!p.plainWei) p.reorder.execute(s, {{DNNL_ARG_FROM, wUser}, {DNNL_ARG_TO, p.weiBuf}});
    if (op == 'f') {
      memory x(g.src(), engine(), a), y(g.dst(), engine(), c);
      p.prim.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}});
    } else {
      memory dy(g.dst(), engine(), a), dx(g.src(), engine(), c);
      p.prim.execute(s, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, dx}});
    }
  } else {
    memory x(g.src(), engine(), a), dy(g.dst(), engine(), b), dwUser(g.wei(), engine(), c);
    memory dw = p.plainWei ? dwUser : p.weiBuf;
    p.prim.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
    if (!p.plainWei) p.reorder.execute(s, {{DNNL_ARG_FROM, p.weiBuf}, {DNNL_ARG_TO, dwUser}});
  }
  s.wait();
}

// ---- fused BatchNorm (batch statistics over M = N·H·W rows) + SiLU, NHWC with C channels ----
//
// Loops run over "super-rows" of w = C·⌈64/C⌉ values (several NHWC rows when C < 64 divides 64), so
// the inner loops are long enough to vectorise well; per-channel vectors are tiled to width w and
// folded back at the end. Partial sums are float over blocks of 32 super-rows, then double.

struct Tiling {
  int64_t c, w, rows, tail;  // channels, super-row width, full super-rows, leftover NHWC rows
};

Tiling tiling(int64_t m, int64_t c) {
  int64_t rep = (c < 64 && 64 % c == 0) ? 64 / c : 1;
  return {c, c * rep, m / rep, m % rep};
}

std::vector<float> tile(const float* v, const Tiling& t) {
  std::vector<float> r(t.w);
  for (int64_t k = 0; k < t.w; k++) r[k] = v[k % t.c];
  return r;
}

// Per-channel sums s1, s2 (double) of what body(offset, n, acc1, acc2) accumulates over all rows.
// The super-rows are cut into a fixed number of chunks (whatever the thread count), each summed in
// float over blocks of 32 super-rows then in double, and the chunks are added in order: the result
// is the same bits for any thread count and any run.
template <typename Body>
void channelSums(const Tiling& t, int64_t m, std::vector<double>& s1, std::vector<double>& s2, Body body) {
  const int64_t blocks = (t.rows + 31) / 32;
  const int64_t chunks = std::min<int64_t>(16, std::max<int64_t>(1, blocks));
  std::vector<double> part(chunks * 2 * t.w, 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t ch = 0; ch < chunks; ch++) {
    double* d1 = part.data() + ch * 2 * t.w;
    double* d2 = d1 + t.w;
    std::vector<float> f1(t.w), f2(t.w);
    for (int64_t bl = blocks * ch / chunks; bl < blocks * (ch + 1) / chunks; bl++) {
      std::fill(f1.begin(), f1.end(), 0.0f);
      std::fill(f2.begin(), f2.end(), 0.0f);
      const int64_t end = std::min(t.rows, (bl + 1) * 32);
      for (int64_t r = bl * 32; r < end; r++) body(r * t.w, t.w, f1.data(), f2.data());
      for (int64_t k = 0; k < t.w; k++) d1[k] += f1[k], d2[k] += f2[k];
    }
  }
  s1.assign(t.c, 0.0);
  s2.assign(t.c, 0.0);
  for (int64_t ch = 0; ch < chunks; ch++)
    for (int64_t k = 0; k < t.w; k++) {
      s1[k % t.c] += part[ch * 2 * t.w + k];
      s2[k % t.c] += part[ch * 2 * t.w + t.w + k];
    }
  // Leftover rows (fewer than one super-row), channel-aligned.
  std::vector<float> f1(t.c, 0.0f), f2(t.c, 0.0f);
  for (int64_t r = t.rows * t.w; r < m * t.c; r += t.c) body(r, t.c, f1.data(), f2.data());
  for (int64_t k = 0; k < t.c; k++) s1[k] += f1[k], s2[k] += f2[k];
}

// Applies body(offset, n) over all values in super-rows (threaded), then the leftover rows.
template <typename Body>
void rowsApply(const Tiling& t, int64_t m, Body body) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < t.rows; r++) body(r * t.w, t.w);
  for (int64_t r = t.rows * t.w; r < m * t.c; r += t.c) body(r, t.c);
}

// Forward: shifted one-pass statistics (shift = first row, so the variance does not cancel),
// mean, inv = 1/sqrt(var + eps), out = silu(x·a + b) with a = γ·inv, b = β − mean·a.
void bnSiluForward(const float* x, const float* gamma, const float* beta, float eps, int64_t m, int64_t c,
                   float* out, float* mean, float* inv) {
  Tiling t = tiling(m, c);
  std::vector<float> shift = tile(x, t);
  const float* sh = shift.data();
  std::vector<double> s1, s2;
  channelSums(t, m, s1, s2, [&](int64_t o, int64_t n, float* a1, float* a2) {
    const float* xr = x + o;
#pragma omp simd
    for (int64_t k = 0; k < n; k++) {
      float d = xr[k] - sh[k];
      a1[k] += d;
      a2[k] += d * d;
    }
  });
  std::vector<float> a(c), b(c);
  for (int64_t k = 0; k < c; k++) {
    double dm = s1[k] / m;
    double var = s2[k] / m - dm * dm;
    mean[k] = static_cast<float>(shift[k] + dm);
    inv[k] = static_cast<float>(1.0 / std::sqrt((var > 0 ? var : 0) + eps));
    a[k] = gamma[k] * inv[k];
    b[k] = beta[k] - mean[k] * a[k];
  }
  std::vector<float> at = tile(a.data(), t), bt = tile(b.data(), t);
  const float *ap = at.data(), *bp = bt.data();
  rowsApply(t, m, [&](int64_t o, int64_t n) {
    const float* xr = x + o;
    float* outr = out + o;
#pragma omp simd
    for (int64_t k = 0; k < n; k++) {
      float z = xr[k] * ap[k] + bp[k];
      outr[k] = z / (1.0f + std::exp(-z));
    }
  });
}

// Backward: g = dy·silu'(z) = dy·(σ + z·σ·(1 − σ)), dβ = Σg, S = Σg·(x − mean), dγ = S·inv,
// dx = a·g − a·dβ/m − (x − mean)·a·inv²·S/m with a = γ·inv (Ioffe & Szegedy 2015, §3).
// Pass 1 writes g into dx and sums; pass 2 turns it into dx in place.
void bnSiluBackward(const float* dy, const float* x, const float* gamma, const float* beta,
                    const float* mean, const float* inv, int64_t m, int64_t c, float* dx, float* dgamma,
                    float* dbeta) {
  Tiling t = tiling(m, c);
  std::vector<float> a(c), b(c);
  for (int64_t k = 0; k < c; k++) {
    a[k] = gamma[k] * inv[k];
    b[k] = beta[k] - mean[k] * a[k];
  }
  std::vector<float> at = tile(a.data(), t), bt = tile(b.data(), t), mt = tile(mean, t);
  const float *ap = at.data(), *bp = bt.data(), *mp = mt.data();
  std::vector<double> sg, sgx;
  channelSums(t, m, sg, sgx, [&](int64_t o, int64_t n, float* a1, float* a2) {
    const float* xr = x + o;
    const float* dr = dy + o;
    float* gr = dx + o;
#pragma omp simd
    for (int64_t k = 0; k < n; k++) {
      float z = xr[k] * ap[k] + bp[k];
      float sg1 = 1.0f / (1.0f + std::exp(-z));
      float g = dr[k] * (sg1 + z * sg1 * (1.0f - sg1));
      gr[k] = g;
      a1[k] += g;
      a2[k] += g * (xr[k] - mp[k]);
    }
  });
  std::vector<float> c2(c), c3(c);
  for (int64_t k = 0; k < c; k++) {
    dbeta[k] = static_cast<float>(sg[k]);
    dgamma[k] = static_cast<float>(sgx[k] * inv[k]);
    double kk = static_cast<double>(a[k]) * inv[k] * inv[k] * sgx[k] / m;
    c2[k] = static_cast<float>(-a[k] * sg[k] / m + kk * mean[k]);
    c3[k] = static_cast<float>(-kk);
  }
  std::vector<float> c2t = tile(c2.data(), t), c3t = tile(c3.data(), t);
  const float *c2p = c2t.data(), *c3p = c3t.data();
  rowsApply(t, m, [&](int64_t o, int64_t n) {
    const float* xr = x + o;
    float* gr = dx + o;
#pragma omp simd
    for (int64_t k = 0; k < n; k++) gr[k] = gr[k] * ap[k] + xr[k] * c3p[k] + c2p[k];
  });
}

// ---- copies and the max-pool gradient (threaded) ----

// dst[dstOff + r·dstStride + j] = src[srcOff + r·srcStride + j] for r < rows, j < width (4-byte elements).
void copyBands(const uint32_t* src, uint32_t* dst, int64_t rows, int64_t width, int64_t srcOff,
               int64_t srcStride, int64_t dstOff, int64_t dstStride) {
  if (rows * width < (1 << 15)) {
    for (int64_t r = 0; r < rows; r++)
      std::copy_n(src + srcOff + r * srcStride, width, dst + dstOff + r * dstStride);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; r++) std::copy_n(src + srcOff + r * srcStride, width, dst + dstOff + r * dstStride);
}

// Max-pool gradient, NHWC: dy[n,oh,ow,c] goes to the first maximum (row-major, padding excluded)
// of its window, as TensorFlow and the tfjs cpu backend. dx is zeroed here. Threaded over images.
void maxPoolGrad(const float* x, const float* dy, float* dx, const int64_t* g) {
  const int64_t nb = g[0], h = g[1], w = g[2], c = g[3], oh = g[4], ow = g[5], fh = g[6], fw = g[7], sh = g[8],
                sw = g[9], top = g[10], left = g[11];
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < nb; n++) {
    std::vector<float> best(c);
    std::vector<int64_t> arg(c);
    const int64_t xb = n * h * w * c;
    std::fill(dx + xb, dx + xb + h * w * c, 0.0f);
    for (int64_t r = 0; r < oh; r++) {
      const int64_t r0 = std::max<int64_t>(0, r * sh - top), r1 = std::min(h, r * sh - top + fh);
      for (int64_t q = 0; q < ow; q++) {
        const int64_t c0 = std::max<int64_t>(0, q * sw - left), c1 = std::min(w, q * sw - left + fw);
        if (r0 >= r1 || c0 >= c1) continue;
        // Start from the window's first element (no infinities: the file is built with -ffast-math).
        const int64_t first = xb + (r0 * w + c0) * c;
        for (int64_t k = 0; k < c; k++) best[k] = x[first + k], arg[k] = first + k;
        for (int64_t i = r0; i < r1; i++)
          for (int64_t j = c0; j < c1; j++) {
            const int64_t off = xb + (i * w + j) * c;
            for (int64_t k = 0; k < c; k++)
              if (x[off + k] > best[k]) best[k] = x[off + k], arg[k] = off + k;
          }
        const float* d = dy + ((n * oh + r) * ow + q) * c;
        for (int64_t k = 0; k < c; k++)
          dx[arg[k]] += d[k];
      }
    }
  }
}

// Nearest-neighbour resize gradient, NHWC: dx[n, rows[i], cols[j], :] += dy[n, i, j, :], where rows/cols are
// the forward kernel's source row/column of each output row/column. Threaded over the rows (n, y) of dx (no
// two threads write the same element); each dx row adds the dy rows mapped to it in increasing i, then j —
// the order of the sequential scatter, so the result is the same bits for any thread count.
void resizeNearestGrad(const float* dy, float* dx, const int64_t* g, const int32_t* rows, const int32_t* cols) {
  const int64_t nb = g[0], h = g[1], w = g[2], c = g[3], oh = g[4], ow = g[5];
  std::vector<std::vector<int64_t>> from(h);
  for (int64_t i = 0; i < oh; i++) from[rows[i]].push_back(i);
#pragma omp parallel for schedule(static) if (nb * oh * ow * c >= (1 << 15))
  for (int64_t ny = 0; ny < nb * h; ny++) {
    const int64_t n = ny / h, y = ny % h;
    float* d = dx + ny * w * c;
    std::fill(d, d + w * c, 0.0f);
    for (int64_t i : from[y]) {
      const float* s = dy + (n * oh + i) * ow * c;
      for (int64_t j = 0; j < ow; j++) {
        float* t = d + cols[j] * c;
        const float* sj = s + j * c;
#pragma omp simd
        for (int64_t k = 0; k < c; k++) t[k] += sj[k];
      }
    }
  }
}

// ---- N-API glue ----

#define CHECK(call)                                                             \
  do {                                                                          \
    if ((call) != napi_ok) throw std::runtime_error("N-API call failed: " #call); \
  } while (0)

struct Args {
  napi_env env;
  std::vector<napi_value> v;
  Args(napi_env e, napi_callback_info info, size_t n) : env(e), v(n) {
    size_t argc = n;
    CHECK(napi_get_cb_info(e, info, &argc, v.data(), nullptr, nullptr));
    if (argc < n) throw std::runtime_error("expected " + std::to_string(n) + " arguments");
  }
  float* f32(size_t i, size_t minLen) {
    napi_typedarray_type t;
    size_t len;
    void* data;
    CHECK(napi_get_typedarray_info(env, v[i], &t, &len, &data, nullptr, nullptr));
    if (t != napi_float32_array) throw std::runtime_error("argument " + std::to_string(i) + " is not a Float32Array");
    if (len < minLen)
      throw std::runtime_error("argument " + std::to_string(i) + " has " + std::to_string(len) +
                               " floats, needs " + std::to_string(minLen));
    return static_cast<float*>(data);
  }
  // Any typed array with 4-byte elements (Float32Array, Int32Array, Uint32Array).
  void* words(size_t i, size_t minLen) {
    napi_typedarray_type t;
    size_t len;
    void* data;
    CHECK(napi_get_typedarray_info(env, v[i], &t, &len, &data, nullptr, nullptr));
    if (t != napi_float32_array && t != napi_int32_array && t != napi_uint32_array)
      throw std::runtime_error("argument " + std::to_string(i) + " is not a 4-byte typed array");
    if (len < minLen)
      throw std::runtime_error("argument " + std::to_string(i) + " has " + std::to_string(len) +
                               " elements, needs " + std::to_string(minLen));
    return data;
  }
  std::vector<int64_t> ints(size_t i, uint32_t n) {
    std::vector<int64_t> d(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value e;
      CHECK(napi_get_element(env, v[i], k, &e));
      CHECK(napi_get_value_int64(env, e, &d[k]));
    }
    return d;
  }
  int64_t i64(size_t i) {
    int64_t r;
    CHECK(napi_get_value_int64(env, v[i], &r));
    return r;
  }
  double f64(size_t i) {
    double r;
    CHECK(napi_get_value_double(env, v[i], &r));
    return r;
  }
  Geom geom(size_t i) {
    std::vector<int64_t> d(13);
    for (uint32_t k = 0; k < 13; k++) {
      napi_value e;
      CHECK(napi_get_element(env, v[i], k, &e));
      CHECK(napi_get_value_int64(env, e, &d[k]));
    }
    return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12]};
  }
};

template <typename F>
napi_value guarded(napi_env env, F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// conv(op, geom[13], a, b, c): see runConv.
napi_value Conv(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 5);
    int64_t op = a.i64(0);
    Geom g = a.geom(1);
    int64_t nx = g.n * g.h * g.w * g.ci, ny = g.n * g.oh * g.ow * g.co, nw = g.kh * g.kw * g.ci * g.co;
    char o = op == 0 ? 'f' : op == 1 ? 'i' : 'w';
    int64_t la = o == 'i' ? ny : nx, lb = o == 'f' || o == 'i' ? nw : ny, lc = o == 'f' ? ny : o == 'i' ? nx : nw;
    runConv(o, g, a.f32(2, la), a.f32(3, lb), a.f32(4, lc));
    return undefinedValue(env);
  });
}

// convImpl(op, geom): oneDNN's implementation name for that conv.
napi_value ConvImpl(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 2);
    int64_t op = a.i64(0);
    std::string s = plan(op == 0 ? 'f' : op == 1 ? 'i' : 'w', a.geom(1)).impl;
    napi_value r;
    CHECK(napi_create_string_utf8(env, s.c_str(), s.size(), &r));
    return r;
  });
}

// bnSiluForward(x, gamma, beta, eps, m, c, out, mean, inv)
napi_value BnSiluForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9);
    int64_t m = a.i64(4), c = a.i64(5);
    bnSiluForward(a.f32(0, m * c), a.f32(1, c), a.f32(2, c), static_cast<float>(a.f64(3)), m, c,
                  a.f32(6, m * c), a.f32(7, c), a.f32(8, c));
    return undefinedValue(env);
  });
}

// bnSiluBackward(dy, x, gamma, beta, mean, inv, m, c, dx, dgamma, dbeta)
napi_value BnSiluBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 11);
    int64_t m = a.i64(6), c = a.i64(7);
    bnSiluBackward(a.f32(0, m * c), a.f32(1, m * c), a.f32(2, c), a.f32(3, c), a.f32(4, c), a.f32(5, c), m, c,
                   a.f32(8, m * c), a.f32(9, c), a.f32(10, c));
    return undefinedValue(env);
  });
}

// copyBands(src, dst, rows, width, srcOff, srcStride, dstOff, dstStride)
napi_value CopyBands(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 8);
    int64_t rows = a.i64(2), width = a.i64(3), so = a.i64(4), ss = a.i64(5), d0 = a.i64(6), ds = a.i64(7);
    if (rows > 0 && width > 0) {
      auto* src = static_cast<uint32_t*>(a.words(0, so + (rows - 1) * ss + width));
      auto* dst = static_cast<uint32_t*>(a.words(1, d0 + (rows - 1) * ds + width));
      copyBands(src, dst, rows, width, so, ss, d0, ds);
    }
    return undefinedValue(env);
  });
}

// maxPoolGrad(x, dy, dx, geom[N,H,W,C,OH,OW,fh,fw,sh,sw,padTop,padLeft])
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    std::vector<int64_t> g = a.ints(3, 12);
    int64_t nx = g[0] * g[1] * g[2] * g[3], ny = g[0] * g[4] * g[5] * g[3];
    maxPoolGrad(a.f32(0, nx), a.f32(1, ny), a.f32(2, nx), g.data());
    return undefinedValue(env);
  });
}

// resizeNearestGrad(dy, dx, geom[N,H,W,C,OH,OW], rows[OH], cols[OW]): rows/cols in [0, H) / [0, W).
napi_value ResizeNearestGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 5);
    std::vector<int64_t> g = a.ints(2, 6);
    auto* rows = static_cast<const int32_t*>(a.words(3, g[4]));
    auto* cols = static_cast<const int32_t*>(a.words(4, g[5]));
    for (int64_t i = 0; i < g[4]; i++)
      if (rows[i] < 0 || rows[i] >= g[1]) throw std::runtime_error("resizeNearestGrad: row index out of range");
    for (int64_t j = 0; j < g[5]; j++)
      if (cols[j] < 0 || cols[j] >= g[2]) throw std::runtime_error("resizeNearestGrad: column index out of range");
    resizeNearestGrad(a.f32(0, g[0] * g[4] * g[5] * g[3]), a.f32(1, g[0] * g[1] * g[2] * g[3]), g.data(), rows, cols);
    return undefinedValue(env);
  });
}

// ---- RoIAlign (torchvision roi_align / mmcv RoIAlign 'avg'), NHWC features, rois [K, 5] = (b, x1, y1, x2, y2) ----
// The same taps, in the same order, as @kdet/core's forEachRoIAlignTap (packages/core/src/backend/roi-align.ts, which
// states the rules); sums in double, rounded to float once, like that reference.

struct RoiGeom {
  int64_t n, h, w, c, k, ph, pw, sampling;
  bool aligned;
  double scale;
};

struct Tap {
  int64_t cell, pixel;
  double weight;
};

// Whether v is finite, by its bits (-ffast-math lets the compiler assume std::isfinite).
bool finiteBits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return ((u >> 23) & 0xff) != 0xff;
}

// Whether roi r's four coordinates are finite. A non-finite one (a diverged box) would make the tap indices
// meaningless (JS reads them as NaN and skips the writes; here they would land outside the arrays): such a RoI gets
// NaN outputs and gives no gradient.
bool finiteRoi(const float* rois, int64_t r) {
  for (int j = 1; j < 5; j++)
    if (!finiteBits(rois[r * 5 + j])) return false;
  return true;
}

// Appends roi r's taps with a non-zero weight (none for a RoI with a non-finite coordinate); throws when its batch
// index is not an integer in [0, N).
void roiTaps(const float* rois, int64_t r, const RoiGeom& g, std::vector<Tap>& out) {
  const double b = rois[r * 5];
  if (!(b >= 0 && b < g.n && b == std::floor(b))) {
    char m[160];
    snprintf(m, sizeof m, "roiAlign: rois[%lld] batch index %g is not an integer in [0, %lld)",
             static_cast<long long>(r), b, static_cast<long long>(g.n));
    throw std::runtime_error(m);
  }
  if (!finiteRoi(rois, r)) return;
  const double offset = g.aligned ? 0.5 : 0;
  const double x0 = static_cast<double>(rois[r * 5 + 1]) * g.scale - offset;
  const double y0 = static_cast<double>(rois[r * 5 + 2]) * g.scale - offset;
  double roiW = static_cast<double>(rois[r * 5 + 3]) * g.scale - offset - x0;
  double roiH = static_cast<double>(rois[r * 5 + 4]) * g.scale - offset - y0;
  if (!g.aligned) {
    roiW = std::max(roiW, 1.0);
    roiH = std::max(roiH, 1.0);
  }
  const double binH = roiH / g.ph, binW = roiW / g.pw;
  const int64_t gridH = g.sampling > 0 ? g.sampling : static_cast<int64_t>(std::ceil(roiH / g.ph));
  const int64_t gridW = g.sampling > 0 ? g.sampling : static_cast<int64_t>(std::ceil(roiW / g.pw));
  const double inv = 1.0 / static_cast<double>(std::max<int64_t>(gridH * gridW, 1));
  const int64_t bi = static_cast<int64_t>(b);
  for (int64_t i = 0; i < g.ph; i++)
    for (int64_t iy = 0; iy < gridH; iy++) {
      double y = y0 + i * binH + ((iy + 0.5) * binH) / gridH;
      if (y < -1 || y > g.h) continue;
      if (y <= 0) y = 0;
      int64_t yLo = static_cast<int64_t>(std::floor(y)), yHi = yLo + 1;
      if (yLo >= g.h - 1) {
        yLo = yHi = g.h - 1;
        y = static_cast<double>(yLo);
      }
      const double ly = y - yLo;
      const int64_t rowLo = (bi * g.h + yLo) * g.w, rowHi = (bi * g.h + yHi) * g.w;
      for (int64_t j = 0; j < g.pw; j++) {
        const int64_t cell = (r * g.ph + i) * g.pw + j;
        for (int64_t ix = 0; ix < gridW; ix++) {
          double x = x0 + j * binW + ((ix + 0.5) * binW) / gridW;
          if (x < -1 || x > g.w) continue;
          if (x <= 0) x = 0;
          int64_t xLo = static_cast<int64_t>(std::floor(x)), xHi = xLo + 1;
          if (xLo >= g.w - 1) {
            xLo = xHi = g.w - 1;
            x = static_cast<double>(xLo);
          }
          const double lx = x - xLo;
          const Tap t[4] = {{cell, rowLo + xLo, (1 - ly) * (1 - lx) * inv},
                            {cell, rowLo + xHi, (1 - ly) * lx * inv},
                            {cell, rowHi + xLo, ly * (1 - lx) * inv},
                            {cell, rowHi + xHi, ly * lx * inv}};
          for (const Tap& e : t)
            if (e.weight != 0) out.push_back(e);
        }
      }
    }
}

// Forward: out[cell, c] = Σ weight · x[pixel, c] over the cell's taps; threaded over RoIs (each writes its own cells).
void roiAlignForward(const float* x, const float* rois, const RoiGeom& g, float* out) {
  const int64_t cells = g.ph * g.pw;
  std::string error;
#pragma omp parallel
  {
    std::vector<Tap> taps;
    std::vector<double> acc(cells * g.c);
#pragma omp for schedule(dynamic, 4)
    for (int64_t r = 0; r < g.k; r++) {
      taps.clear();
      try {
        roiTaps(rois, r, g, taps);
      } catch (const std::exception& e) {
#pragma omp critical
        if (error.empty()) error = e.what();
        continue;
      }
      std::fill(acc.begin(), acc.end(), 0.0);
      for (const Tap& t : taps) {
        double* a = acc.data() + (t.cell - r * cells) * g.c;
        const float* f = x + t.pixel * g.c;
        for (int64_t ch = 0; ch < g.c; ch++) a[ch] += t.weight * f[ch];
      }
      float* o = out + r * cells * g.c;
      const float nan = std::numeric_limits<float>::quiet_NaN();
      const bool finite = finiteRoi(rois, r);
      for (int64_t v = 0; v < cells * g.c; v++) o[v] = finite ? static_cast<float>(acc[v]) : nan;
    }
  }
  if (!error.empty()) throw std::runtime_error(error);
}

// Gradient: dx[pixel, c] = Σ weight · dy[cell, c] over every tap reading that pixel, in the taps' order; threaded over
// channel slices (each thread owns its channels of dx, so the sums keep their order and need no atomics).
void roiAlignBackward(const float* dy, const float* rois, const RoiGeom& g, float* dx) {
  std::vector<Tap> taps;
  for (int64_t r = 0; r < g.k; r++) roiTaps(rois, r, g, taps);
  const int64_t pixels = g.n * g.h * g.w;
  const int64_t slice = 16;
  const int64_t slices = (g.c + slice - 1) / slice;
#pragma omp parallel
  {
    std::vector<double> acc(pixels * slice);
#pragma omp for schedule(static)
    for (int64_t s = 0; s < slices; s++) {
      const int64_t c0 = s * slice, cn = std::min(slice, g.c - c0);
      std::fill(acc.begin(), acc.end(), 0.0);
      for (const Tap& t : taps) {
        double* a = acc.data() + t.pixel * slice;
        const float* d = dy + t.cell * g.c + c0;
        for (int64_t ch = 0; ch < cn; ch++) a[ch] += t.weight * d[ch];
      }
      for (int64_t p = 0; p < pixels; p++)
        for (int64_t ch = 0; ch < cn; ch++) dx[p * g.c + c0 + ch] = static_cast<float>(acc[p * slice + ch]);
    }
  }
}

// roiAlign(op, a, rois, out, dims[N, H, W, C, K, ph, pw, samplingRatio, aligned], spatialScale): op 0 = forward
// (a = features [N,H,W,C], out = [K,ph,pw,C]), 1 = gradient w.r.t. the features (a = dy [K,ph,pw,C], out = dx).
napi_value RoiAlign(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 6);
    const int64_t op = a.i64(0);
    std::vector<int64_t> d = a.ints(4, 9);
    double scale;
    CHECK(napi_get_value_double(env, a.v[5], &scale));
    RoiGeom g{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8] != 0, scale};
    if (g.n < 1 || g.h < 1 || g.w < 1 || g.c < 1 || g.k < 0 || g.ph < 1 || g.pw < 1 || g.sampling < 0)
      throw std::runtime_error("roiAlign: bad dims");
    const int64_t nx = g.n * g.h * g.w * g.c, ny = g.k * g.ph * g.pw * g.c;
    const float* rois = a.f32(2, g.k * 5);
    if (op == 0)
      roiAlignForward(a.f32(1, nx), rois, g, a.f32(3, ny));
    else
      roiAlignBackward(a.f32(1, ny), rois, g, a.f32(3, nx));
    return undefinedValue(env);
  });
}

// batchMatMul(a, b, c, dims[batch, batchA, batchB, m, k, n, transA, transB]): row-major float32,
// c[i] = op(a[i or 0]) · op(b[i or 0]) for i < batch (a side with batchX == 1 is broadcast), op = transpose when
// flagged: a[i] is [m, k] ([k, m] when transA), b[i] is [k, n] ([n, k] when transB), c[i] is [m, n]. Runs oneDNN's
// matmul primitive (cached per shape), the transposed operands read in place through their strides. (Not
// dnnl_sgemm: under a profiler's signals its packing code corrupts the heap, reproducibly; the primitives do not.)
dnnl::matmul& matmulPlan(int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
  static std::map<std::string, dnnl::matmul> cache;
  std::string key = std::to_string(m) + "," + std::to_string(k) + "," + std::to_string(n) + "," +
                    std::to_string(ta) + std::to_string(tb);
  auto it = cache.find(key);
  if (it == cache.end()) {
    if (cache.size() >= 1024) cache.clear();
    memory::desc a({m, k}, dt::f32, ta ? memory::dims{1, m} : memory::dims{k, 1});
    memory::desc b({k, n}, dt::f32, tb ? memory::dims{1, k} : memory::dims{n, 1});
    memory::desc c({m, n}, dt::f32, memory::dims{n, 1});
    auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), engine());
    it = cache.emplace(key, dnnl::matmul(pd)).first;
  }
  return it->second;
}

napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    std::vector<int64_t> g = a.ints(3, 8);
    const int64_t batch = g[0], ba = g[1], bb = g[2], m = g[3], k = g[4], n = g[5];
    const bool ta = g[6] != 0, tb = g[7] != 0;
    if (batch < 1 || m < 1 || k < 1 || n < 1 || (ba != batch && ba != 1) || (bb != batch && bb != 1))
      throw std::runtime_error("batchMatMul: bad dims");
    const float* A = a.f32(0, ba * m * k);
    const float* B = a.f32(1, bb * k * n);
    float* C = a.f32(2, batch * m * n);
    dnnl::matmul& prim = matmulPlan(m, k, n, ta, tb);
    memory::desc am({m, k}, dt::f32, ta ? memory::dims{1, m} : memory::dims{k, 1});
    memory::desc bm({k, n}, dt::f32, tb ? memory::dims{1, k} : memory::dims{n, 1});
    memory::desc cm({m, n}, dt::f32, memory::dims{n, 1});
    auto& st = stream();
    for (int64_t i = 0; i < batch; i++) {
      memory am_(am, engine(), const_cast<float*>(A + (ba == 1 ? 0 : i) * m * k));
      memory bm_(bm, engine(), const_cast<float*>(B + (bb == 1 ? 0 : i) * k * n));
      memory cm_(cm, engine(), C + i * m * n);
      prim.execute(st, {{DNNL_ARG_SRC, am_}, {DNNL_ARG_WEIGHTS, bm_}, {DNNL_ARG_DST, cm_}});
    }
    st.wait();
    return undefinedValue(env);
  });
}

// setThreads(n): OpenMP threads for oneDNN and the fused loops. Returns the previous count.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 1);
    int prev = omp_get_max_threads();
    omp_set_num_threads(static_cast<int>(a.i64(0)));
    napi_value r;
    CHECK(napi_create_int32(env, prev, &r));
    return r;
  });
}

// version(): "oneDNN <major.minor.patch> (<cpu runtime>), <n> threads"
napi_value Version(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    const dnnl_version_t* v = dnnl_version();
    std::string s = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                    std::to_string(v->patch) + ", " + std::to_string(omp_get_max_threads()) + " thread(s)";
    napi_value r;
    CHECK(napi_create_string_utf8(env, s.c_str(), s.size(), &r));
    return r;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convImpl", nullptr, ConvImpl, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnSiluForward", nullptr, BnSiluForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"bnSiluBackward", nullptr, BnSiluBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copyBands", nullptr, CopyBands, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"resizeNearestGrad", nullptr, ResizeNearestGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"roiAlign", nullptr, RoiAlign, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(d) / sizeof(d[0]), d);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
