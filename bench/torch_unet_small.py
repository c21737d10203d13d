#!/usr/bin/env python3
"""PyTorch CPU reference for `pnpm bench`: the same unet-small, the same step, in the same run.

    python3 bench/torch_unet_small.py CHECKPOINT_DIR BATCH RUNS

Builds the network from a dale checkpoint (scripts/pytorch-interop/unet_small.py), then times
(a) one training step: GBM noising, noise-prediction M-DSM loss, backward, Adam update, and
(b) one Dale–Langevin sampling step: a forward pass plus the M8 update. Prints one JSON line.
"""
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "pytorch-interop"))
from unet_small import UnetSmall, read_safetensors  # noqa: E402


def median_ms(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


def main():
    root, batch, runs = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    config = json.loads((root / "config.json").read_text())
    model = UnetSmall(config["model"], read_safetensors(root / "model.safetensors"))
    params = list(model.w.values())
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=2e-4)
    g = torch.Generator().manual_seed(0)
    x0 = 1 + torch.rand(batch, 1, 28, 28, generator=g)
    sigma2 = 0.64

    def train_step():
        t = 1e-5 + (1 - 1e-5) * torch.rand(batch, generator=g)
        z = torch.randn(x0.shape, generator=g)
        s = torch.sqrt(sigma2 * t)[:, None, None, None]
        xt = x0 * torch.exp(s * z)  # M2 with mu = sigma^2/2
        loss = ((model(xt, t) - z) ** 2).sum(dim=(1, 2, 3)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    x = 1 + torch.rand(batch, 1, 28, 28, generator=g)

    def sample_step():
        with torch.no_grad():
            t = torch.full((batch,), 0.5)
            eps = model(x, t)
            s_h = -1 - eps / (0.8 * 0.5 ** 0.5)  # M6 adapter
            delta = 6.16545e-4
            z = torch.randn(x.shape, generator=g)
            return x * torch.exp(delta * sigma2 * s_h - delta * (0.32 - 1.5 * sigma2) + delta ** 0.5 * 0.8 * z)  # M8

    train_ms, train_runs = median_ms(train_step, runs)
    sample_ms, sample_runs = median_ms(sample_step, runs)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "trainStepMs": train_ms,
                      "trainRunsMs": train_runs, "sampleStepMs": sample_ms, "sampleRunsMs": sample_runs}))


if __name__ == "__main__":
    main()
