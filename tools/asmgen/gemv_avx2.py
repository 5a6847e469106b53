#!/usr/bin/env python3
"""Writes internal/kernels/gemv_avx2_amd64.s, the AVX2 batch-1 Conv1D
products for F32, F16 and BF16 weights, which differ only in how a
row's 16 columns are loaded and widened to float32:

    python3 tools/asmgen/gemv_avx2.py > internal/kernels/gemv_avx2_amd64.s

Each kernel computes y[j] += sum_i x[i]*W[i, j] for j < n (n a multiple of
16, rows a multiple of 4), W[i, j] at w + i*ldw bytes + j elements. As the
AVX-512 kernels do (see gemv_avx512_amd64.s), the rows are cut into four
equal stretches and a pass takes a row from each, rows i, i+q, i+2q and
i+3q (q = rows/4): one core reads four long sequential streams. A pass
walks y in 16-column chunks (two ymm), rows i and i+q summed apart from
rows i+2q and i+3q so the FMA chains stay short. 16-bit weights prefetch
AHEAD bytes on in each stream at every chunk (twice per cache line: on
this machine every step beat every other step by ~4% in the 8-row
kernels before); F32 does not prefetch.

Measured against the 8-row kernels before (8 adjacent rows a pass, software
prefetch keeping their short streams going), decode of GPT-2 124M shapes
with GPT2_KERNELS=avx2, alternating the two every token in one process:
time per token on 2 threads F16 -9 to -13%, F32 -9 to -10%; on 1 thread
F16 -13%, F32 -6%. BF16 lost 0-3% on 2 threads and 1.5-3% on one (with or
without the prefetch), for reasons not found; kept, for one scheme in all
three dtypes.
"""

AHEAD = 1024  # prefetch distance of the 16-bit kernels, bytes

# The four streams' chunks: row i at R11, the others q, 2q and 3q rows on.
STREAMS = ['(R11)', '(R11)(R13*1)', '(R11)(R13*2)', '(R11)(R14*1)']


def load(d, off, m, reg, out):
    """Loads the 8 weights at byte off of stream m into reg as float32."""
    a = f"{off if off else ''}{STREAMS[m]}"
    if d == 'F16':
        out.append(f'\tVCVTPH2PS   {a}, {reg}')
    elif d == 'BF16':  # the top 16 bits of a float32
        out.append(f'\tVPMOVZXWD   {a}, {reg}')
        out.append(f'\tVPSLLD      $16, {reg}, {reg}')


def chunk(d, out, mask=False):
    """Adds the four rows' 16 columns at R11 into y's chunk at R10 (with
    mask, only in the lanes set in the 16 masks at AX)."""
    half = 32 if d == 'F32' else 16  # bytes to the second 8 columns
    xs = ['Y4', 'Y5', 'Y6', 'Y7']
    # Streams 0 and 1 into Y0 (first 8 columns) and Y1, 2 and 3 into Y2, Y3.
    for m in range(4):
        op = 'VMULPS     ' if m in (0, 2) else 'VFMADD231PS'
        acc = ['Y0', 'Y1'] if m < 2 else ['Y2', 'Y3']
        for h in range(2):
            if d == 'F32':
                src = f"{half * h if h else ''}{STREAMS[m]}"
            else:
                src = ['Y12', 'Y13', 'Y14', 'Y15'][(m % 2) * 2 + h]
                load(d, half * h, m, src, out)
            out.append(f'\t{op} {src}, {xs[m]}, {acc[h]}')
    out += ['\tVADDPS      Y2, Y0, Y0', '\tVADDPS      Y3, Y1, Y1']
    if mask:
        out += ['\tVANDPS      (AX), Y0, Y0', '\tVANDPS      32(AX), Y1, Y1']
    out += ['\tVADDPS      (R10), Y0, Y0', '\tVADDPS      32(R10), Y1, Y1',
            '\tVMOVUPS     Y0, (R10)', '\tVMOVUPS     Y1, 32(R10)']


