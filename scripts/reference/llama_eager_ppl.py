#!/usr/bin/env python3
"""PyTorch eager reference for bench-eval-ppl: the same sliding-window perplexity on the same checkpoint.

A plain float32 Llama forward (as Hugging Face's eager LlamaForCausalLM computes it: RMSNorm, rotate-half RoPE,
grouped-query attention with a causal mask, SwiGLU, tied or untied head) under torch.no_grad, on the windows of
the original's protocol. Prints one JSON line: seconds per window, tokens/s, perplexity and the process's peak
resident set during the evaluation (weights resident; Linux resets the peak counter before the first window). Usage: llama_eager_ppl.py MODEL_DIR IDS_FILE MAX_LENGTH STRIDE (IDS_FILE: token ids, one per line).
"""
import json
import math
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F16": np.float16, "F32": np.float32}


def load(path):
    """The tensors of a safetensors file as float32 tensors (the file is memory-mapped, as HF does)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        arr = raw[begin:end].view(DTYPES[meta["dtype"]]).reshape(meta["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def logits(weights, cfg, ids):
    t = len(ids)
    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv_heads = cfg.get("num_key_value_heads", heads)
    d = hidden // heads
    eps = cfg["rms_norm_eps"]
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    freqs = torch.outer(torch.arange(t, dtype=torch.float32), inv)
    emb = torch.cat([freqs, freqs], dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((t, t), float("-inf")).triu(1)
    x = weights["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, weights[p + "input_layernorm.weight"], eps)
        q = (h @ weights[p + "self_attn.q_proj.weight"].T).view(t, heads, d).transpose(0, 1)
        k = (h @ weights[p + "self_attn.k_proj.weight"].T).view(t, kv_heads, d).transpose(0, 1)
        v = (h @ weights[p + "self_attn.v_proj.weight"].T).view(t, kv_heads, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if kv_heads != heads:
            k = k.repeat_interleave(heads // kv_heads, dim=0)
            v = v.repeat_interleave(heads // kv_heads, dim=0)
        att = ((q @ k.transpose(-1, -2)) / math.sqrt(d) + mask).softmax(-1)
        ctx = (att @ v).transpose(0, 1).reshape(t, hidden)
        x = x + ctx @ weights[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, weights[p + "post_attention_layernorm.weight"], eps)
        gated = F.silu(h @ weights[p + "mlp.gate_proj.weight"].T) * (h @ weights[p + "mlp.up_proj.weight"].T)
        x = x + gated @ weights[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, weights["model.norm.weight"], eps)
    head = weights.get("lm_head.weight", weights["model.embed_tokens.weight"])
    return x @ head.T


def main():
    model_dir, ids_file, max_length, stride = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    threads = os.environ.get("LMQT_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    weights = load(os.path.join(model_dir, "model.safetensors"))
    ids = [int(line) for line in open(ids_file) if line.strip()]
    n = len(ids)
    nll, seconds, windows = 0.0, 0.0, 0
    # the kernel's peak counter restarts here (weights resident), as lmqt's memory probe does before evaluating
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    with torch.no_grad():
        for i in range(0, n, stride):
            begin, end = max(i + stride - max_length, 0), min(i + stride, n)
            trg = end - i
            window = ids[begin:end]
            start = time.perf_counter()
            out = logits(weights, cfg, window)
            first = max(len(window) - trg, 1)
            loss = F.cross_entropy(out[first - 1:-1], torch.tensor(window[first:]))
            seconds += time.perf_counter() - start
            nll += loss.item() * trg
            windows += 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    try:
        with open("/proc/self/status") as f:
            peak = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        pass
    print(json.dumps({"windows": windows, "seconds_per_window": seconds / windows, "tokens_per_s":
                      sum(min(i + stride, n) - max(i + stride - max_length, 0) for i in range(0, n, stride)) / seconds,
                      "ppl": math.exp(nll / n), "peak_rss_bytes": peak, "torch": torch.__version__,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
