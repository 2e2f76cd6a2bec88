# Generates tests/golden-extra/schedulers/schedulers.json (its own folder: it is not in the pytorch-golden/1
# format that `cajal parity` reads from tests/golden-extra): learning-rate (and momentum) sequences of PyTorch 1.13's schedulers.
# Each case names an optimizer (type, per-group lr, options), the schedulers with their keyword arguments, and
# optionally SequentialLR milestones or ReduceLROnPlateau metrics. "lr"[0] is the groups' rates right after the
# scheduler(s) are built; "lr"[k] after the k-th scheduler.step() (each preceded by optimizer.step(), as in training).
# "momentum" holds SGD/RMSprop momentum or Adam's beta1 in the same rows when OneCycleLR cycles it.
# Run: /usr/bin/python3 tests/golden-extra/schedulers/gen_schedulers.py
import json, warnings, torch
import torch.optim.lr_scheduler as L
warnings.simplefilter("ignore")

def make_optimizer(spec):
    params = [[torch.zeros(2, requires_grad=True)] for _ in spec["lr"]]
    groups = [{"params": p, "lr": lr} for p, lr in zip(params, spec["lr"])]
    kw = {k: v for k, v in spec.items() if k not in ("type", "lr")}
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[spec["type"]]
    return cls(groups, lr=spec["lr"][0], **kw)

def build(opt, s):
    kw = {k: v for k, v in s.items() if k != "type"}
    return getattr(L, s["type"])(opt, **kw)

def momentum_of(opt):
    g = opt.param_groups
    return [grp["betas"][0] if "betas" in grp else grp.get("momentum") for grp in g]

cases = []
def case(name, optimizer, schedulers, steps, milestones=None, metrics=None, record_momentum=False):
    opt = make_optimizer(optimizer)
    scheds = [build(opt, s) for s in schedulers]
    runner = scheds
    if milestones is not None:
        runner = [L.SequentialLR(opt, scheds, milestones=milestones)]
    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momentum_of(opt)]
    for k in range(steps):
        opt.step()
        for s in runner:
            if metrics is not None: s.step(metrics[k])
            else: s.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(momentum_of(opt))
    c = {"name": name, "optimizer": optimizer, "schedulers": schedulers, "steps": steps, "lr": lrs}
    if milestones is not None: c["milestones"] = milestones
    if metrics is not None: c["metrics"] = metrics
    if record_momentum: c["momentum"] = moms
    cases.append(c)

sgd2 = {"type": "sgd", "lr": [0.1, 0.02], "momentum": 0.9}
sgd1 = {"type": "sgd", "lr": [0.05]}
case("step_lr", sgd2, [{"type": "StepLR", "step_size": 3, "gamma": 0.5}], 13)
case("multistep_lr_repeated_milestone", sgd2, [{"type": "MultiStepLR", "milestones": [2, 5, 5, 9], "gamma": 0.3}], 12)
case("exponential_lr", sgd1, [{"type": "ExponentialLR", "gamma": 0.9}], 30)
case("cosine_past_tmax", sgd2, [{"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.001}], 35)
case("cosine_eta0", sgd1, [{"type": "CosineAnnealingLR", "T_max": 7}], 16)
case("linear_warmup", sgd2, [{"type": "LinearLR", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 4}], 8)
case("linear_decay", sgd1, [{"type": "LinearLR", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 5}], 8)
case("linear_defaults", sgd1, [{"type": "LinearLR"}], 7)
case("chained_exponential_and_step", sgd2, [{"type": "ExponentialLR", "gamma": 0.95}, {"type": "StepLR", "step_size": 4, "gamma": 0.5}], 12)
case("sequential_warmup_cosine", sgd2, [{"type": "LinearLR", "start_factor": 0.1, "total_iters": 3}, {"type": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.0005}], 16, milestones=[3])
case("sequential_three", sgd1, [{"type": "LinearLR", "start_factor": 0.5, "total_iters": 2}, {"type": "ExponentialLR", "gamma": 0.8}, {"type": "StepLR", "step_size": 2, "gamma": 0.1}], 12, milestones=[2, 6])
case("onecycle_cos_sgd", {"type": "sgd", "lr": [0.1, 0.2], "momentum": 0.9}, [{"type": "OneCycleLR", "max_lr": [0.5, 1.0], "total_steps": 20}], 20, record_momentum=True)
case("onecycle_linear_adam", {"type": "adam", "lr": [0.001]}, [{"type": "OneCycleLR", "max_lr": 0.01, "total_steps": 15, "anneal_strategy": "linear", "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0}], 15, record_momentum=True)
case("onecycle_three_phase_rmsprop", {"type": "rmsprop", "lr": [0.01], "momentum": 0.5}, [{"type": "OneCycleLR", "max_lr": 0.1, "total_steps": 24, "three_phase": True, "base_momentum": 0.8, "max_momentum": 0.9}], 24, record_momentum=True)
case("onecycle_no_momentum_adagrad", {"type": "adagrad", "lr": [0.01]}, [{"type": "OneCycleLR", "max_lr": 0.3, "total_steps": 10, "cycle_momentum": False, "pct_start": 0.4}], 10)
case("onecycle_skipped_warmup", sgd1, [{"type": "OneCycleLR", "max_lr": 0.4, "total_steps": 3}], 3, record_momentum=True)
m1 = [1.0, 0.9, 0.95, 0.91, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76]
case("plateau_min_rel_cooldown", sgd2, [{"type": "ReduceLROnPlateau", "mode": "min", "factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.004}], len(m1), metrics=m1)
m2 = [0.1, 0.2, 0.25, 0.26, 0.27, 0.5, 0.55, 0.55, 0.56, 0.9, 0.91, 0.92]
case("plateau_max_abs", sgd1, [{"type": "ReduceLROnPlateau", "mode": "max", "threshold_mode": "abs", "threshold": 0.1, "patience": 1, "factor": 0.3}], len(m2), metrics=m2)
m3 = [5.0] * 14
case("plateau_eps_stops_tiny_changes", {"type": "sgd", "lr": [1e-7]}, [{"type": "ReduceLROnPlateau", "patience": 0, "factor": 0.5, "eps": 1e-8}], len(m3), metrics=m3)

with open(__file__.replace("gen_schedulers.py", "schedulers.json"), "w") as f:
    f.write('{"format": "cajal-schedulers/1", "torch_version": "%s", "generator": "gen_schedulers.py", "cases": [\n' % torch.__version__)
    f.write(',\n'.join(json.dumps(c) for c in cases))
    f.write('\n]}\n')
print(len(cases), "cases")
