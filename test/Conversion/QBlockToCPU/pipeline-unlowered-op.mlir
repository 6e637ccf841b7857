// An op no pass of the pipelines lowers used to stay in the output with
// exit status 0 and surfaced only in mlir-translate ("Dialect `vector' not
// found for custom op 'vector.scan'"). Both pipelines now end with a check
// that names it at its location, once per kind of op, and not the
// unrealized casts it leaves behind.
// RUN: not quant-opt %s --qblock-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU --implicit-check-not=error:
// RUN: not quant-opt %s --qblock-gpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=GPU --implicit-check-not=error:
// CPU: pipeline-unlowered-op.mlir:[[@LINE+3]]:{{[0-9]+}}: error: 'vector.scan' is not lowered to the LLVM dialect by --qblock-cpu-pipeline, so the module would not translate; express it with ops the pipeline lowers (linalg, tensor, arith, math, scf, memref, func, qblock) or lower it before the pipeline
// GPU: pipeline-unlowered-op.mlir:[[@LINE+2]]:{{[0-9]+}}: error: 'vector.scan' is not lowered to the LLVM dialect by --qblock-gpu-pipeline
func.func @prefix_sums(%a: vector<8xf32>, %b: vector<8xf32>, %init: vector<f32>) -> (vector<8xf32>, vector<8xf32>) {
  %x:2 = vector.scan <add>, %a, %init {inclusive = true, reduction_dim = 0} : vector<8xf32>, vector<f32>
  %y:2 = vector.scan <add>, %b, %init {inclusive = true, reduction_dim = 0} : vector<8xf32>, vector<f32>
  return %x#0, %y#0 : vector<8xf32>, vector<8xf32>
}
