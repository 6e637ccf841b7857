// qblock-lower-lookups: how a qblock.lookup (16-entry table, 16 lanes, as
// LUT-GEMM's tables of partial sums use it) becomes target instructions.
// RUN: quant-opt %s --qblock-lower-lookups=target=avx512 | FileCheck %s --check-prefix=AVX512
// RUN: quant-opt %s --qblock-lower-lookups=target=avx2 | FileCheck %s --check-prefix=AVX2
// RUN: quant-opt %s --qblock-lower-lookups=target=generic | FileCheck %s --check-prefix=GENERIC

// AVX512-LABEL: func.func @lookup16
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"
// AVX512-NOT: qblock.lookup

// AVX2 has 8-entry vpermps only: per 8 lanes, both table halves are looked
// up with index bits 0-2 and index bit 3 picks one.
// AVX2-LABEL: func.func @lookup16
// AVX2-SAME: (%[[TABLE:.*]]: vector<16xf32>, %[[INDEX:.*]]: vector<16xi32>)
// AVX2-DAG: %[[BIT3:.*]] = arith.constant dense<8> : vector<8xi32>
// AVX2-DAG: %[[LOW:.*]] = vector.extract_strided_slice %[[TABLE]] {offsets = [0], sizes = [8], strides = [1]}
// AVX2-DAG: %[[HIGH:.*]] = vector.extract_strided_slice %[[TABLE]] {offsets = [8], sizes = [8], strides = [1]}
// AVX2: %[[I0:.*]] = vector.extract_strided_slice %[[INDEX]] {offsets = [0], sizes = [8], strides = [1]}
// AVX2: %[[B0:.*]] = arith.andi %[[I0]], %[[BIT3]]
// AVX2: %[[IN_HIGH0:.*]] = arith.cmpi ne, %[[B0]]
// AVX2: %[[L0:.*]] = llvm.call_intrinsic "llvm.x86.avx2.permps"(%[[LOW]], %[[I0]])
// AVX2: %[[H0:.*]] = llvm.call_intrinsic "llvm.x86.avx2.permps"(%[[HIGH]], %[[I0]])
// AVX2: %[[P0:.*]] = arith.select %[[IN_HIGH0]], %[[H0]], %[[L0]]
// AVX2: %[[R0:.*]] = vector.insert_strided_slice %[[P0]], %{{.*}} {offsets = [0], strides = [1]}
// AVX2: %[[I1:.*]] = vector.extract_strided_slice %[[INDEX]] {offsets = [8], sizes = [8], strides = [1]}
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.permps"(%[[LOW]], %[[I1]])
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.permps"(%[[HIGH]], %[[I1]])
// AVX2: %[[R1:.*]] = vector.insert_strided_slice %{{.*}}, %[[R0]] {offsets = [8], strides = [1]}
// AVX2: return %[[R1]]
// AVX2-NOT: qblock.lookup

// GENERIC-LABEL: func.func @lookup16
// GENERIC-COUNT-16: vector.insert
// GENERIC-NOT: llvm.call_intrinsic
func.func @lookup16(%table: vector<16xf32>, %index: vector<16xi32>) -> vector<16xf32> {
  %r = qblock.lookup %table[%index] : vector<16xf32>, vector<16xi32> -> vector<16xf32>
  return %r : vector<16xf32>
}

// Byte tables (LUT-GEMM with lut-tables=i8): a 64-entry byte lookup is one
// vpermb on AVX-512 (VBMI); on AVX2, per 32 lanes, vpshufb of each 16-byte
// quarter of the table (copied to both 128-bit lanes) with the indices
// reduced mod 64, then index bit 4 and bit 5 pick the quarter; per-lane
// extracts elsewhere.
// AVX512-LABEL: func.func @lookup_bytes
// AVX512-SAME: (%[[TABLE:.*]]: vector<64xi8>, %[[INDEX:.*]]: vector<64xi8>)
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.permvar.qi.512"(%[[TABLE]], %[[INDEX]])
// AVX512-NOT: qblock.lookup
// AVX2-LABEL: func.func @lookup_bytes
// AVX2-SAME: (%[[TABLE:.*]]: vector<64xi8>, %[[INDEX:.*]]: vector<64xi8>)
// AVX2-DAG: %[[Q0:.*]] = vector.shuffle %[[TABLE]], %[[TABLE]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// AVX2-DAG: %[[Q3:.*]] = vector.shuffle %[[TABLE]], %[[TABLE]] [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63]
// AVX2-DAG: %[[M63:.*]] = arith.constant dense<63> : vector<32xi8>
// AVX2: %[[LOW:.*]] = vector.extract_strided_slice %[[INDEX]] {offsets = [0], sizes = [32], strides = [1]}
// AVX2: %[[I0:.*]] = arith.andi %[[LOW]], %[[M63]]
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"(%[[Q0]], %[[I0]])
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"(%[[Q3]], %[[I0]])
// AVX2: vector.extract_strided_slice %[[INDEX]] {offsets = [32], sizes = [32], strides = [1]}
// AVX2-COUNT-4: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"
// AVX2-NOT: vector.insert {{.*}} : i8 into
// GENERIC-LABEL: func.func @lookup_bytes
// GENERIC: %[[MASK:.*]] = arith.constant 63 : i8
// GENERIC: arith.andi %{{.*}}, %[[MASK]] : i8
// GENERIC-COUNT-64: vector.insert
// GENERIC-NOT: llvm.call_intrinsic
func.func @lookup_bytes(%table: vector<64xi8>, %index: vector<64xi8>) -> vector<64xi8> {
  %r = qblock.lookup %table[%index] : vector<64xi8>, vector<64xi8> -> vector<64xi8>
  return %r : vector<64xi8>
}

