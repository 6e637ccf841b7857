// RUN: quant-opt %s --qblock-select-formats="budget=4.3 report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT
// RUN: not quant-opt %s --qblock-select-formats="budget=4.0" 2>&1 | FileCheck %s --check-prefix=LOW
// RUN: quant-opt %s --qblock-select-formats="budget=5" | FileCheck %s --check-prefix=HIGH
// A budget that is not a finite, non-negative number is an error (NaN used
// to mean "no budget" silently, inf wrote invalid JSON).
// RUN: not quant-opt %s --qblock-select-formats="budget=nan" 2>&1 | FileCheck %s --check-prefix=BAD -DVALUE=nan
// RUN: not quant-opt %s --qblock-select-formats="budget=inf report=%t.inf.json" 2>&1 | FileCheck %s --check-prefix=BAD -DVALUE=inf
// RUN: not quant-opt %s --qblock-select-formats="budget=-1" 2>&1 | FileCheck %s --check-prefix=BAD -DVALUE=-1
// No weight to pack: the report's average is null (it was "-nan", which no
// JSON reader takes).
// RUN: echo 'func.func @none() { return }' | quant-opt --qblock-select-formats="budget=4.5 report=%t.none.json"
// RUN: FileCheck %s --input-file=%t.none.json --check-prefix=NONE
// NONE: "average_bits_per_element": null
// BAD: select-formats-budget.mlir:{{[0-9]+}}:{{[0-9]+}}: error: --qblock-select-formats: budget=[[VALUE]] is not an average number of bits per element; use a positive number such as budget=4.5, or budget=0 to keep the block sizes as given

// Two weights of equal size, one Gaussian, one with a few large outliers.
// Candidates are blocks of 16 (4.75 bits), 32 (4.375) and 64 (4.1875). A
// budget of 4.3 bits per element leaves room to refine exactly one weight
// from 64 to 32. The outliers sit in the first half of each column, so halving
// the block frees the second half from their scale: that weight gains more.

// CHECK-LABEL: func.func @two_layers
// CHECK: %[[A:.*]] = qblock.constant dense_resource<smooth> {{.*}} -> !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect, block = 64>, axis = 0>
// CHECK: %[[B:.*]] = qblock.constant dense_resource<outliers> {{.*}} -> !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>
// The consumers now take the chosen types.
// CHECK: qblock.matmul ins(%{{.*}}, %[[A]] : tensor<1x64xf32>, !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect, block = 64>, axis = 0>)
// CHECK: qblock.matmul ins(%{{.*}}, %[[B]] : tensor<1x64xf32>, !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>)

// REPORT: "budget": 4.2999
// REPORT-NEXT: "average_bits_per_element": 4.28125
// REPORT: "name": "smooth"
// REPORT: "block": 64
// REPORT: "name": "outliers"
// REPORT: "block": 32

// LOW: error: --qblock-select-formats: budget=4 bits per element is below the cheapest choice (4.1875); raise the budget

// With room for everything, both take the finest block.
// HIGH-COUNT-2: qblock.constant {{.*}} #qblock.scheme<blockdialect, block = 16>

