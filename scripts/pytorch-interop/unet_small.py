#!/usr/bin/env python3
"""Rebuild a dale `unet-small` checkpoint in PyTorch and compare outputs.

    node --conditions=@dale/source scripts/pytorch-interop/write-unet-small.ts /tmp/interop
    python3 scripts/pytorch-interop/unet_small.py /tmp/interop

Reads checkpoint/config.json (the architecture) and checkpoint/model.safetensors (the weights,
with a small safetensors reader used when the `safetensors` package is missing), converts the
layouts (NHWC -> NCHW activations, HWIO -> OIHW conv kernels, [in, out] -> [out, in] dense
weights), runs io.safetensors' input through an independent PyTorch implementation of the
architecture and prints the max abs difference from dale's output (target < 1e-4).
"""
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_safetensors(path):
    """name -> torch tensor; the format: u64 LE header length, JSON header, raw LE data."""
    try:
        from safetensors.torch import load_file

        return load_file(str(path))
    except ImportError:
        pass
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": np.float32, "F64": np.float64, "I32": np.int32}
    data = raw[8 + n :]
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=np.dtype(dtypes[entry["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(array.copy().reshape(entry["shape"]))
    return out


class UnetSmall(nn.Module):
    """The dale U-Net (DDPM style) in PyTorch layouts, weights taken from a dale state dict."""

    def __init__(self, config, state):
        super().__init__()
        self.config = config
        self.w = {}
        for name, value in state.items():
            if name.endswith(".kernel"):  # HWIO -> OIHW
                value = value.permute(3, 2, 0, 1).contiguous()
            elif name.endswith(".weight"):  # dense [in, out] -> nn.Linear [out, in]
                value = value.t().contiguous()
            self.w[name] = value.float()

    def conv(self, name, h, stride=1):
        k = self.w[f"{name}.kernel"]
        return F.conv2d(h, k, self.w[f"{name}.bias"], stride=stride, padding=(k.shape[-1] - 1) // 2)

    def linear(self, name, h):
        return F.linear(h, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def norm(self, name, h):
        return F.group_norm(h, self.config["groups"], self.w[f"{name}.scale"], self.w[f"{name}.offset"], eps=1e-5)

    def res(self, name, h, temb):
        out = self.conv(f"{name}.conv1", F.silu(self.norm(f"{name}.norm1", h)))
        out = out + self.linear(f"{name}.time", F.silu(temb))[:, :, None, None]
        out = self.conv(f"{name}.conv2", F.silu(self.norm(f"{name}.norm2", out)))
        skip = self.conv(f"{name}.skip", h) if f"{name}.skip.kernel" in self.w else h
        return skip + out

    def attention(self, name, h):
        b, c, hh, ww = h.shape
        x = self.norm(f"{name}.norm", h).flatten(2).transpose(1, 2)  # [B, N, C]
        q = self.linear(f"{name}.attention.query", x)
        k = self.linear(f"{name}.attention.key", x)
        v = self.linear(f"{name}.attention.value", x)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)
        out = self.linear(f"{name}.attention.output", a @ v)
        return h + out.transpose(1, 2).reshape(b, c, hh, ww)

    def time_embedding(self, t):
        c = self.config
        half = c["timeEmbedding"] // 2
        freqs = c["maxPeriod"] ** (-torch.arange(half, dtype=torch.float64) / half)
        angles = c["timeScale"] * t.double()[:, None] * freqs[None, :]
        e = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1).float()
        return self.linear("time.1", F.silu(self.linear("time.0", e)))

    def forward(self, x, t):
        c = self.config
        levels, blocks = len(c["channelMultipliers"]), c["resBlocksPerLevel"]
        has = lambda prefix: f"{prefix}.norm.scale" in self.w  # noqa: E731
        temb = self.time_embedding(t)
        h = self.conv("input", torch.log(x) if c["inputTransform"] == "log" else x)
        skips = [h]
        for level in range(levels):
            for i in range(blocks):
                h = self.res(f"down.{level}.blocks.{i}", h, temb)
                if i == blocks - 1 and has(f"down.{level}.attention"):
                    h = self.attention(f"down.{level}.attention", h)
                skips.append(h)
            if level < levels - 1:
                h = self.conv(f"down.{level}.resample", h, stride=2)
                skips.append(h)
        h = self.res("middle.first", h, temb)
        if has("middle.attention"):
            h = self.attention("middle.attention", h)
        h = self.res("middle.second", h, temb)
        for level in reversed(range(levels)):
            for i in range(blocks + 1):
                h = self.res(f"up.{level}.blocks.{i}", torch.cat([h, skips.pop()], dim=1), temb)
            if has(f"up.{level}.attention"):
                h = self.attention(f"up.{level}.attention", h)
            if level > 0:
                h = self.conv(f"up.{level}.resample", F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv("output", F.silu(self.norm("outputNorm", h)))


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dale-unet-small-interop")
    config = json.loads((root / "checkpoint" / "config.json").read_text())
    assert config["format"] == "dale-checkpoint" and config["version"] == 1, config
    state = read_safetensors(root / "checkpoint" / "model.safetensors")
    model = UnetSmall(config["model"], state)
    io = read_safetensors(root / "io.safetensors")
    with torch.no_grad():
        y = model(io["x"].permute(0, 3, 1, 2), io["t"]).permute(0, 2, 3, 1)
    diff = (y - io["y"]).abs().max().item()
    print(f"torch {torch.__version__}: {sum(v.numel() for v in state.values())} parameters; "
          f"max |dale - pytorch| = {diff:.3e} (max |y| = {io['y'].abs().max().item():.3f})")
    sys.exit(0 if diff < 1e-4 else 1)


if __name__ == "__main__":
    main()
