/* The two runner-library functions the kit's GPU programs call, in plain C.
 * Debian's libmlir_runner_utils / libmlir_c_runner_utils link libMLIR and
 * libLLVM (250 MB), which a device machine cannot be given, so the kit
 * links these instead. printMemrefF32 prints what MLIR's prints as far as
 * test/Integration/CPU/Inputs/check_matmul.py reads it ("sizes = [...]",
 * then "data =" and the values, row-major); memrefCopy copies between
 * strided memrefs of any rank, as the host code's memref.copy may call it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A ranked memref descriptor: two pointers, an offset, then rank sizes and
 * rank strides. */
typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
} Descriptor;

typedef struct {
  int64_t rank;
  Descriptor *descriptor;
} Unranked;

static void printElements(const float *base, const int64_t *sizes,
                          const int64_t *strides, int64_t rank, int64_t dim) {
  printf("[");
  for (int64_t i = 0; i < sizes[dim]; ++i) {
    if (i)
      printf(", ");
    const float *at = base + i * strides[dim];
    if (dim + 1 == rank)
      printf("%.9g", *at);
    else
      printElements(at, sizes, strides, rank, dim + 1);
  }
  printf("]");
}

void printMemrefF32(int64_t rank, Descriptor *d) {
  const int64_t *sizes = d->sizesAndStrides;
  const int64_t *strides = d->sizesAndStrides + rank;
  printf("Unranked Memref base@ = %p rank = %" PRId64 " offset = %" PRId64
         " sizes = [",
         d->aligned, rank, d->offset);
  for (int64_t i = 0; i < rank; ++i)
    printf(i ? ", %" PRId64 : "%" PRId64, sizes[i]);
  printf("] strides = [");
  for (int64_t i = 0; i < rank; ++i)
    printf(i ? ", %" PRId64 : "%" PRId64, strides[i]);
  printf("] data = \n");
  const float *base = (const float *)d->aligned + d->offset;
  if (rank == 0)
    printf("[%.9g]", *base);
  else
    printElements(base, sizes, strides, rank, 0);
  printf("\n");
  fflush(stdout);
}

void _mlir_ciface_printMemrefF32(Unranked *m) {
  printMemrefF32(m->rank, m->descriptor);
}

static void copyDim(const char *src, const int64_t *srcStrides, char *dst,
                    const int64_t *dstStrides, const int64_t *sizes,
                    int64_t rank, int64_t dim, int64_t elementBytes) {
  for (int64_t i = 0; i < sizes[dim]; ++i) {
    const char *s = src + i * srcStrides[dim] * elementBytes;
    char *t = dst + i * dstStrides[dim] * elementBytes;
    if (dim + 1 == rank)
      memcpy(t, s, (size_t)elementBytes);
    else
      copyDim(s, srcStrides, t, dstStrides, sizes, rank, dim + 1,
              elementBytes);
  }
}

void memrefCopy(int64_t elementBytes, Unranked *src, Unranked *dst) {
  int64_t rank = src->rank;
  Descriptor *s = src->descriptor, *t = dst->descriptor;
  const char *from = (const char *)s->aligned + s->offset * elementBytes;
  char *to = (char *)t->aligned + t->offset * elementBytes;
  if (rank == 0) {
    memcpy(to, from, (size_t)elementBytes);
    return;
  }
  copyDim(from, s->sizesAndStrides + rank, to, t->sizesAndStrides + rank,
          s->sizesAndStrides, rank, 0, elementBytes);
}
