//===- CUDAProbe.cpp - does a CUDA device answer? --------------------------===//
//
// Prints each device (name, compute capability) and exits 0, or prints why
// no GPU code can run here and exits 1. lit's cuda-gpu feature comes from it.
//
//===----------------------------------------------------------------------===//

#include "CUDADriver.h"

#include <cstdio>
#include <cstring>

using namespace qblock::cuda;

int main(int argc, char **argv) {
  if (argc > 1) {
    bool help = !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h");
    std::fprintf(help ? stdout : stderr,
                 "usage: %s\nPrints each CUDA device and exits 0, or why none "
                 "can run GPU code and exits 1. Takes no options.\n",
                 argv[0]);
    return help ? 0 : 2;
  }
  if (const char *error = loadError()) {
    std::printf("no usable CUDA device: %s\n", error);
    return 1;
  }
  const Driver &d = driver();
  int count = 0;
  check(d.deviceGetCount(&count), "cuDeviceGetCount");
  for (int i = 0; i < count; ++i) {
    CUdevice device;
    check(d.deviceGet(&device, i), "cuDeviceGet");
    char name[256] = {0};
    check(d.deviceGetName(name, sizeof(name) - 1, device), "cuDeviceGetName");
    int major = 0, minor = 0;
    check(d.deviceGetAttribute(
              &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
          "cuDeviceGetAttribute");
    check(d.deviceGetAttribute(
              &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
          "cuDeviceGetAttribute");
    std::printf("device %d: %s (sm_%d%d)\n", i, name, major, minor);
  }
  return 0;
}
