# Generates tests/golden-extra/losses_extra.json: more PyTorch cases for the losses and the entropy op, with
# other shapes, seeds and attribute values than the shared goldens: K-dimensional and unbatched cross-entropy,
# label smoothing with weights and ignore_index together, probability targets with weights and smoothing,
# BCE weight shapes, pos_weight broadcasting, large logits, thresholds hit exactly, KL with zero targets.
# Format: pytorch-golden/1 (see shared/golden/pytorch/README.md).
# Run: /usr/bin/python3 tests/golden-extra/gen_losses_extra.py  (Debian python3-torch 1.13)
import json, math, os
import torch
import torch.nn.functional as F

torch.manual_seed(20240613)
torch.set_default_dtype(torch.float64)
CONST = {"weight", "pos_weight"}          # constants: no grads stored, as in the shared goldens


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


def case(name, op, attrs, inputs, fn, no_grad=(), tags=None):
    ins = {k: v.clone().requires_grad_(v.dtype == torch.float64 and k not in CONST) for k, v in inputs.items()}
    outs = fn(**ins)
    if not isinstance(outs, dict): outs = {"out": outs}
    ups = {k: torch.randn(v.shape) for k, v in outs.items() if v.requires_grad and k != "bits"}
    grads = {}
    if ups:
        sum((outs[k] * ups[k]).sum() for k in ups).backward()
        for k, v in ins.items():
            if v.requires_grad and k not in no_grad:
                grads[k] = T(v.grad if v.grad is not None else torch.zeros_like(v))
    c = {"name": name, "op": op, "attributes": attrs, "inputs": {k: T(v) for k, v in inputs.items()},
         "outputs": {k: T(v) for k, v in outs.items()}, "upstream": {k: T(v) for k, v in ups.items()}, "grads": grads}
    if tags: c["tags"] = tags
    cases.append(c)


r = torch.randn
REDS = ["none", "mean", "sum"]

# ---- regression losses
for shape in [(2, 3, 4), (7,), (), (1, 5)]:
    for red in REDS:
        x, t = r(shape) * 2, r(shape) * 2
        case(f"mse_loss/{shape}_{red}", "mse_loss", {"reduction": red}, {"input": x, "target": t},
             lambda input, target: F.mse_loss(input, target, reduction=red))
        case(f"l1_loss/{shape}_{red}", "l1_loss", {"reduction": red}, {"input": x, "target": t},
             lambda input, target: F.l1_loss(input, target, reduction=red))
    for beta in [0.3, 2.5, 0.0]:
        x, t = r(shape) * 2, r(shape)
        red = "mean" if beta != 0.3 else "none"
        case(f"smooth_l1_loss/{shape}_{red}_beta={beta}", "smooth_l1_loss", {"reduction": red, "beta": beta},
             {"input": x, "target": t}, lambda input, target: F.smooth_l1_loss(input, target, reduction=red, beta=beta))
    for delta in [0.5, 3.0]:
        x, t = r(shape) * 3, r(shape)
        red = "sum" if delta == 0.5 else "none"
        case(f"huber_loss/{shape}_{red}_delta={delta}", "huber_loss", {"reduction": red, "delta": delta},
             {"input": x, "target": t}, lambda input, target: F.huber_loss(input, target, reduction=red, delta=delta))
x = torch.tensor([0.7, -0.7, 0.2, -3.0, 0.0]); t = torch.zeros(5)
case("smooth_l1_loss/at_beta", "smooth_l1_loss", {"reduction": "none", "beta": 0.7}, {"input": x, "target": t},
     lambda input, target: F.smooth_l1_loss(input, target, reduction="none", beta=0.7), tags=["edge", "nonsmooth"])
case("huber_loss/at_delta", "huber_loss", {"reduction": "sum", "delta": 0.7}, {"input": x, "target": t},
     lambda input, target: F.huber_loss(input, target, reduction="sum", delta=0.7), tags=["edge", "nonsmooth"])
case("sse_loss/2x3x2", "sse_loss", {}, {"input": r(2, 3, 2), "target": r(2, 3, 2)}, lambda input, target: ((input - target) ** 2).sum())

# ---- binary cross-entropy
for wshape in [None, (4,), (3, 1), (2, 3, 4), (1,)]:
    for red in REDS:
        x = torch.rand(2, 3, 4) * 0.98 + 0.01; t = torch.rand(2, 3, 4)
        ins = {"input": x, "target": t}
        if wshape: ins["weight"] = torch.rand(wshape) * 2
        case(f"binary_cross_entropy/2x3x4_w={wshape}_{red}", "binary_cross_entropy", {"reduction": red}, ins,
             lambda input, target, weight=None: F.binary_cross_entropy(input, target, weight, reduction=red))
x = torch.tensor([0.0, 1.0, 1e-30, 1 - 1e-12, 0.25, 1e-7]); t = torch.tensor([0.3, 0.6, 0.0, 1.0, 0.25, 0.5])
case("binary_cross_entropy/clamp_soft_sum", "binary_cross_entropy", {"reduction": "sum"}, {"input": x, "target": t},
     lambda input, target: F.binary_cross_entropy(input, target, reduction="sum"), no_grad=("target",), tags=["edge", "nonsmooth"])
