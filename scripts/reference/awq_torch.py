#!/usr/bin/env python3
"""PyTorch eager reference for bench-awq: AutoAWQ's search of one Llama decoder block on the CPU, one thread.

Written from the algorithm note (calib-methods-spec sections 3.1, 3.3-3.5): duo-scaling scale search over 20 ratios
for the units qkv, o (when v and o have the same shape), gate_up and down, all on the original weights; the scales
applied in that order; the clip search (10 shrink steps, tokens sub-sampled to about 512, rows in batches of 256 or
64) for v, o, gate, up, down; pseudo_quantize_tensor (w_bit 4, zero point) of all seven. Features are given.
Usage: awq_torch.py DIR HIDDEN KV INTERMEDIATE TOKENS GROUP
DIR holds float32 little-endian files: q k v o gate up down (weights [out, in]), ln1 ln2 ([hidden]),
x_attn x_o x_mlp ([tokens, hidden]) and x_down ([tokens, intermediate]). Writes DIR/codes.bin (uint8, the seven
linears' codes in that order, [out, in] each) and DIR/scales.bin (float32, the units' scales in order), and prints
one CSV line: search_seconds,clip_seconds.
"""
import os
import sys
import time

import torch


def read(d, name, *shape):
    with open(os.path.join(d, name + ".bin"), "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(*shape)


def pseudo_quantize(w, g, codes=False):
    """Group-wise 4-bit min-max quantization with a zero point; the dequantized weight (or the codes)."""
    shape = w.shape
    w = w.reshape(-1, g)
    mx = w.amax(dim=1, keepdim=True)
    mn = w.amin(dim=1, keepdim=True)
    scale = (mx - mn).clamp(min=1e-5) / 15
    zero = (-torch.round(mn / scale)).clamp(0, 15)
    q = (torch.round(w / scale) + zero).clamp(0, 15)
    if codes:
        return q.reshape(shape).to(torch.uint8)
    return ((q - zero) * scale).reshape(shape)


def main():
    d, hidden, kv, inter, tokens, g = sys.argv[1], *map(int, sys.argv[2:7])
    torch.set_num_threads(1)
    w = {"q": read(d, "q", hidden, hidden), "k": read(d, "k", kv, hidden), "v": read(d, "v", kv, hidden),
         "o": read(d, "o", hidden, hidden), "gate": read(d, "gate", inter, hidden), "up": read(d, "up", inter, hidden),
         "down": read(d, "down", hidden, inter)}
    ln1, ln2 = read(d, "ln1", hidden), read(d, "ln2", hidden)
    x = {"qkv": read(d, "x_attn", tokens, hidden), "o": read(d, "x_o", tokens, hidden),
         "gate_up": read(d, "x_mlp", tokens, hidden), "down": read(d, "x_down", tokens, inter)}
    units = {"qkv": ["q", "k", "v"], "o": ["o"], "gate_up": ["gate", "up"], "down": ["down"]}
    if kv != hidden:
        del units["o"]

    def module(unit, ws, inp):
        if unit == "qkv":
            return torch.cat([inp @ ws[0].t(), inp @ ws[1].t(), inp @ ws[2].t()], dim=1)
        if unit == "gate_up":
            h = torch.nn.functional.silu(inp @ ws[0].t()) * (inp @ ws[1].t())
            return h @ w["down"].t()
        return inp @ ws[0].t()

    # the scale search, every unit on the original weights
    t0 = time.perf_counter()
    best_scales = {}
    for unit, names in units.items():
        inp = x[unit]
        x_sum = torch.zeros(inp.shape[1], dtype=torch.float32)
        x_sum += inp.abs().sum(dim=0)
        x_mean = x_sum / inp.shape[0]
        cat = torch.cat([w[n] for n in names], dim=0)
        grouped = cat.abs().view(-1, g)
        w_mean = (grouped / (grouped.amax(dim=1, keepdim=True) + 1e-6)).view(cat.shape).mean(0)
        org = module(unit, [w[n] for n in names], inp)
        best, best_s = float("inf"), None
        for r in range(20):
            ratio = r / 20
            s = (x_mean.pow(ratio) / (w_mean.pow(1 - ratio) + 1e-4)).clamp(min=1e-4)
            s = s / (s.max() * s.min()).sqrt()
            s[torch.isinf(s)] = 1
            s[torch.isnan(s)] = 1
            trial = [pseudo_quantize(w[n] * s.view(1, -1), g) / s.view(1, -1) for n in names]
            loss = (org - module(unit, trial, inp)).float().pow(2).sum().item() / org.numel()
            if loss < best:
                best, best_s = loss, s.clone()
        best_scales[unit] = best_s
    t1 = time.perf_counter()

    # apply the scales in the units' order: previous op divided, the unit's columns multiplied, its inputs divided
    prev = {"qkv": ("ln", ln1), "o": ("rows", "v"), "gate_up": ("ln", ln2), "down": ("rows", "up")}
    for unit, names in units.items():
        s = best_scales[unit]
        kind, op = prev[unit]
        if kind == "ln":
            op.div_(s)
        else:
            w[op][-s.numel():].div_(s.view(-1, 1))
        for n in names:
            w[n].mul_(s.view(1, -1))
        x[unit] = x[unit] / s.view(1, -1)

    # the clip search for v, o, gate, up, down on the scaled weights and inputs, then the final quantization
    feed = {"v": x["qkv"], "o": x["o"], "gate": x["gate_up"], "up": x["gate_up"], "down": x["down"]}
    for n, inp in feed.items():
        wt = w[n]
        step = max(1, inp.shape[0] // 512)
        xs = inp[0::step].view(1, -1, inp.shape[1] // g, g)            # [1, T, groups, g]
        wv = wt.view(wt.shape[0], 1, -1, g)                             # [out, 1, groups, g]
        batch = 256 if wt.shape[0] % 256 == 0 else 64
        best_max = []
        for b0 in range(0, wt.shape[0], batch):
            wb = wv[b0:b0 + batch]
            org_out = (xs * wb).sum(dim=-1)                              # [batch, T, groups]
            amax = wb.abs().amax(dim=-1, keepdim=True)                   # [batch, 1, groups, 1]
            best_m = amax.clone()
            min_errs = torch.ones_like(amax) * 1e9
            for i in range(10):
                m = amax * (1 - i / 20)
                q = pseudo_quantize(torch.clamp(wb, -m, m), g)
                err = ((xs * q).sum(dim=-1) - org_out).pow(2).mean(dim=1).view(min_errs.shape)
                better = err < min_errs
                min_errs[better] = err[better]
                best_m[better] = m[better]
            best_max.append(best_m)
        m = torch.cat(best_max, dim=0)                                   # [out, 1, groups, 1]
        w[n] = torch.clamp(wv, -m, m).reshape(wt.shape)
    codes = [pseudo_quantize(w[n], g, codes=True) for n in ["q", "k", "v", "o", "gate", "up", "down"]]
    t2 = time.perf_counter()
    with open(os.path.join(d, "codes.bin"), "wb") as f:
        for c in codes:
            f.write(c.contiguous().numpy().tobytes())
    with open(os.path.join(d, "scales.bin"), "wb") as f:
        for unit in units:
            f.write(best_scales[unit].contiguous().numpy().tobytes())
    print(f"{t1 - t0:.3f},{t2 - t1:.3f}")


if __name__ == "__main__":
    main()
