#!/usr/bin/env python3
"""PyTorch eager reference for bench-hqq: the MXQ fork's HQQ quantizer (optimize=True) on the CPU, one thread.

The fork's Quantizer.quantize as lmqt-spec section 4.1 describes it (axis-0 grouping of the row-major buffer, min-max
scale clamped at 2e4, the proximal zero optimiser: lp 0.7, beta 10, kappa 1.01, 20 iterations, early stop), written
as eager float32 tensor operations. Usage: hqq_eager.py OUT IN CONFIG[,CONFIG...] REPEAT SEED; prints one CSV line
per config: shape,config,threads,seconds,weights_per_s (the fastest of REPEAT runs).
"""
import sys
import time

import torch


def quantize(w, bits, group):
    """Codes, step size and zero of w quantized in groups of `group` along axis 0 of the flat buffer."""
    qmax = 2 ** bits - 1
    wg = w.reshape(group, -1)                                  # [g, M]
    lo = wg.min(dim=0, keepdim=True).values                    # [1, M]
    hi = wg.max(dim=0, keepdim=True).values
    scale = (qmax / (hi - lo)).clamp(max=2e4)                  # [1, M]
    zero = -lo * scale
    beta, best = 10.0, 1e4
    for _ in range(20):
        q = torch.round(wg * scale + zero).clamp(0, qmax)
        wr = (q - zero) / scale
        d = wg - wr
        e = torch.sign(d) * torch.relu(torch.abs(d) - (1.0 / beta) * torch.pow(torch.abs(d), 0.7 - 1))
        zero = torch.mean(q - (wg - e) * scale, dim=0, keepdim=True)
        beta *= 1.01
        err = float(torch.abs(wg - wr).mean())
        if err < best:
            best = err
        else:
            break
    q = torch.round(wg * scale + zero).clamp(0, qmax).to(torch.uint8)
    return q, 1.0 / scale, zero


def main():
    rows, cols, configs, repeat, seed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    w = torch.randn(rows, cols) * 0.02
    quantize(w, 4, 64)                                         # warm-up
    for name in configs.split(","):
        bits, group = (int(v) for v in name[1:].split("g"))
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            quantize(w, bits, group)
            best = min(best, time.perf_counter() - start)
        print(f"{rows}x{cols},{name},1,{best:.3f},{rows * cols / best:.3e}", flush=True)


if __name__ == "__main__":
    main()
