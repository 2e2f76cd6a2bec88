# Generates tests/golden-extra/optim_extra.json: more PyTorch optimizer cases (other shapes, seeds, more steps,
# maximize, weight decay, nesterov with dampening 0, centered RMSprop with momentum, lr_decay, AMSGrad with a sharp
# drop of the grads, a parameter without a grad at one step) in the pytorch-golden/1 optimizer-case format.
# Run: /usr/bin/python3 tests/golden-extra/gen_optim_extra.py  (Debian python3-torch 1.13, single-tensor code path)
import json, torch
torch.set_default_dtype(torch.float64)

def T(t):
    return {"dtype": "float64", "shape": list(t.shape), "data": [float(v) for v in t.flatten().tolist()]}

cases = []
def case(op, desc, cls, attrs, shapes, steps, seed, scales=None, skip=None):
    """skip: set of (step, param) pairs whose grad is None at that step."""
    g = torch.Generator().manual_seed(seed)
    params = [torch.randn(s, generator=g).requires_grad_() for s in shapes]
    before = [p.detach().clone() for p in params]
    kwargs = {k: (tuple(v) if k == "betas" else v) for k, v in attrs.items()}
    opt = cls(params, **kwargs)
    step_grads, after = [], []
    for k in range(steps):
        scale = scales[k] if scales else 1.0
        grads = []
        for j, p in enumerate(params):
            if skip and (k, j) in skip:
                p.grad = None
                grads.append(None)
            else:
                gr = torch.randn(p.shape, generator=g) * scale
                p.grad = gr.clone()
                grads.append(T(gr))
        opt.step()
        step_grads.append(grads)
        after.append([T(p.detach()) for p in params])
    cases.append({"name": f"{op}/{desc}", "op": op, "attributes": attrs, "params_before": [T(b) for b in before],
                  "step_grads": step_grads, "params_after": after})

O = torch.optim
def sgd(lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    return dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False):
    return dict(lr=lr, betas=list(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
def rms(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False):
    return dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered, maximize=maximize)
def ada(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False):
    return dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)

S1 = [[5], [3, 4]]
S2 = [[2, 2, 3], [], [7]]
S3 = [[17], [4, 5]]          # longer than a vector width: exercises the SIMD body and tail
drop = [1, 0.01, 1, 0.001, 0.5, 1]

case("optim.sgd", "maximize_momentum", O.SGD, sgd(0.05, momentum=0.7, maximize=True), S1, 5, 11)
case("optim.sgd", "nesterov_wd_maximize", O.SGD, sgd(0.02, momentum=0.95, weight_decay=0.05, nesterov=True, maximize=True), S2, 6, 12)
case("optim.sgd", "dampening_wd", O.SGD, sgd(0.1, momentum=0.5, dampening=0.3, weight_decay=0.2), S3, 6, 13)
case("optim.sgd", "plain_wd_skip", O.SGD, sgd(0.3, momentum=0.9, weight_decay=1e-3), S1, 5, 14, skip={(1, 0), (2, 1)})
case("optim.adam", "maximize_wd", O.Adam, adam(0.02, weight_decay=0.05, maximize=True), S1, 6, 21)
case("optim.adam", "amsgrad_maximize_drop", O.Adam, adam(0.05, betas=(0.7, 0.95), amsgrad=True, maximize=True), S3, 6, 22, scales=drop)
case("optim.adam", "eps_large_betas", O.Adam, adam(0.1, betas=(0.5, 0.6), eps=0.1), S2, 6, 23)
case("optim.adam", "skip_first", O.Adam, adam(0.01, weight_decay=0.01), S1, 5, 24, skip={(0, 1), (3, 0)})
case("optim.adamw", "wd_maximize", O.AdamW, adam(0.03, weight_decay=0.3, maximize=True), S3, 6, 31)
case("optim.adamw", "amsgrad_wd_drop", O.AdamW, adam(0.01, betas=(0.8, 0.9), weight_decay=0.2, amsgrad=True), S1, 6, 32, scales=drop)
case("optim.adamw", "defaults_long", O.AdamW, adam(weight_decay=0.01), S2, 8, 33)
case("optim.rmsprop", "centered_momentum_wd", O.RMSprop, rms(0.02, alpha=0.9, weight_decay=0.1, momentum=0.8, centered=True), S3, 6, 41)
case("optim.rmsprop", "centered_maximize", O.RMSprop, rms(0.005, alpha=0.95, centered=True, maximize=True), S1, 6, 42)
case("optim.rmsprop", "momentum_maximize_eps", O.RMSprop, rms(0.01, eps=1e-3, momentum=0.5, maximize=True), S2, 6, 43)
case("optim.rmsprop", "alpha_half_skip", O.RMSprop, rms(0.05, alpha=0.5, weight_decay=0.01), S1, 5, 44, skip={(2, 0)})
case("optim.adagrad", "lr_decay_wd", O.Adagrad, ada(0.2, lr_decay=0.05, weight_decay=0.1), S3, 7, 51)
case("optim.adagrad", "initial_acc_maximize", O.Adagrad, ada(0.1, initial_accumulator_value=0.5, maximize=True), S1, 6, 52)
case("optim.adagrad", "all_options", O.Adagrad, ada(0.3, lr_decay=0.2, weight_decay=0.05, initial_accumulator_value=0.2, eps=1e-6, maximize=True), S2, 6, 53)
case("optim.adagrad", "skip_then_step", O.Adagrad, ada(0.1, lr_decay=0.5), S1, 5, 54, skip={(0, 0), (1, 0)})

out = {"format": "pytorch-golden/1", "set": "extra", "group": "optim", "torch_version": torch.__version__, "dtype": "float64",
       "generator": "gen_optim_extra.py", "cases": cases}
with open(__file__.replace("gen_optim_extra.py", "optim_extra.json"), "w") as f:
    f.write('{' + ', '.join(f'"{k}": {json.dumps(v)}' for k, v in out.items() if k != "cases") + ', "cases": [\n')
    f.write(',\n'.join(json.dumps(c) for c in cases))
    f.write('\n]}\n')
print(len(cases), "cases")
