#!/usr/bin/env python3
"""Safetensors interop fixtures for Cajal's tests, made with PyTorch (Debian's python3-torch 1.13).

The `safetensors` package is not installed here, so this script implements the format by hand with struct
and json, following the reference implementation: an 8-byte little-endian header length, a compact JSON header
with "__metadata__" first and tensors ordered by (alignment descending, name), padded with spaces to a
multiple of 8, then the tensors' bytes back to back.

    python3 gen_fixtures.py           # writes torch_reference.* and torch_mlp.* (a model's state dict)
    python3 gen_fixtures.py --check   # reads cajal_written.safetensors (written by Cajal) with numpy/torch

torch_reference.json holds, per tensor, the dtype, the shape, the values (exact: float32/float16/bfloat16
values are exactly representable as Python floats) and the FNV-1a 64 checksum of the raw bytes, which
`cajal inspect` must print.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent

DTYPES = {  # torch dtype -> (safetensors name, item size)
    torch.float32: ("F32", 4), torch.float64: ("F64", 8), torch.int64: ("I64", 8),
    torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2), torch.int32: ("I32", 4),
    torch.int16: ("I16", 2), torch.int8: ("I8", 1), torch.uint8: ("U8", 1), torch.bool: ("BOOL", 1),
}


def raw_bytes(t: torch.Tensor) -> bytes:
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret as int16
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save(path: Path, tensors: dict, metadata: dict) -> None:
    order = sorted(tensors.items(), key=lambda kv: (-DTYPES[kv[1].dtype][1], kv[0]))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in order:
        data = raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def fnv1a64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def reference_tensors() -> dict:
    g = torch.Generator().manual_seed(20240601)
    return {
        "fc1.weight": torch.randn(4, 3, generator=g),
        "fc1.bias": torch.randn(4, generator=g),
        "bn.running_var": torch.rand(3, generator=g, dtype=torch.float64) + 0.5,
        "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
        "embed.indices": torch.tensor([[0, -1, 2**62], [5, -(2**63), 9]], dtype=torch.int64),
        "half": torch.tensor([0.5, -2.0, 65504.0, 6.1e-5, -0.0], dtype=torch.float16),
        "bhalf": torch.tensor([1.0, -3.140625, 1e30, -1e-30], dtype=torch.bfloat16),
        "counts.i32": torch.tensor([[1, -2], [2**31 - 1, -(2**31)]], dtype=torch.int32),
        "counts.i16": torch.tensor([-32768, 32767, 3], dtype=torch.int16),
        "counts.i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "counts.u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "mask": torch.tensor([True, False, False, True], dtype=torch.bool),
        "empty": torch.zeros(0, 3),
    }


def model_fixture() -> None:
    """A PyTorch model's state dict (parameters and BatchNorm buffers), with an input and the model's output."""
    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model.train()
    for _ in range(3):  # move the running statistics and num_batches_tracked away from their defaults
        model(torch.randn(8, 3) * 2 + 1)
    model.eval()
    x = torch.randn(5, 3)
    with torch.no_grad():
        y = model(x)
    save(HERE / "torch_mlp.safetensors", dict(model.state_dict()), {"format": "pt"})
    (HERE / "torch_mlp.json").write_text(json.dumps({
        "model": "Sequential(Linear(3, 4), BatchNorm1d(4), ReLU(), Linear(4, 2)), eval mode",
        "input": x.tolist(), "output": y.tolist()}) + "\n")
    print("wrote torch_mlp.safetensors and torch_mlp.json")


def generate() -> None:
    model_fixture()
    tensors = reference_tensors()
    metadata = {"format": "pt", "source": "gen_fixtures.py, torch " + torch.__version__}
    save(HERE / "torch_reference.safetensors", tensors, metadata)
    expected = {
        name: {
            "dtype": DTYPES[t.dtype][0],
            "shape": list(t.shape),
            "values": [float(v) if t.is_floating_point() else int(v) for v in t.reshape(-1).tolist()],
            "fnv1a64": fnv1a64(raw_bytes(t)),
        }
        for name, t in tensors.items()
    }
    (HERE / "torch_reference.json").write_text(json.dumps({"metadata": metadata, "tensors": expected}, indent=1) + "\n")
    print("wrote torch_reference.safetensors and torch_reference.json")


NUMPY = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def load(path: Path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=NUMPY[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, metadata, n


def cajal_expected() -> dict:
    # The same content as CajalWrittenFixture() in SafeTensorsInteropTests.cs.
    return {
        "layer.weight": torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.25 - 1,
        "layer.bias": torch.tensor([0.1, -2.5, 1e300, float("-inf")], dtype=torch.float64),
        "steps": torch.tensor([1, -2, 2**62], dtype=torch.int64),
        "scale": torch.tensor(3.5, dtype=torch.float32),
        "transposed": (torch.arange(6, dtype=torch.float32).reshape(2, 3) - 2.5).t(),
    }


def check() -> None:
    tensors, metadata, n = load(HERE / "cajal_written.safetensors")
    expected = cajal_expected()
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    assert list(tensors) == list(expected), (list(tensors), list(expected))
    for name, want in expected.items():
        got = tensors[name]
        assert got.dtype == want.dtype and got.shape == want.shape, (name, got.dtype, got.shape)
        assert torch.equal(got, want), (name, got, want)
    assert metadata == {"epoch": "3", "note": "written by Cajal", "名前": "値"}, metadata
    print(f"cajal_written.safetensors: {len(tensors)} tensors and metadata read back exactly with numpy/torch")


if __name__ == "__main__":
    check() if "--check" in sys.argv else generate()
