#!/usr/bin/env python3
"""Writes internal/kernels/gemv_avx2_amd64.s, the AVX2 batch-1 Conv1D
products for F32, F16, BF16 and Q8 weights, which differ only in how a
row's 16 columns are loaded and widened to float32:

    python3 tools/asmgen/gemv_avx2.py > internal/kernels/gemv_avx2_amd64.s

Each kernel computes y[j] += sum_i x[i]*W[i, j] for j < n (n a multiple of
16, rows a multiple of 4), W[i, j] at w + i*ldw bytes + j elements. A pass
takes 8 rows of W (a last pass of 4 takes rows%8 == 4) and walks y in
16-column chunks (two ymm), summing rows 0-3 and 4-7 into separate
accumulators so the FMA chains stay short. Every step prefetches one line
of 8 rows: for F32 the same columns of the next pass's rows; for 16-bit
weights AHEAD bytes on in the pass's own rows, or, once that is past their
ends, AHEAD bytes into the next pass's rows (as the AVX-512 kernels do;
against a whole pass ahead, F16 and BF16 decode -4% per token on 1 and 2
threads, alternating by token in one process).

Measured against the previous 4-row kernels, decode of GPT-2 124M shapes
with GPT2_KERNELS=avx2, alternating the two every token in one process:
F32 -6% to -8%, F16 -3% to -4.5%, BF16 -5% time per token. For 16-bit
weights prefetching on every step (twice per cache line) beat every other
step by ~4% here, unlike in the AVX-512 kernels.

Q8 rows are multiplied by x[i] times their block's scale (see
Mat.ScaleIndex: a pass's 8 rows are one group, whose 8 scales of a
32-column block lie side by side) and prefetched once per 64-byte line.
Against the previous 4-row Q8 kernel, same measurement with --quantize
q8: -3% to -8% time per token.
"""


AHEAD = 1024  # prefetch distance of the 16-bit kernels, bytes


def addr(base, idx, off):
    ix = ['', '(BX*1)', '(BX*2)', '(R9*1)'][idx]
    return f"{off if off else ''}({base}){ix}"


def rows(d, rws, xregs, acc0, acc1, out):
    """Adds rows rws (base register, index) times xregs into acc0, acc1."""
    half = 32 if d == 'F32' else 16  # bytes to the second 8 columns
    temps = [('Y12', 'Y13'), ('Y14', 'Y15')]
    for k, ((base, idx), xr) in enumerate(zip(rws, xregs)):
        op = 'VMULPS     ' if k == 0 else 'VFMADD231PS'
        if d == 'F32':
            out.append(f'\t{op} {addr(base, idx, 0)}, {xr}, {acc0}')
            out.append(f'\t{op} {addr(base, idx, half)}, {xr}, {acc1}')
            continue
        t0, t1 = temps[k % 2]
        if d == 'F16':
            out.append(f'\tVCVTPH2PS   {addr(base, idx, 0)}, {t0}')
            out.append(f'\tVCVTPH2PS   {addr(base, idx, half)}, {t1}')
        else:  # BF16: the top 16 bits of a float32
            out.append(f'\tVPMOVZXWD   {addr(base, idx, 0)}, {t0}')
            out.append(f'\tVPMOVZXWD   {addr(base, idx, half)}, {t1}')
            out.append(f'\tVPSLLD      $16, {t0}, {t0}')
            out.append(f'\tVPSLLD      $16, {t1}, {t1}')
        out.append(f'\t{op} {t0}, {xr}, {acc0}')
        out.append(f'\t{op} {t1}, {xr}, {acc1}')