case("binary_cross_entropy/scalar", "binary_cross_entropy", {"reduction": "mean"}, {"input": torch.tensor(0.3), "target": torch.tensor(1.0)},
     lambda input, target: F.binary_cross_entropy(input, target))

for wshape, pshape in [(None, (4,)), ((4,), (4,)), ((2, 1, 1), (1,)), ((3, 4), (4,)), (None, None), ((2, 3, 4), (3, 1))]:
    for red in REDS:
        x = r(2, 3, 4) * 4; t = torch.rand(2, 3, 4)
        ins = {"input": x, "target": t}
        if wshape: ins["weight"] = torch.rand(wshape) * 2
        if pshape: ins["pos_weight"] = torch.rand(pshape) * 3 + 0.1
        case(f"binary_cross_entropy_with_logits/2x3x4_w={wshape}_pw={pshape}_{red}", "binary_cross_entropy_with_logits", {"reduction": red}, ins,
             lambda input, target, weight=None, pos_weight=None: F.binary_cross_entropy_with_logits(input, target, weight, reduction=red, pos_weight=pos_weight))
x = torch.tensor([[-1000.0, -100.0, -30.0, 0.5], [1000.0, 100.0, 30.0, -0.5]]); t = torch.tensor([[0.2, 1.0, 0.5, 0.0], [0.7, 0.0, 1.0, 0.3]])
for pw in [None, torch.tensor([0.5, 2.0, 3.0, 1.5])]:
    ins = {"input": x, "target": t}
    if pw is not None: ins["pos_weight"] = pw
    case(f"binary_cross_entropy_with_logits/large_pw={pw is not None}", "binary_cross_entropy_with_logits", {"reduction": "none"}, ins,
         lambda input, target, pos_weight=None: F.binary_cross_entropy_with_logits(input, target, reduction="none", pos_weight=pos_weight), tags=["edge"])

# ---- cross-entropy and NLL with class indices
def ce(red, ii, ls, has_w):
    return lambda input, target, weight=None: F.cross_entropy(input, target, weight, ignore_index=ii, reduction=red, label_smoothing=ls)

C = 4
for red in REDS:
    for ii, ls, has_w in [(-100, 0.0, True), (2, 0.15, True), (-100, 0.3, False), (-1, 0.05, True)]:
        x = r(2, C, 3, 2) * 2
        tg = torch.randint(0, C, (2, 3, 2)); tg[0, 1, 0] = ii if ii != -100 else -100; tg[1, 2, 1] = ii
        ins = {"input": x, "target": tg}
        if has_w: ins["weight"] = torch.rand(C) + 0.2
        attrs = {"reduction": red, "ignore_index": ii, "label_smoothing": ls}
        case(f"cross_entropy/2x4x3x2_{red}_ii={ii}_ls={ls}_w={has_w}", "cross_entropy", attrs, ins, ce(red, ii, ls, has_w))
        nattrs = {"reduction": red, "ignore_index": ii}
        case(f"nll_loss/2x4x3x2_{red}_ii={ii}_w={has_w}", "nll_loss", nattrs, {**ins, "input": F.log_softmax(x, 1)},
             lambda input, target, weight=None: F.nll_loss(input, target, weight, ignore_index=ii, reduction=red))
for red in REDS:
    x = r(6); w = torch.rand(6) + 0.5
    case(f"cross_entropy/unbatched_6_{red}_w_ls", "cross_entropy", {"reduction": red, "ignore_index": -100, "label_smoothing": 0.2},
         {"input": x, "target": torch.tensor(4), "weight": w}, ce(red, -100, 0.2, True))
    case(f"nll_loss/unbatched_6_{red}", "nll_loss", {"reduction": red, "ignore_index": -100},
         {"input": F.log_softmax(x, 0), "target": torch.tensor(2), "weight": w},
         lambda input, target, weight: F.nll_loss(input, target, weight, reduction=red))
    case(f"cross_entropy/unbatched_probs_5_{red}", "cross_entropy", {"reduction": red, "ignore_index": -100, "label_smoothing": 0.1},
         {"input": r(5), "target": torch.softmax(r(5), 0)}, ce(red, -100, 0.1, False))
x = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [100.0, 99.0, -100.0], [-500.0, 500.0, 499.0]])
tg = torch.tensor([1, 2, 0, 2])
for ls in [0.0, 0.25]:
    case(f"cross_entropy/large_logits_ls={ls}", "cross_entropy", {"reduction": "none", "ignore_index": -100, "label_smoothing": ls},
         {"input": x, "target": tg, "weight": torch.tensor([0.5, 2.0, 1.0])}, ce("none", -100, ls, True), tags=["edge"])
    case(f"cross_entropy/large_logits_probs_ls={ls}", "cross_entropy", {"reduction": "mean", "ignore_index": -100, "label_smoothing": ls},
         {"input": x, "target": torch.softmax(r(4, 3), 1)}, ce("mean", -100, ls, False), tags=["edge"])