// Unsigned-by-signed byte dot products (the W4A4 integer kernel, and
// LUT-GEMM's int8 lookups summed against ones): vpdpbusd
// on AVX-512 (VNNI); elsewhere byte t of each lane, zero-extended from the
// left operand and sign-extended from the right, multiplied and added.
// AVX512-LABEL: func.func @dot_bytes
// AVX512-SAME: (%[[ACC:.*]]: vector<16xi32>, %[[A:.*]]: vector<64xi8>, %[[W:.*]]: vector<64xi8>)
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[A]], %[[W]])
// AVX512-NOT: qblock.dot_bytes
// GENERIC-LABEL: func.func @dot_bytes
// GENERIC-DAG: %[[LA:.*]] = vector.bitcast %{{.*}} : vector<64xi8> to vector<16xi32>
// GENERIC-DAG: %[[FF:.*]] = arith.constant dense<255> : vector<16xi32>
// GENERIC: arith.andi %{{.*}}, %[[FF]]
// GENERIC: arith.shrsi
// GENERIC: arith.muli
// GENERIC-COUNT-3: arith.muli
// GENERIC-NOT: llvm.call_intrinsic
func.func @dot_bytes(%acc: vector<16xi32>, %a: vector<64xi8>, %w: vector<64xi8>) -> vector<16xi32> {
  %r = qblock.dot_bytes %acc, %a, %w : vector<16xi32>, vector<64xi8>
  return %r : vector<16xi32>
}

// bf16 word tables (W4A16 with bf16 activations): one vpermw on AVX-512
// (BW), on the table's bits; per-lane extracts elsewhere, the index taken
// mod 32.
// AVX512-LABEL: func.func @lookup_bf16
// AVX512-SAME: (%[[TABLE:.*]]: vector<32xbf16>, %[[INDEX:.*]]: vector<32xi16>)
// AVX512: %[[WORDS:.*]] = vector.bitcast %[[TABLE]] : vector<32xbf16> to vector<32xi16>
// AVX512: %[[PICKED:.*]] = llvm.call_intrinsic "llvm.x86.avx512.permvar.hi.512"(%[[WORDS]], %[[INDEX]])
// AVX512: %[[RESULT:.*]] = vector.bitcast %[[PICKED]] : vector<32xi16> to vector<32xbf16>
// AVX512: return %[[RESULT]]
// AVX2-LABEL: func.func @lookup_bf16
// AVX2: %[[MASK:.*]] = arith.constant 31 : i16
// AVX2: arith.andi %{{.*}}, %[[MASK]] : i16
// AVX2-COUNT-32: vector.insert
// AVX2-NOT: llvm.call_intrinsic
// GENERIC-LABEL: func.func @lookup_bf16
// GENERIC: %[[MASK:.*]] = arith.constant 31 : i16
// GENERIC-COUNT-32: vector.insert
// GENERIC-NOT: llvm.call_intrinsic
func.func @lookup_bf16(%table: vector<32xbf16>, %index: vector<32xi16>) -> vector<32xbf16> {
  %r = qblock.lookup %table[%index] : vector<32xbf16>, vector<32xi16> -> vector<32xbf16>
  return %r : vector<32xbf16>
}

// bf16 pair dot products: vdpbf16ps on AVX-512 (BF16); elsewhere both
// operands widened to f32, multiplied, and the even then the odd products
// added to the accumulator.
// AVX512-LABEL: func.func @dot_bf16
// AVX512-SAME: (%[[ACC:.*]]: vector<16xf32>, %[[W:.*]]: vector<32xbf16>, %[[A:.*]]: vector<32xbf16>)
// AVX512: llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"(%[[ACC]], %[[W]], %[[A]])
// AVX512-NOT: qblock.dot_bf16
// GENERIC-LABEL: func.func @dot_bf16
// GENERIC-SAME: (%[[ACC:.*]]: vector<16xf32>, %[[W:.*]]: vector<32xbf16>, %[[A:.*]]: vector<32xbf16>)
// GENERIC: %[[WF:.*]] = arith.extf %[[W]] : vector<32xbf16> to vector<32xf32>
// GENERIC: %[[AF:.*]] = arith.extf %[[A]] : vector<32xbf16> to vector<32xf32>
// GENERIC: %[[P:.*]] = arith.mulf %[[WF]], %[[AF]]
// GENERIC: %[[EVEN:.*]] = vector.shuffle %[[P]], %[[P]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// GENERIC: %[[ODD:.*]] = vector.shuffle %[[P]], %[[P]] [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// GENERIC: %[[S:.*]] = arith.addf %[[ACC]], %[[EVEN]]
// GENERIC: %[[R:.*]] = arith.addf %[[S]], %[[ODD]]
// GENERIC: return %[[R]]
func.func @dot_bf16(%acc: vector<16xf32>, %w: vector<32xbf16>, %a: vector<32xbf16>) -> vector<16xf32> {
  %r = qblock.dot_bf16 %acc, %w, %a : vector<16xf32>, vector<32xbf16>
  return %r : vector<16xf32>
}
