#!/usr/bin/env python3
"""Exports `unet-small` from a dale checkpoint to ONNX, for the ONNX Runtime anchors of the bench.

    python3 bench/export_onnx.py CHECKPOINT_DIR OUT.onnx

The network is bench/torch_unet_small.py's (scripts/pytorch-interop/unet_small.py, weights from
the same checkpoint), exported with torch.onnx.export at opset 17, inputs x [B, 1, 28, 28]
(NCHW, positive) and t [B], output the noise prediction [B, 1, 28, 28]; the batch axis is
dynamic. Prints one JSON line: the path, the opset and the torch version.
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "pytorch-interop"))
from unet_small import UnetSmall, read_safetensors  # noqa: E402


class Forward(torch.nn.Module):
    """Wraps UnetSmall (whose weights live in a plain dict) as a module for the exporter."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        # Paddings as Python ints, read before tracing (inside it, shapes are traced tensors,
        # which F.conv2d does not take as a padding).
        pads = {n[: -len(".kernel")]: (w.shape[-1] - 1) // 2 for n, w in model.w.items() if n.endswith(".kernel")}

        def conv(name, h, stride=1):
            w = model.w
            return F.conv2d(h, w[f"{name}.kernel"], w[f"{name}.bias"], stride=stride, padding=pads[name])

        model.conv = conv

    def forward(self, x, t):
        return self.model(x, t)


def main():
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    config = json.loads((root / "config.json").read_text())
    model = UnetSmall(config["model"], read_safetensors(root / "model.safetensors"))
    x = 1 + torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    t = torch.full((2,), 0.5)
    with torch.no_grad():
        torch.onnx.export(
            Forward(model), (x, t), str(out), opset_version=17,
            input_names=["x", "t"], output_names=["eps"],
            dynamic_axes={"x": {0: "batch"}, "t": {0: "batch"}, "eps": {0: "batch"}},
        )
    print(json.dumps({"onnx": str(out), "opset": 17, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