def kernel(d):
    name = f'gemv{d}AVX2'
    step = 64 if d == 'F32' else 32  # bytes of a row per 16 columns
    out = [f'// func {name}(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)',
           f'TEXT ·{name}(SB), NOSPLIT, $0-64', '\tPROLOGUE8']
    if d != 'F32':  # AX = 8*ldw - max(n*es, AHEAD)
        out += ['\tMOVQ    R8, AX', f'\tIMULQ   ${step}, AX', f'\tMOVQ    ${AHEAD}, R13', '\tCMPQ    AX, R13',
                '\tCMOVQLT R13, AX', '\tNEGQ    AX', '\tLEAQ    (AX)(BX*8), AX']
    out += ['', 'pass8:', '\tCMPQ CX, $8', '\tJL   tail4']
    out += [f'\tVBROADCASTSS {4*r}(SI), Y{4+r}' for r in range(8)]
    out += ['\tMOVQ DI, R10', '\tMOVQ DX, R11', '\tLEAQ (DX)(BX*4), R14', '\tMOVQ R8, R12', '', 'chunk8:']
    if d == 'F32':
        out += ['\tLEAQ (R11)(BX*8), R13', '\tLEAQ (R13)(BX*4), R15']
    else:  # AHEAD bytes on in rows i..i+7, or into rows i+8.. once past their ends
        out += [f'\tLEAQ    {AHEAD}(R11), R13', f'\tLEAQ    {AHEAD}(R11)(AX*1), R15',
                f'\tCMPQ    R12, ${AHEAD // step}', '\tCMOVQLE R15, R13', '\tLEAQ    (R13)(BX*4), R15']
    out += [f'\tPREFETCHT0 {addr(b, i, 0)}' for b in ('R13', 'R15') for i in range(4)]
    rows(d, [('R11', i) for i in range(4)], ['Y4', 'Y5', 'Y6', 'Y7'], 'Y0', 'Y1', out)
    rows(d, [('R14', i) for i in range(4)], ['Y8', 'Y9', 'Y10', 'Y11'], 'Y2', 'Y3', out)
    out += ['\tSUM8', '\tADDQ $64, R10', f'\tADDQ ${step}, R11', f'\tADDQ ${step}, R14', '\tDECQ R12',
            '\tJNZ  chunk8', '\tADDQ $32, SI', '\tLEAQ (DX)(BX*8), DX', '\tSUBQ $8, CX', '\tJMP  pass8',
            '', 'tail4:', '\tCMPQ CX, $4', '\tJL   done']
    out += [f'\tVBROADCASTSS {4*r}(SI), Y{4+r}' for r in range(4)]
    out += ['\tMOVQ DI, R10', '\tMOVQ DX, R11', '\tMOVQ R8, R12', '', 'chunk4:']
    rows(d, [('R11', i) for i in range(4)], ['Y4', 'Y5', 'Y6', 'Y7'], 'Y0', 'Y1', out)
    out += ['\tSUM4', '\tADDQ $64, R10', f'\tADDQ ${step}, R11', '\tDECQ R12', '\tJNZ  chunk4', '',
            'done:', '\tVZEROUPPER', '\tRET', '']
    return '\n'.join(out)


def qrows(rws, xregs, sc_off, acc0, acc1, out):
    """Adds rows rws times x[r]*scale into acc0, acc1 (scales at R13)."""
    for k, ((base, idx), xr) in enumerate(zip(rws, xregs)):
        op = 'VMULPS     ' if k == 0 else 'VFMADD231PS'
        out += [f'\tVBROADCASTSS {sc_off + 4*k}(R13), Y12', f'\tVMULPS       Y12, {xr}, Y12',
                f'\tVPMOVSXBD    {addr(base, idx, 0)}, Y13', f'\tVPMOVSXBD    {addr(base, idx, 8)}, Y14',
                '\tVCVTDQ2PS    Y13, Y13', '\tVCVTDQ2PS    Y14, Y14',
                f'\t{op} Y13, Y12, {acc0}', f'\t{op} Y14, Y12, {acc1}']

