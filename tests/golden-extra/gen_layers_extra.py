# Generates tests/golden-extra/layers_extra.json: PyTorch cases for linear, batch_norm, layer_norm and
# embedding with other shapes and attributes than the shared goldens, in the pytorch-golden/1 format.
# Run: /usr/bin/python3 tests/golden-extra/gen_layers_extra.py  (Debian python3-torch 1.13)
import json, math, os, torch
import torch.nn.functional as F
torch.manual_seed(11)
torch.set_default_dtype(torch.float64)

def T(t):
    if t.dtype == torch.int64:
        return {"dtype": "int64", "shape": list(t.shape), "data": [int(v) for v in t.flatten().tolist()]}
    return {"dtype": "float64", "shape": list(t.shape), "data": [float(v) for v in t.detach().flatten().tolist()]}

cases = []
def case(name, op, attrs, inputs, fn, diff):
    ins = {k: (v.clone().requires_grad_(k in diff) if v.dtype == torch.float64 else v) for k, v in inputs.items()}
    outs = fn(**ins)
    ups = {k: torch.randn(v.shape) for k, v in outs.items() if v.requires_grad}
    L = sum((outs[k] * ups[k]).sum() for k in ups)
    L.backward()
    grads = {k: T(ins[k].grad if ins[k].grad is not None else torch.zeros_like(ins[k])) for k in diff}
    cases.append({"name": name, "op": op, "attributes": attrs, "inputs": {k: T(v) for k, v in inputs.items()},
                  "outputs": {k: T(v) for k, v in outs.items()}, "upstream": {k: T(v) for k, v in ups.items()}, "grads": grads})

r = torch.randn
for shape, bias in [((5,), True), ((2, 3, 4, 5), True), ((6, 5), False), ((0, 5), True)]:
    ins = {"input": r(*shape), "weight": r(3, 5)}
    if bias: ins["bias"] = r(3)
    case(f"linear/{shape}_bias={bias}", "linear", {}, ins,
         lambda input, weight, bias=None: {"out": F.linear(input, weight, bias)}, list(ins))

for shape, training, affine, stats, m, eps in [((3, 4, 5), True, True, True, 0.5, 1e-3), ((2, 3, 4, 4), True, False, False, 0.1, 1e-5),
                                                 ((7, 2), True, True, True, 0.01, 0.1), ((2, 3, 5), False, True, True, 0.1, 1e-5),
                                                 ((3, 2, 2, 5), False, False, True, 0.1, 1e-2)]:
    c = shape[1]
    ins = {"input": r(*shape) * 3 + 1}
    if stats: ins["running_mean"] = r(c); ins["running_var"] = r(c).abs() + 0.5
    if affine: ins["weight"] = r(c); ins["bias"] = r(c)
    def fn(input, running_mean=None, running_var=None, weight=None, bias=None):
        rm = running_mean.detach().clone() if running_mean is not None else None
        rv = running_var.detach().clone() if running_var is not None else None
        out = {"out": F.batch_norm(input, rm, rv, weight, bias, training, m, eps)}
        if training and rm is not None: out["running_mean_after"] = rm; out["running_var_after"] = rv
        return out
    case(f"batch_norm/{shape}_train={training}_affine={affine}_stats={stats}", "batch_norm",
         {"momentum": m, "eps": eps, "training": training}, ins, fn, [k for k in ins if k in ("input", "weight", "bias")])

for shape, norm, affine, eps in [((2, 3, 4, 5), [3, 4, 5], True, 1e-5), ((4, 6), [6], False, 1e-3), ((3, 1, 2), [1, 2], True, 1e-5), ((5,), [5], True, 1e-5)]:
    ins = {"input": r(*shape) * 2 - 1}
    if affine: ins["weight"] = r(*norm); ins["bias"] = r(*norm)
    case(f"layer_norm/{shape}_norm={norm}_affine={affine}", "layer_norm", {"eps": eps, "normalized_shape": norm}, ins,
         lambda input, weight=None, bias=None: {"out": F.layer_norm(input, norm, weight, bias, eps)}, list(ins))

for v, d, idx_shape, pad in [(7, 4, (2, 3, 2), None), (4, 3, (5,), 3), (5, 1, (3, 3), -1), (3, 2, (0,), None)]:
    idx = torch.randint(0, v, idx_shape)
    if idx.numel() > 2: idx.view(-1)[0] = idx.view(-1)[1]   # a repeat
    case(f"embedding/{v}x{d}_idx={idx_shape}_pad={pad}", "embedding", {"padding_idx": pad}, {"input": idx, "weight": r(v, d)},
         lambda input, weight: {"out": F.embedding(input, weight, pad)}, ["weight"])

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers_extra.json")
json.dump({"format": "pytorch-golden/1", "set": "cajal-extra", "group": "layers", "torch_version": torch.__version__,
           "dtype": "float64", "generator": "gen_layers_extra.py", "cases": cases}, open(path, "w"))
print(len(cases), "cases ->", path)
