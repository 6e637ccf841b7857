// One block or group in many whose values the format cannot hold is
// clipped, and the rest of it can go with it: a BCQ group of 128 from
// uniform INT-3 with one weight of 70000 decoded to 57344 and all its other
// weights to 0. The range warning used to need more than 1% of the blocks
// out of range, so a single one passed without a word; values above the
// range now warn however few (below it, where precision fades gradually,
// the 1% rule stays). From uniform INT-q what overflows is the group's
// span, 0 included: its grid step is capped so that every parameter is a
// half, at 2^(16-q) (the span 7 x 8192 = 57344 at q = 3), below 65504.

// RUN: %python %S/Inputs/outlier_weight.py 128 101 70000 "#qblock.bcq<bits = 3, group = 128, fit = uniform>" \
// RUN:   | quant-opt --qblock-select-formats -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNIFORM
// UNIFORM: warning: weight 'outlier.w0': 1 of 101 non-zero groups have maxima outside the range where BCQ's f16 alphas and offsets keep their precision (0 below 0.000488281, 1 spanning more than 57344), so they lose precision (relative MSE {{.*}}); scale the weight into range before quantizing

// Below 65504 and still clipped: the span test, not the maximum.
// RUN: %python %S/Inputs/outlier_weight.py 128 101 60000 "#qblock.bcq<bits = 3, group = 128, fit = uniform>" \
// RUN:   | quant-opt --qblock-select-formats -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPAN
// SPAN: warning: weight 'outlier.w0': 1 of 101 non-zero groups {{.*}}(0 below 0.000488281, 1 spanning more than 57344)

// The fit's alphas and offsets saturate above 65504 (this group survives
// it, the relative MSE says how well).
// RUN: %python %S/Inputs/outlier_weight.py 128 101 70000 "#qblock.bcq<bits = 3, group = 128>" \
// RUN:   | quant-opt --qblock-select-formats -o /dev/null 2>&1 | FileCheck %s --check-prefix=FIT
// FIT: warning: weight 'outlier.w0': 1 of 101 non-zero groups {{.*}}(0 below 0.000488281, 1 above 65504)

// INT4's F16 scale clips block maxima above 7 x 65504.
// RUN: %python %S/Inputs/outlier_weight.py 32 101 1.0e6 "#qblock.scheme<int4>" \
// RUN:   | quant-opt --qblock-select-formats -o /dev/null 2>&1 | FileCheck %s --check-prefix=INT4
// INT4: warning: weight 'outlier.w0': 1 of 101 non-zero blocks {{.*}}(0 below {{.*}}, 1 above 458528)

// In range, no warning.
// RUN: %python %S/Inputs/outlier_weight.py 128 101 50000 "#qblock.bcq<bits = 3, group = 128, fit = uniform>" \
// RUN:   | quant-opt --qblock-select-formats -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE --allow-empty
// NONE-NOT: warning
