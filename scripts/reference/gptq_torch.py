#!/usr/bin/env python3
"""PyTorch eager reference for bench-gptq: GPTQ of one linear layer as AutoGPTQ runs it, on the CPU, one thread.

Written from the algorithm note (calib-methods-spec sections 2.1-2.3): add_batch per sequence (H *= n/(n+1),
x = sqrt(2/n) x, H += x x^T), then fasterquant with blocks of 128 columns, damping 0.01, symmetric min-max groups
of GROUP columns (parameters from the globally updated W at each group start), natural column order.
Usage: gptq_torch.py W.bin X.bin OUT IN TOKENS SEQLEN BITS GROUP CODES.bin
W.bin: float32 [OUT, IN]; X.bin: float32 [TOKENS, IN]; writes the codes (uint8 [OUT, IN]) to CODES.bin and prints
one CSV line: hessian_seconds,quant_seconds.
"""
import math
import sys
import time

import torch


def read(path, *shape):
    with open(path, "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(*shape)


def params(x, maxq):
    """Symmetric per-row scale and zero of the slice x [rows, k]."""
    xmin = torch.minimum(x.min(1).values, torch.zeros(x.shape[0]))
    xmax = torch.maximum(x.max(1).values, torch.zeros(x.shape[0]))
    xmax = torch.maximum(xmin.abs(), xmax)
    xmin = torch.where(xmin < 0, -xmax, xmin)
    both_zero = (xmin == 0) & (xmax == 0)
    xmin[both_zero] = -1
    xmax[both_zero] = 1
    scale = (xmax - xmin) / maxq
    zero = torch.full_like(scale, (maxq + 1) / 2)
    return scale, zero


def main():
    w_path, x_path, out, inp, tokens, seqlen, bits, group, codes_path = sys.argv[1:10]
    out, inp, tokens, seqlen, bits, group = map(int, (out, inp, tokens, seqlen, bits, group))
    torch.set_num_threads(1)
    w0 = read(w_path, out, inp)
    x = read(x_path, tokens, inp)

    # the Hessian, one add_batch per sequence
    t0 = time.perf_counter()
    h = torch.zeros(inp, inp)
    n = 0
    for s in range(0, tokens, seqlen):
        seq = x[s:s + seqlen].t()                                   # [in, seqlen]
        h *= n / (n + 1)
        n += 1
        seq = math.sqrt(2 / n) * seq.float()
        h += seq.matmul(seq.t())
    t1 = time.perf_counter()

    # fasterquant
    maxq = 2 ** bits - 1
    w = w0.clone()
    dead = torch.diag(h) == 0
    h[dead, dead] = 1
    w[:, dead] = 0
    damp = 0.01 * torch.mean(torch.diag(h))
    idx = torch.arange(inp)
    h[idx, idx] += damp
    hinv = torch.linalg.cholesky(h)
    hinv = torch.cholesky_inverse(hinv)
    hinv = torch.linalg.cholesky(hinv, upper=True)
    q_all = torch.zeros_like(w)
    codes = torch.zeros(out, inp, dtype=torch.uint8)
    scale = zero = None
    for i1 in range(0, inp, 128):
        i2 = min(i1 + 128, inp)
        w1 = w[:, i1:i2].clone()
        err = torch.zeros_like(w1)
        hinv1 = hinv[i1:i2, i1:i2]
        for i in range(i2 - i1):
            j = i1 + i
            if j % group == 0:
                scale, zero = params(w[:, j:j + group], maxq)
            col = w1[:, i]
            d = hinv1[i, i]
            q = torch.clamp(torch.round(col / scale) + zero, 0, maxq)
            codes[:, j] = q.to(torch.uint8)
            qd = scale * (q - zero)
            q_all[:, j] = qd
            e = (col - qd) / d
            w1[:, i:] -= e.unsqueeze(1).matmul(hinv1[i, i:].unsqueeze(0))
            err[:, i] = e
        w[:, i2:] -= err.matmul(hinv[i1:i2, i2:])
    t2 = time.perf_counter()
    with open(codes_path, "wb") as f:
        f.write(bytearray(codes.flatten().tolist()))
    print(f"{t1 - t0:.3f},{t2 - t1:.3f}")


if __name__ == "__main__":
    main()
