// The bench's reference ceiling: GFLOP/s of OpenBLAS's cblas_sgemm on n x n x n float32
// (C = A * B, row-major), the routine kiln's dense and convolution kernels call.
// Usage: sgemm [n=1024] [threads=0: OpenBLAS's default] [repeats=10]
// Prints one line: `sgemm n=<n> threads=<t> best_gflops=<x> median_gflops=<y>`.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1024;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 0;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 10;
  if (n <= 0 || repeats <= 0) {
    std::fprintf(stderr, "sgemm: bad arguments\n");
    return 2;
  }
  if (threads > 0) openblas_set_num_threads(threads);
  std::vector<float> a(static_cast<size_t>(n) * n), b(a.size()), c(a.size());
  for (size_t i = 0; i < a.size(); i++) {
    a[i] = static_cast<float>((i * 7) % 13) / 13.0f - 0.5f;
    b[i] = static_cast<float>((i * 5) % 11) / 11.0f - 0.5f;
  }
  const auto once = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
  };
  once();  // warm-up: thread pool start, page faults
  std::vector<double> gflops;
  for (int r = 0; r < repeats; r++) {
    const auto t0 = std::chrono::steady_clock::now();
    once();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    gflops.push_back(2.0 * n * n * static_cast<double>(n) / s / 1e9);
  }
  std::sort(gflops.begin(), gflops.end());
  std::printf("sgemm n=%d threads=%d best_gflops=%.3f median_gflops=%.3f\n", n, openblas_get_num_threads(), gflops.back(),
              gflops[gflops.size() / 2]);
  return c[0] == c[0] ? 0 : 1;  // keep the result alive
}
