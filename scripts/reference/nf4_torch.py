#!/usr/bin/env python3
"""PyTorch eager reference for bench-nf4: bitsandbytes' quantize_4bit(nf4, blocksize, compress_statistics=True) as
its pure-torch backend computes it, on the CPU, one thread.

Written from the algorithm note (calib-methods-spec section 4.2 and its note on the pure-torch backend): block maxima
of the flattened weight, y = clamp(x * (1 / max(absmax, 1e-38)), -1, 1), codes by bucketize on the float32
midpoints of the NF4 table (ties to the lower code), two codes a byte (first in the high nibble); then the nested
8-bit quantization of absmax - mean(absmax) in blocks of 256 with the dynamic map, the same way.
Usage: nf4_torch.py W.bin OUT IN BLOCK NF4.bin DYNAMIC.bin PACKED.bin NESTED.bin REPEATS
W.bin float32 [OUT, IN]; NF4.bin float32 [16] and DYNAMIC.bin float32 [256], the code tables. Writes the packed
codes (uint8) and the nested absmax codes (uint8), and prints one CSV line: seconds (the fastest of REPEATS runs).
"""
import sys
import time

import torch


def read(path, *shape):
    with open(path, "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(*shape)


def blockwise(x, block, table):
    """The codes of x (flat) in blocks of `block`, scaled by each block's max |x|, nearest value of `table`."""
    n = x.numel()
    pad = (-n) % block
    blocks = torch.nn.functional.pad(x, (0, pad)).view(-1, block)
    absmax = blocks.abs().amax(dim=1)
    y = torch.clamp(blocks * (1 / torch.clamp(absmax, min=1e-38)).view(-1, 1), -1, 1)
    mid = (table[:-1] + table[1:]) / 2
    codes = torch.bucketize(y, mid).to(torch.uint8).view(-1)[:n]
    return codes, absmax


def quantize(w, block, nf4, dynamic):
    flat = w.reshape(-1)
    codes, absmax = blockwise(flat, block, nf4)
    if codes.numel() % 2:
        codes = torch.cat([codes, codes.new_tensor([7])])
    packed = (codes[0::2] << 4) | codes[1::2]
    offset = absmax.mean()
    nested, absmax2 = blockwise(absmax - offset, 256, dynamic)
    return packed, nested, offset, absmax2


def main():
    w_path, out, inp, block, nf4_path, dyn_path, packed_path, nested_path, repeats = sys.argv[1:10]
    out, inp, block, repeats = int(out), int(inp), int(block), int(repeats)
    torch.set_num_threads(1)
    w = read(w_path, out, inp)
    nf4 = read(nf4_path, 16)
    dynamic = read(dyn_path, 256)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        packed, nested, _, _ = quantize(w, block, nf4, dynamic)
        best = min(best, time.perf_counter() - t0)
    with open(packed_path, "wb") as f:
        f.write(packed.numpy().tobytes())
    with open(nested_path, "wb") as f:
        f.write(nested.numpy().tobytes())
    print(f"{best:.6f}")


if __name__ == "__main__":
    main()