def q8kernel():
    name, pfmask = 'gemvQ8AVX2', 48  # prefetch when the column is at a line start
    out = [f'// func {name}(y, x *float32, w unsafe.Pointer, s *float32, rows, ldw, n, j0 int)',
           f'TEXT ·{name}(SB), NOSPLIT, $0-64', '\tPROLOGUE8', '\tMOVQ s+24(FP), AX', '\tSHLQ $4, R8',
           '\tADDQ j0+56(FP), R8', '', 'pass8:', '\tCMPQ CX, $8', '\tJL   tail4']
    out += [f'\tVBROADCASTSS {4*r}(SI), Y{4+r}' for r in range(8)]
    out += ['\tMOVQ DI, R10', '\tMOVQ DX, R11', '\tLEAQ (DX)(BX*4), R14', '\tMOVQ j0+56(FP), R12', '', 'chunk8:']
    if pfmask:
        out += [f'\tTESTQ ${pfmask}, R12', '\tJNZ   noprefetch']
    out += ['\tLEAQ (R11)(BX*8), R13', '\tLEAQ (R13)(BX*4), R15']
    out += [f'\tPREFETCHT0 {addr(b, i, 0)}' for b in ('R13', 'R15') for i in range(4)]
    if pfmask:
        out += ['', 'noprefetch:']
    out += ['\tMOVQ R12, R13', '\tANDQ $-32, R13', '\tADDQ AX, R13']
    qrows([('R11', i) for i in range(4)], ['Y4', 'Y5', 'Y6', 'Y7'], 0, 'Y0', 'Y1', out)
    qrows([('R14', i) for i in range(4)], ['Y8', 'Y9', 'Y10', 'Y11'], 16, 'Y2', 'Y3', out)
    out += ['\tSUM8', '\tADDQ $64, R10', '\tADDQ $16, R11', '\tADDQ $16, R14', '\tADDQ $16, R12', '\tCMPQ R12, R8',
            '\tJL   chunk8', '\tADDQ $32, SI', '\tLEAQ (DX)(BX*8), DX', '\tADDQ BX, AX', '\tSUBQ $8, CX', '\tJMP  pass8',
            '', 'tail4:', '\tCMPQ CX, $4', '\tJL   done']
    out += [f'\tVBROADCASTSS {4*r}(SI), Y{4+r}' for r in range(4)]
    out += ['\tMOVQ DI, R10', '\tMOVQ DX, R11', '\tMOVQ j0+56(FP), R12', '', 'chunk4:',
            '\tMOVQ R12, R13', '\tANDQ $-32, R13', '\tADDQ AX, R13']
    qrows([('R11', i) for i in range(4)], ['Y4', 'Y5', 'Y6', 'Y7'], 0, 'Y0', 'Y1', out)
    out += ['\tSUM4', '\tADDQ $64, R10', '\tADDQ $16, R11', '\tADDQ $16, R12', '\tCMPQ R12, R8', '\tJL   chunk4',
            '', 'done:', '\tVZEROUPPER', '\tRET', '']
    return '\n'.join(out)


HEADER = """// Code generated by tools/asmgen/gemv_avx2.py; DO NOT EDIT.

//go:build amd64 && !purego

#include "textflag.h"

// Batch-1 Conv1D products, 8 rows per pass: see tools/asmgen/gemv_avx2.py
// for the scheme and its measurements.
//
// Registers: DI y, SI x (8 per pass), DX row i, CX rows left, BX ldw,
// R9 3*ldw, R8 16-column chunks (Q8: the end column), R10 y chunk, R11
// and R14 the chunk in rows i and i+4, R13 and R15 rows i+8 and i+12
// (prefetch; Q8: R13 the block's scales), R12 count (Q8: column), AX
// (Q8) the group's scales at column 0, Y4-Y11 x[i..i+7], Y0-Y1 rows 0-3,
// Y2-Y3 rows 4-7, Y12-Y15 widened rows.

#define PROLOGUE8 \\
	MOVQ y+0(FP), DI; \\
	MOVQ x+8(FP), SI; \\
	MOVQ w+16(FP), DX; \\
	MOVQ rows+32(FP), CX; \\
	MOVQ ldw+40(FP), BX; \\
	MOVQ n+48(FP), R8; \\
	SHRQ $4, R8; \\
	JZ   done; \\
	LEAQ (BX)(BX*2), R9

// SUM8 adds rows 0-3 (Y0, Y1) and 4-7 (Y2, Y3) into y's chunk.
#define SUM8 \\
	VADDPS  Y2, Y0, Y0; \\
	VADDPS  Y3, Y1, Y1; \\
	VADDPS  (R10), Y0, Y0; \\
	VADDPS  32(R10), Y1, Y1; \\
	VMOVUPS Y0, (R10); \\
	VMOVUPS Y1, 32(R10)

// SUM4 adds the last pass's 4 rows (Y0, Y1) into y's chunk.
#define SUM4 \\
	VADDPS  (R10), Y0, Y0; \\
	VADDPS  32(R10), Y1, Y1; \\
	VMOVUPS Y0, (R10); \\
	VMOVUPS Y1, 32(R10)
"""

if __name__ == '__main__':
    print(HEADER)
    print('\n'.join([kernel(d) for d in ('F32', 'F16', 'BF16')] + [q8kernel()]), end='')