func.func @two_layers(%x: tensor<1x64xf32>, %init: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %a = arith.constant dense<[[0.0947, 1.2500], [-0.9314, 0.9924], [-0.2592, -0.2615], [1.8997, 0.1575], [-0.0429, 0.7295], [1.1269, -0.0308], [0.5880, -0.9737], [-0.3668, -0.4381], [-1.3323, -1.5085], [-1.6269, -0.2387], [-0.1724, -0.3203], [0.0691, -1.3356], [-0.0795, 0.2381], [0.7510, -0.8462], [-0.3999, -2.0152], [-0.5036, -2.1967], [-1.4194, 1.1015], [-2.2016, 0.7986], [0.3279, -0.3123], [0.4593, 0.5275], [1.0454, -0.2304], [-0.5922, -0.6046], [-0.9864, -0.0449], [-0.7858, 1.0686], [-1.8694, -1.0937], [-0.9532, -2.0929], [1.9023, -2.4083], [-0.2833, -0.5252], [1.6559, -1.9854], [1.0718, -0.7314], [-0.1552, -0.6710], [0.6405, -1.1376], [-0.0789, 0.3534], [1.8403, -2.4053], [1.5251, 0.9481], [-0.4836, 0.3049], [-0.4660, 1.6467], [0.2096, -0.2156], [-0.2281, -0.1999], [-0.1766, -0.8790], [2.0583, -1.9110], [-3.6058, -0.1228], [-0.1466, 0.3724], [-0.2045, -0.1481], [0.3323, 0.9684], [-0.4480, -0.3728], [1.9405, 0.5300], [-0.9854, 2.3239], [0.7759, -0.5890], [-1.1744, 0.2983], [-0.8322, -1.0575], [-1.2960, -0.5062], [1.1075, -0.4335], [-1.4494, 0.6688], [0.0657, 0.8439], [1.2017, -0.1687], [-0.1448, -0.0455], [-1.1346, 0.6690], [1.3722, 0.1738], [-0.2374, -0.2599], [-0.7806, -0.8039], [-0.4008, -0.8419], [-0.4374, -1.5773], [0.3501, 0.0491]]> : tensor<64x2xf32> loc("smooth")
  %b = arith.constant dense<[[-1.1525, -2.2983], [-0.0078, 1.1039], [-0.7336, -0.4830], [-0.5684, 0.6533], [-0.9159, 0.9858], [30.0000, -25.0000], [0.0326, -0.2313], [-1.4782, -0.6872], [-0.2613, 0.6597], [0.2450, -0.6967], [-28.0000, 26.0000], [-0.1486, -0.4390], [-0.3938, 0.8106], [0.5383, -0.9296], [0.3749, -0.4800], [-0.7512, 1.2396], [0.8211, -0.7249], [0.0793, 0.5015], [-0.6395, -0.1204], [0.6668, -1.7893], [0.3275, 0.7388], [0.5043, -1.3416], [0.3186, -0.8635], [0.5700, 0.6046], [0.2164, -0.7654], [-0.5911, 0.8541], [-0.8988, 0.4958], [0.5114, -0.2786], [2.3946, 0.0702], [2.1465, -2.0162], [-2.2437, 0.9818], [0.6362, -0.3123], [-0.0535, -1.9030], [-0.6290, -1.0335], [-0.2218, 0.8860], [0.0530, 0.3717], [-0.6981, -0.4350], [0.1121, -0.2823], [1.2647, -0.8757], [1.8910, -0.9807], [0.5000, 0.5000], [1.6482, 0.1364], [0.3983, 0.7446], [-0.6349, -1.0419], [-2.0265, 1.2200], [-0.6962, -0.5920], [-0.0309, 1.9888], [-1.7284, 0.2493], [-0.3959, 0.5319], [-1.7990, -0.3978], [0.8406, 1.5591], [1.5967, -0.8549], [0.0547, -0.1099], [-1.3764, -1.4403], [0.7569, 0.2456], [-0.1426, 1.2158], [-1.0018, 0.5265], [0.0100, -0.0593], [0.4903, 0.1759], [0.2668, 0.2656], [1.9385, -0.3109], [1.0123, 0.6084], [-0.3497, 0.7957], [-0.8576, 1.1605]]> : tensor<64x2xf32> loc("outliers")
  %qa = qblock.quantize %a : tensor<64x2xf32> -> !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>
  %qb = qblock.quantize %b : tensor<64x2xf32> -> !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>
  %ra = qblock.matmul ins(%x, %qa : tensor<1x64xf32>, !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %rb = qblock.matmul ins(%x, %qb : tensor<1x64xf32>, !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %ra, %rb : tensor<1x2xf32>, tensor<1x2xf32>
}
