# Generates tests/golden-extra/conv_extra.json: more PyTorch cases for conv2d, conv_transpose2d, max_pool2d,
# avg_pool2d and adaptive_avg_pool2d (odd sizes, unbatched inputs, groups, dilation, padding='same', ceil_mode,
# count_include_pad, divisor_override, ties and -inf, adaptive output sizes that overlap) in the pytorch-golden/1 format.
# Run: /usr/bin/python3 tests/golden-extra/gen_conv_extra.py  (Debian python3-torch 1.13)
import json, math, os
import torch
import torch.nn.functional as F

torch.manual_seed(20240611)
torch.set_default_dtype(torch.float64)


def T(t):
    if t.dtype == torch.int64:
        return {"dtype": "int64", "shape": list(t.shape), "data": [int(v) for v in t.flatten().tolist()]}
    data = []
    for v in t.detach().flatten().tolist():
        if math.isnan(v): data.append("NaN")
        elif math.isinf(v): data.append("Infinity" if v > 0 else "-Infinity")
        else: data.append(v)
    return {"dtype": "float64", "shape": list(t.shape), "data": data}


cases = []


def case(name, op, attrs, inputs, fn, tags=None):
    ins = {k: v.clone().requires_grad_(v.dtype == torch.float64) for k, v in inputs.items()}
    outs = fn(**ins)
    if not isinstance(outs, dict): outs = {"out": outs}
    ups = {k: torch.randn(v.shape) for k, v in outs.items() if v.dtype == torch.float64 and v.requires_grad}
    L = sum((outs[k] * ups[k]).sum() for k in ups)
    L.backward()
    grads = {k: T(v.grad if v.grad is not None else torch.zeros_like(v)) for k, v in ins.items() if v.dtype == torch.float64}
    c = {"name": name, "op": op, "attributes": attrs, "inputs": {k: T(v) for k, v in inputs.items()},
         "outputs": {k: T(v) for k, v in outs.items()}, "upstream": {k: T(v) for k, v in ups.items()}, "grads": grads}
    if tags: c["tags"] = tags
    cases.append(c)


r = torch.randn
shp = lambda s: "x".join(map(str, s))

