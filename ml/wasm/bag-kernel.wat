;; The embedding-bag sum of ml/classifier.ts (addTokens) with WebAssembly SIMD, bit for bit.
;;
;; For every dimension d of the bag and every token t in order:
;;   acc[d] = fround(acc[d] + (vector_t[d] + fround(q_t[d] * scale_t)))   (token with a bigram row)
;;   acc[d] = fround(acc[d] + vector_t[d])                                 (token without one)
;; where the inner sums are double precision, as in the JavaScript version. Here:
;;   fround(q * scale)  = f32x4.mul of the converted int8 and the f32 scale (the exact product,
;;                        rounded once to f32);
;;   the double sums    = f64x2 lanes (two dimensions per vector register, low and high halves);
;;   fround(...)        = f32x4.demote_f64x2_zero (round to nearest even), promoted back to f64.
;; So the result equals the JavaScript loop's for every input (test/unit/ml/bag-kernel.test.ts).
;;
;; Memory (imported, byte offsets chosen by ml/bag-kernel.ts):
;;   vecAt[t]  i32  byte offset of token t's f32 word vector (dimensions 0..dim-1)
;;   rowAt[t]  i32  byte offset of token t's int8 bigram row, or -1 for none
;;   scale[t]  f32  the bigram row's scale
;;   out       f32[dim], written
;; dim is a multiple of 4.
;;
;; Build: npm run build:wasm (wabt) writes bag-kernel.wasm; the test checks that the committed
;; binary is this source's.
(module
  (import "env" "memory" (memory 1))
  (func (export "addTokens")
    (param $out i32) (param $n i32) (param $vecAt i32) (param $rowAt i32) (param $scaleAt i32) (param $dim i32)
    (local $b i32) (local $t i32) (local $t4 i32) (local $r i32)
    (local $lo v128) (local $hi v128) (local $vv v128) (local $rr v128)
    (block $done_b
      (loop $each_b
        (br_if $done_b (i32.ge_u (local.get $b) (local.get $dim)))
        (local.set $lo (v128.const i64x2 0 0))
        (local.set $hi (v128.const i64x2 0 0))
        (local.set $t (i32.const 0))
        (block $done_t
          (loop $each_t
            (br_if $done_t (i32.ge_u (local.get $t) (local.get $n)))
            (local.set $t4 (i32.shl (local.get $t) (i32.const 2)))
            ;; four dimensions b..b+3 of token t's word vector
            (local.set $vv (v128.load align=4
              (i32.add (i32.load (i32.add (local.get $vecAt) (local.get $t4))) (i32.shl (local.get $b) (i32.const 2)))))
            (local.set $r (i32.load (i32.add (local.get $rowAt) (local.get $t4))))
            (if (i32.ge_s (local.get $r) (i32.const 0))
              (then
                ;; fround(q * scale) for the same four dimensions of the bigram row
                (local.set $rr (f32x4.mul
                  (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s
                    (v128.load32_zero align=1 (i32.add (local.get $r) (local.get $b))))))
                  (f32x4.splat (f32.load (i32.add (local.get $scaleAt) (local.get $t4))))))
                (local.set $lo (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                  (f64x2.add (local.get $lo)
                    (f64x2.add (f64x2.promote_low_f32x4 (local.get $vv)) (f64x2.promote_low_f32x4 (local.get $rr)))))))
                (local.set $hi (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                  (f64x2.add (local.get $hi)
                    (f64x2.add
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vv) (local.get $vv)))
                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $rr) (local.get $rr)))))))))
              (else
                (local.set $lo (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                  (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $vv))))))
                (local.set $hi (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
                  (f64x2.add (local.get $hi)
                    (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vv) (local.get $vv)))))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $each_t)))
        (v128.store align=4 (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 2)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $each_b)))))