for red in REDS:
    for shape, has_w, ls in [((3, 5), True, 0.2), ((2, 4, 3), True, 0.1), ((2, 3, 2, 2), False, 0.0), ((4, 3), True, 0.0)]:
        x = r(shape) * 2; t = torch.softmax(r(shape) * 2, 1)
        ins = {"input": x, "target": t}
        if has_w: ins["weight"] = torch.rand(shape[1]) + 0.3
        case(f"cross_entropy/probs_{shape}_{red}_w={has_w}_ls={ls}", "cross_entropy", {"reduction": red, "ignore_index": -100, "label_smoothing": ls},
             ins, ce(red, -100, ls, has_w))
for red, ii in [("mean", 1), ("sum", -100), ("none", 3)]:
    x = r(3, 4, 5); tg = torch.randint(0, 4, (3, 5)); tg[0, 0] = 1; tg[2, 3] = 3
    case(f"cross_entropy_vs_nll/3x4x5_{red}_ii={ii}", "cross_entropy_vs_nll", {"reduction": red, "ignore_index": ii},
         {"input": x, "target": tg, "weight": torch.rand(4) + 0.1},
         lambda input, target, weight: {"cross_entropy": F.cross_entropy(input, target, weight, ignore_index=ii, reduction=red),
                                        "nll_log_softmax": F.nll_loss(F.log_softmax(input, 1), target, weight, ignore_index=ii, reduction=red)})

# ---- KL divergence
for red in ["none", "mean", "sum", "batchmean"]:
    for lt in [False, True]:
        x = F.log_softmax(r(2, 3, 4), -1)
        t = torch.softmax(r(2, 3, 4), -1)
        if lt: t = t.log()
        case(f"kl_div/2x3x4_{red}_lt={lt}", "kl_div", {"reduction": red, "log_target": lt}, {"input": x, "target": t},
             lambda input, target: F.kl_div(input, target, reduction=red, log_target=lt))
t = torch.tensor([0.0, 0.5, 0.0, 0.25, 0.25]); x = F.log_softmax(r(5), 0)
case("kl_div/5_zero_target_sum", "kl_div", {"reduction": "sum", "log_target": False}, {"input": x, "target": t},
     lambda input, target: F.kl_div(input, target, reduction="sum"), no_grad=("target",), tags=["edge"])

# ---- the article's clipped BCE
for eps in [1e-3, 1e-7]:
    p = torch.tensor([[0.0, 1e-4, 0.5], [0.9995, 1.0, 0.3], [0.001, 0.999, 0.7]]); y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.5], [1.0, 0.0, 0.2]])
    case(f"bce_clipped/3x3_eps={eps}", "bce_clipped", {"eps": eps}, {"input": p, "target": y},
         lambda input, target: (lambda q: -(target * torch.log(q) + (1 - target) * torch.log(1 - q)).mean())(torch.clamp(input, eps, 1 - eps)),
         tags=["edge", "nonsmooth"])

# ---- information theory
def info(q):
    def f(p, q_=None):
        if q == "entropy": nats = -torch.xlogy(p, p).sum(-1)
        elif q == "cross_entropy": nats = -(p * torch.log(q_)).sum(-1)
        else: nats = (torch.xlogy(p, p) - p * torch.log(q_)).sum(-1)
        return {"nats": nats, "bits": nats / math.log(2)}
    return f

for shape in [(2, 3, 4), (6,), (1, 2)]:
    p = torch.softmax(r(shape) * 2, -1); q = torch.softmax(r(shape) * 2, -1)
    case(f"entropy/{shape}_entropy", "entropy", {"quantity": "entropy"}, {"p": p}, info("entropy"))
    case(f"entropy/{shape}_cross_entropy", "entropy", {"quantity": "cross_entropy"}, {"p": p, "q": q},
         lambda p, q: info("cross_entropy")(p, q))
    case(f"entropy/{shape}_kl_div", "entropy", {"quantity": "kl_div"}, {"p": p, "q": q}, lambda p, q: info("kl_div")(p, q))
p = torch.tensor([[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]); q = torch.tensor([[0.25, 0.25, 0.5], [0.1, 0.8, 0.1]])
case("entropy/zeros_in_p_kl", "entropy", {"quantity": "kl_div"}, {"p": p, "q": q}, lambda p, q: info("kl_div")(p, q), no_grad=("p",), tags=["edge"])

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses_extra.json")
with open(out, "w") as fh:
    fh.write('{"format": "pytorch-golden/1", "set": "extra", "group": "losses", "torch_version": "%s", "dtype": "float64", '
             '"generator": "gen_losses_extra.py", "cases": [\n' % torch.__version__)
    fh.write(",\n".join(json.dumps(c) for c in cases))
    fh.write("\n]}\n")
print(len(cases), "cases ->", out)