def kernel(d):
    name = f'gemv{d}AVX2'
    step = 64 if d == 'F32' else 32  # bytes of a row per 16 columns
    out = [f'// func {name}(y, x *float32, w unsafe.Pointer, rows, ldw, n, head, tail int)',
           f'TEXT ·{name}(SB), NOSPLIT, $0-64', '\tPROLOGUE', '', 'pass:',
           '\tVBROADCASTSS (SI), Y4', '\tVBROADCASTSS (SI)(R15*1), Y5',
           '\tVBROADCASTSS (SI)(R15*2), Y6', '\tVBROADCASTSS (SI)(R9*1), Y7',
           '\tMOVQ         DI, R10', '\tMOVQ         DX, R11', '\tMOVQ         R8, R12', '']
    # Columns -h..-1 from the first chunk: the 16 from h before it.
    out += ['\tMOVQ  head+48(FP), AX', '\tTESTQ AX, AX', '\tJZ    chunk']
    if d != 'F32':
        out += ['\tSUBQ  AX, R11', '\tSUBQ  AX, R11']
    else:
        out += ['\tSHLQ  $2, AX', '\tSUBQ  AX, R11', '\tSHRQ  $2, AX']
    out += ['\tSHLQ  $2, AX', '\tSUBQ  AX, R10', '\tNEGQ  AX', '\tLEAQ  ·gemvEdgeMask+128(SB), R12', '\tADDQ  R12, AX']
    chunk(d, out, mask=True)
    out += ['\tMOVQ  DI, R10', '\tMOVQ  DX, R11', '\tMOVQ  R8, R12', '', 'chunk:']
    if d != 'F32':
        out += [f'\tPREFETCHT0 {AHEAD}{s}' for s in STREAMS]
    chunk(d, out)
    out += ['\tADDQ $64, R10', f'\tADDQ ${step}, R11', '\tDECQ R12', '\tJNZ  chunk',
            # The t columns after the last chunk: the 16 ending t on.
            '\tMOVQ  tail+56(FP), AX', '\tTESTQ AX, AX', '\tJZ    next']
    if d != 'F32':
        out += ['\tADDQ  AX, R11', '\tADDQ  AX, R11']
    else:
        out += ['\tSHLQ  $2, AX', '\tADDQ  AX, R11', '\tSHRQ  $2, AX']
    out += [f'\tSUBQ  ${step}, R11', '\tSHLQ  $2, AX', '\tADDQ  AX, R10', '\tSUBQ  $64, R10',
            '\tLEAQ  ·gemvEdgeMask(SB), R12', '\tADDQ  R12, AX']
    chunk(d, out, mask=True)
    out += ['', 'next:', '\tADDQ $4, SI', '\tADDQ BX, DX', '\tDECQ CX', '\tJNZ  pass', '',
            'done:', '\tVZEROUPPER', '\tRET', '']
    return '\n'.join(out)


HEADER = """// Code generated by tools/asmgen/gemv_avx2.py; DO NOT EDIT.

//go:build amd64 && !purego

#include "textflag.h"

// Batch-1 Conv1D products, four streams of rows: see
// tools/asmgen/gemv_avx2.py for the scheme.
//
// Registers: DI y, SI x[i], DX row i, CX passes left, BX ldw, R8
// 16-column chunks, R13 q*ldw and R14 3q*ldw (the other rows, from row
// i), R15 4q and R9 12q (their x, from x[i]), R10 y's chunk, R11 row i's
// chunk, R12 count, Y4-Y7 x[i], x[i+q], x[i+2q], x[i+3q], Y0-Y3 sums,
// Y12-Y15 widened 16-bit weights.

// The masks of the end columns are gemvEdgeMask (gemv_avx512_amd64.s).

#define PROLOGUE \\
	MOVQ  y+0(FP), DI; \\
	MOVQ  x+8(FP), SI; \\
	MOVQ  w+16(FP), DX; \\
	MOVQ  rows+24(FP), CX; \\
	MOVQ  ldw+32(FP), BX; \\
	MOVQ  n+40(FP), R8; \\
	SHRQ  $4, R8; \\
	JZ    done; \\
	SHRQ  $2, CX; \\
	JZ    done; \\
	MOVQ  CX, R13; \\
	IMULQ BX, R13; \\
	LEAQ  (R13)(R13*2), R14; \\
	LEAQ  (CX*4), R15; \\
	LEAQ  (R15)(R15*2), R9
"""


if __name__ == '__main__':
    print(HEADER)
    print('\n'.join([kernel(d) for d in ('F32', 'F16', 'BF16')]), end='')