# conv2d: (input shape, Cout, kernel, stride, padding, dilation, groups, bias)
for x_shape, cout, k, s, p, d, g, bias in [
    ((1, 1, 1, 1), 1, (1, 1), [1, 1], [0, 0], [1, 1], 1, True),
    ((2, 1, 7, 3), 2, (3, 1), [2, 1], [1, 0], [1, 1], 1, True),
    ((3, 2, 7, 7), 3, (3, 3), [3, 2], [2, 1], [1, 1], 1, False),
    ((1, 3, 6, 5), 4, (2, 2), [1, 1], [0, 0], [2, 3], 1, True),
    ((2, 4, 5, 5), 8, (3, 3), [2, 2], [1, 1], [1, 1], 4, True),
    ((1, 6, 4, 7), 4, (1, 3), [1, 2], [0, 2], [1, 1], 2, False),
    ((2, 2, 3, 3), 4, (5, 5), [1, 1], [2, 2], [1, 1], 2, True),
    ((1, 3, 2, 9), 2, (2, 4), [1, 3], [1, 3], [1, 2], 1, True),
    ((1, 5, 7, 6), 5, (3, 3), [1, 1], [3, 3], [3, 3], 5, False),
    ((4, 3, 3, 4), 2, (1, 1), [2, 2], [0, 1], [1, 1], 1, True),
]:
    inputs = {"input": r(x_shape), "weight": r(cout, x_shape[1] // g, *k)}
    if bias: inputs["bias"] = r(cout)
    attrs = {"stride": s, "padding": p, "dilation": d, "groups": g}
    case(f"conv2d/{shp(x_shape)}_oc={cout}_k={shp(k)}_s={shp(s)}_p={shp(p)}_d={shp(d)}_g={g}_bias={bias}", "conv2d", attrs, inputs,
         lambda input, weight, bias=None: F.conv2d(input, weight, bias, s, p, d, g))
# unbatched input (C, H, W)
case("conv2d/unbatched_3x5x4", "conv2d", {"stride": [1, 2], "padding": [1, 1], "dilation": [1, 1], "groups": 1},
     {"input": r(3, 5, 4), "weight": r(2, 3, 3, 2), "bias": r(2)},
     lambda input, weight, bias: F.conv2d(input, weight, bias, [1, 2], [1, 1]))
# padding='same' (odd total padding puts the extra row/column at the bottom/right) and 'valid'
for x_shape, cout, k, d, g in [((1, 2, 5, 6), 3, (2, 4), [1, 1], 1), ((2, 2, 6, 5), 2, (3, 2), [2, 3], 2), ((1, 1, 4, 4), 1, (4, 3), [1, 2], 1)]:
    case(f"conv2d/same_{shp(x_shape)}_k={shp(k)}_d={shp(d)}_g={g}", "conv2d", {"stride": [1, 1], "padding": "same", "dilation": d, "groups": g},
         {"input": r(x_shape), "weight": r(cout, x_shape[1] // g, *k), "bias": r(cout)},
         lambda input, weight, bias: F.conv2d(input, weight, bias, 1, "same", d, g))
case("conv2d/valid_1x2x5x5", "conv2d", {"stride": [2, 2], "padding": "valid", "dilation": [1, 1], "groups": 1},
     {"input": r(1, 2, 5, 5), "weight": r(3, 2, 3, 3)}, lambda input, weight: F.conv2d(input, weight, None, 2, "valid"))

# conv_transpose2d: (input shape, Cout, kernel, stride, padding, output_padding, dilation, groups, bias)
for x_shape, cout, k, s, p, op, d, g, bias in [
    ((1, 1, 1, 1), 1, (1, 1), [1, 1], [0, 0], [0, 0], [1, 1], 1, True),
    ((2, 2, 3, 4), 3, (3, 3), [3, 2], [1, 0], [2, 1], [1, 1], 1, True),
    ((1, 4, 3, 3), 6, (2, 3), [2, 2], [0, 1], [0, 1], [1, 1], 2, False),
    ((1, 3, 2, 5), 2, (3, 2), [1, 2], [2, 0], [1, 0], [2, 1], 1, True),
    ((2, 4, 4, 2), 4, (3, 3), [2, 1], [1, 1], [1, 0], [2, 2], 4, True),
    ((1, 2, 7, 1), 1, (1, 1), [2, 3], [0, 0], [1, 2], [1, 1], 1, False),
]:
    inputs = {"input": r(x_shape), "weight": r(x_shape[1], cout // g, *k)}
    if bias: inputs["bias"] = r(cout)
    attrs = {"stride": s, "padding": p, "output_padding": op, "groups": g, "dilation": d}
    case(f"conv_transpose2d/{shp(x_shape)}_oc={cout}_k={shp(k)}_s={shp(s)}_p={shp(p)}_op={shp(op)}_d={shp(d)}_g={g}_bias={bias}",
         "conv_transpose2d", attrs, inputs,
         lambda input, weight, bias=None: F.conv_transpose2d(input, weight, bias, s, p, op, g, d))
case("conv_transpose2d/unbatched_2x3x3", "conv_transpose2d",
     {"stride": [2, 2], "padding": [1, 1], "output_padding": [1, 1], "groups": 1, "dilation": [1, 1]},
     {"input": r(2, 3, 3), "weight": r(2, 3, 3, 3), "bias": r(3)},
     lambda input, weight, bias: F.conv_transpose2d(input, weight, bias, 2, 1, 1))

# max_pool2d and avg_pool2d: (input shape, kernel, stride, padding, dilation, ceil_mode)
pools = [
    ((1, 1, 1, 1), [1, 1], [1, 1], [0, 0], [1, 1], False),
    ((2, 3, 7, 7), [3, 3], [2, 2], [1, 1], [1, 1], True),
    ((1, 2, 5, 5), [2, 2], [2, 2], [0, 0], [1, 1], True),
    ((1, 2, 6, 6), [3, 3], [3, 3], [1, 1], [1, 1], True),
    ((1, 2, 5, 5), [2, 2], [2, 2], [1, 1], [1, 1], True),   # ceil mode drops the window that would start in the right padding
    ((1, 1, 8, 9), [3, 2], [2, 3], [1, 1], [2, 2], False),
    ((2, 1, 7, 5), [2, 3], [1, 2], [1, 0], [3, 1], True),
    ((1, 2, 3, 10), [1, 4], [1, 3], [0, 2], [1, 1], True),
    ((1, 1, 9, 4), [5, 2], [4, 1], [2, 1], [1, 1], False),
]
for x_shape, k, s, p, d, ceil in pools:
    attrs = {"kernel_size": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil}
    case(f"max_pool2d/{shp(x_shape)}_k={shp(k)}_s={shp(s)}_p={shp(p)}_d={shp(d)}_ceil={ceil}", "max_pool2d", attrs, {"input": r(x_shape)},
         lambda input: dict(zip(["out", "indices"], F.max_pool2d(input, k, s, p, d, ceil, return_indices=True))))
    if d == [1, 1]:
        for cip in [True, False]:
            attrs = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil, "count_include_pad": cip, "divisor_override": None}
            case(f"avg_pool2d/{shp(x_shape)}_k={shp(k)}_s={shp(s)}_p={shp(p)}_ceil={ceil}_cip={cip}", "avg_pool2d", attrs, {"input": r(x_shape)},
                 lambda input: F.avg_pool2d(input, k, s, p, ceil, cip))
for x_shape, k, s, p, ceil in [((1, 2, 5, 5), [3, 3], [2, 2], [1, 1], True), ((2, 1, 4, 6), [2, 3], [2, 2], [0, 1], False)]:
    attrs = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil, "count_include_pad": True, "divisor_override": 5}
    case(f"avg_pool2d/{shp(x_shape)}_divisor_override=5", "avg_pool2d", attrs, {"input": r(x_shape)},
         lambda input: F.avg_pool2d(input, k, s, p, ceil, True, 5))
# stride None (defaults to the kernel), int attributes, unbatched input
case("max_pool2d/stride_none_unbatched_2x5x7", "max_pool2d", {"kernel_size": 2, "stride": None, "padding": 0, "dilation": 1, "ceil_mode": False},
     {"input": r(2, 5, 7)}, lambda input: dict(zip(["out", "indices"], F.max_pool2d(input, 2, None, return_indices=True))))
case("avg_pool2d/stride_none_unbatched_2x5x7", "avg_pool2d", {"kernel_size": 3, "stride": None, "padding": 1, "ceil_mode": True, "count_include_pad": False, "divisor_override": None},
     {"input": r(2, 5, 7)}, lambda input: F.avg_pool2d(input, 3, None, 1, True, False))
# ties and -inf: the first maximum in window order wins and takes the gradient
x = torch.randint(-1, 2, (1, 2, 6, 6)).double()
x[0, 0, 0, :] = -math.inf
case("max_pool2d/ties_and_neg_inf", "max_pool2d", {"kernel_size": [3, 3], "stride": [1, 2], "padding": [1, 1], "dilation": [1, 1], "ceil_mode": True},
     {"input": x}, lambda input: dict(zip(["out", "indices"], F.max_pool2d(input, 3, [1, 2], 1, 1, True, return_indices=True))),
     tags=["nonsmooth", "nonfinite"])

# adaptive_avg_pool2d: output sizes smaller, equal, larger (overlapping windows), int and None entries
for x_shape, out in [((2, 3, 5, 7), [2, 3]), ((1, 2, 7, 5), [7, 5]), ((1, 1, 3, 3), [4, 5]), ((2, 2, 6, 4), [3, 1]),
                     ((1, 3, 9, 9), [4, 4]), ((1, 1, 1, 5), [1, 2]), ((1, 2, 8, 6), 3), ((1, 2, 5, 6), [None, 4])]:
    case(f"adaptive_avg_pool2d/{shp(x_shape)}_out={out}", "adaptive_avg_pool2d", {"output_size": out}, {"input": r(x_shape)},
         lambda input: F.adaptive_avg_pool2d(input, out))
case("adaptive_avg_pool2d/unbatched_3x4x5_out=2x2", "adaptive_avg_pool2d", {"output_size": [2, 2]}, {"input": r(3, 4, 5)},
     lambda input: F.adaptive_avg_pool2d(input, [2, 2]))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_extra.json")
with open(path, "w") as f:
    f.write('{"format": "pytorch-golden/1", "set": "extra", "group": "convolution", "torch_version": ' + json.dumps(torch.__version__)
            + ', "dtype": "float64", "generator": "gen_conv_extra.py", "cases": [\n')
    f.write(",\n".join(json.dumps(c) for c in cases))
    f.write("\n]}\n")
print(len(cases), "cases ->", path)
