{
  "targets": [
    {
      "target_name": "kdet_native",
      "sources": ["csrc/kdet_native.cc"],
      "cflags_cc": ["-O3", "-ffast-math", "-std=c++17", "-fopenmp", "-march=native", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
