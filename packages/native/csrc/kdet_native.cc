// kdet native kernels: NHWC convolutions (forward, input gradient, filter gradient) on oneDNN and
// fused BatchNorm(batch statistics)+SiLU forward/backward, called from Node through N-API on
// Float32Array views (e.g. of the tfjs-wasm heap, shared or not). Tensors are never copied.
#include <node_api.h>
#include <omp.h>

#include <cmath>
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
  if (it == plans().end()) it = plans().emplace(k, makePlan(op, g)).first;
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

// Forward: mean, inv = 1/sqrt(var + eps) per channel (two-pass variance), out = silu(xc·γ·inv + β).
void bnSiluForward(const float* x, const float* gamma, const float* beta, float eps, int64_t m, int64_t c,
                   float* out, float* mean, float* inv) {
  std::vector<double> sum(c, 0.0), sq(c, 0.0);
#pragma omp parallel
  {
    std::vector<double> ls(c, 0.0);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < m; r++) {
      const float* row = x + r * c;
      for (int64_t k = 0; k < c; k++) ls[k] += row[k];
    }
#pragma omp critical
    for (int64_t k = 0; k < c; k++) sum[k] += ls[k];
#pragma omp barrier
#pragma omp single
    for (int64_t k = 0; k < c; k++) mean[k] = static_cast<float>(sum[k] / m);
    std::fill(ls.begin(), ls.end(), 0.0);
    std::vector<float> lf(c, 0.0f);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < m; r++) {
      const float* row = x + r * c;
      for (int64_t k = 0; k < c; k++) {
        float d = row[k] - mean[k];
        lf[k] += d * d;
      }
      if ((r & 63) == 63)
        for (int64_t k = 0; k < c; k++) ls[k] += lf[k], lf[k] = 0.0f;
    }
    for (int64_t k = 0; k < c; k++) ls[k] += lf[k];
#pragma omp critical
    for (int64_t k = 0; k < c; k++) sq[k] += ls[k];
  }
  std::vector<float> a(c), b(c);
  for (int64_t k = 0; k < c; k++) {
    inv[k] = static_cast<float>(1.0 / std::sqrt(sq[k] / m + eps));
    a[k] = gamma[k] * inv[k];
    b[k] = beta[k] - mean[k] * a[k];
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < m; r++) {
    const float* row = x + r * c;
    float* o = out + r * c;
#pragma omp simd
    for (int64_t k = 0; k < c; k++) {
      float z = row[k] * a[k] + b[k];
      o[k] = z / (1.0f + std::exp(-z));
    }
  }
}

// Backward: g = dy·silu'(z), dβ = Σg, S = Σg·xc, dγ = S·inv,
// dx = a·g − a·dβ/m − xc·(a·inv²·S/m), with a = γ·inv (Ioffe & Szegedy 2015, §3).
void bnSiluBackward(const float* dy, const float* x, const float* gamma, const float* beta,
                    const float* mean, const float* inv, int64_t m, int64_t c, float* dx, float* dgamma,
                    float* dbeta) {
  std::vector<float> a(c), b(c);
  for (int64_t k = 0; k < c; k++) {
    a[k] = gamma[k] * inv[k];
    b[k] = beta[k] - mean[k] * a[k];
  }
  std::vector<double> sg(c, 0.0), sgx(c, 0.0);
#pragma omp parallel
  {
    std::vector<double> lg(c, 0.0), lgx(c, 0.0);
    std::vector<float> fg(c, 0.0f), fgx(c, 0.0f);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < m; r++) {
      const float* xr = x + r * c;
      const float* dr = dy + r * c;
      float* gr = dx + r * c;  // g is kept in dx until the second pass
#pragma omp simd
      for (int64_t k = 0; k < c; k++) {
        float z = xr[k] * a[k] + b[k];
        float s = 1.0f / (1.0f + std::exp(-z));
        float g = dr[k] * (s + z * s * (1.0f - s));
        gr[k] = g;
        fg[k] += g;
        fgx[k] += g * (xr[k] - mean[k]);
      }
      if ((r & 63) == 63)
        for (int64_t k = 0; k < c; k++) lg[k] += fg[k], lgx[k] += fgx[k], fg[k] = 0.0f, fgx[k] = 0.0f;
    }
    for (int64_t k = 0; k < c; k++) lg[k] += fg[k], lgx[k] += fgx[k];
#pragma omp critical
    for (int64_t k = 0; k < c; k++) sg[k] += lg[k], sgx[k] += lgx[k];
  }
  std::vector<float> c2(c), c3(c);
  for (int64_t k = 0; k < c; k++) {
    dbeta[k] = static_cast<float>(sg[k]);
    dgamma[k] = static_cast<float>(sgx[k] * inv[k]);
    c2[k] = static_cast<float>(-a[k] * sg[k] / m + a[k] * inv[k] * inv[k] * sgx[k] / m * mean[k]);
    c3[k] = static_cast<float>(-a[k] * inv[k] * inv[k] * sgx[k] / m);
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < m; r++) {
    const float* xr = x + r * c;
    float* gr = dx + r * c;
#pragma omp simd
    for (int64_t k = 0; k < c; k++) gr[k] = gr[k] * a[k] + xr[k] * c3[k] + c2[k];
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
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(d) / sizeof(d[0]), d);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
