// An op of an unregistered dialect has no Dialect object; the check for
// leftover qblock ops dereferenced it and crashed. It passes through.
// RUN: quant-opt %s --allow-unregistered-dialect --convert-qblock-to-cpu | FileCheck %s
// CHECK: "frontend.opaque"(%{{.*}}) : (f32) -> f32
func.func @f(%a: f32) -> f32 {
  %r = "frontend.opaque"(%a) : (f32) -> f32
  return %r : f32
}
