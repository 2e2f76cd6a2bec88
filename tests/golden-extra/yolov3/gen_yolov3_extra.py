# Generates tests/golden-extra/yolov3/*.json: a held-out set of YOLOv3 loss cases in the shared schema
# yolov3-loss-golden/1 (shared/golden/yolov3/README.md), with other shapes, seeds, anchors, masks, thresholds and
# batch sizes than the shared set. The reference below is written from the spec (shared/specs/yolov3-loss.md)
# alone, in float64 with torch autograd for the gradient; every case is checked against central finite
# differences and (keras) against darknet-style deltas.
# Guarantees, as the shared README: every unassigned position's best IoU is at least 1e-3 away from
# ignore_thresh (for tau = 0 every unassigned position of an image with boxes is ignored whatever its IoU);
# no box has a near-tie (< 1e-6) between its two best anchors; every box centre lies exactly on a cell edge or
# at least 1e-9 away from one, on every scale.
# Run: /usr/bin/python3 tests/golden-extra/yolov3/gen_yolov3_extra.py   (Debian python3-torch 1.13, numpy)
import json, math, os, re
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
STD_ANCHORS = [(10, 13), (16, 30), (33, 23), (30, 61), (62, 45), (59, 119), (116, 90), (156, 198), (373, 326)]


def sig(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def iou(a, b):  # centre-size, spec section 5
    ox = min(a[0] + a[2] / 2, b[0] + b[2] / 2) - max(a[0] - a[2] / 2, b[0] - b[2] / 2)
    oy = min(a[1] + a[3] / 2, b[1] + b[3] / 2) - max(a[1] - a[3] / 2, b[1] - b[3] / 2)
    inter = max(ox, 0.0) * max(oy, 0.0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def shape_ious(w, h, c):
    bw, bh = w * c["input_width"], h * c["input_height"]
    out = []
    for aw, ah in c["anchors"]:
        inter = min(bw, aw) * min(bh, ah)
        out.append(inter / (bw * bh + aw * ah - inter))
    return out


def assign(c):
    """Spec section 4: dict (s, b, a, j, i) -> target record, in first-assignment order."""
    held = {}
    for b, boxes in enumerate(c["boxes"]):
        for t, (cx, cy, w, h, cls) in enumerate(boxes):
            ious = shape_ious(w, h, c)
            k = max(range(len(ious)), key=lambda q: (ious[q], -q))  # lowest index wins a tie
            for s, sc in enumerate(c["scales"]):
                if k not in sc["anchor_mask"]:
                    continue
                a = sc["anchor_mask"].index(k)
                H, W = sc["grid_h"], sc["grid_w"]
                i = min(int(math.floor(cx * W)), W - 1)
                j = min(int(math.floor(cy * H)), H - 1)
                aw, ah = c["anchors"][k]
                rec = held.setdefault((s, b, a, j, i), {"classes": set()})
                rec.update(gt=t, k=k, target=[cx * W - i, cy * H - j, math.log(w * c["input_width"] / aw),
                                              math.log(h * c["input_height"] / ah)], lam=2 - w * h)
                rec["classes"].add(cls)
    return held


def best_ious(c, raws):
    """Best IoU of every position's decoded prediction against all boxes of its image (-inf when none)."""
    out = []
    for s, sc in enumerate(c["scales"]):
        H, W, A = sc["grid_h"], sc["grid_w"], len(sc["anchor_mask"])
        z = raws[s].detach().view(c["batch_size"], A, 5 + c["num_classes"], H, W).numpy()
        best = np.full((c["batch_size"], A, H, W), -np.inf)
        for b in range(c["batch_size"]):
            for a in range(A):
                aw, ah = c["anchors"][sc["anchor_mask"][a]]
                for j in range(H):
                    for i in range(W):
                        p = ((sig(z[b, a, 0, j, i]) + i) / W, (sig(z[b, a, 1, j, i]) + j) / H,
                             math.exp(z[b, a, 2, j, i]) * aw / c["input_width"], math.exp(z[b, a, 3, j, i]) * ah / c["input_height"])
                        for box in c["boxes"][b]:
                            best[b, a, j, i] = max(best[b, a, j, i], iou(p, box[:4]))
        out.append(best)
    return out


def bce(g, x):  # stable form of the spec
    return torch.clamp(x, min=0) - x * g + torch.log1p(torch.exp(-torch.abs(x)))


def loss(c, raws, held, nu):
    """Spec section 6-7 with torch ops; returns per-scale dicts of parts (already divided by N)."""
    N, C = c["batch_size"], c["num_classes"]
    per = []
    for s, sc in enumerate(c["scales"]):
        H, W, A = sc["grid_h"], sc["grid_w"], len(sc["anchor_mask"])
        z = raws[s].view(N, A, 5 + C, H, W)
        xy = wh = cl = torch.zeros(())
        obj_target = torch.zeros(N, A, H, W)
        assigned = torch.zeros(N, A, H, W)
        for (s2, b, a, j, i), r in held.items():
            if s2 != s:
                continue
            assigned[b, a, j, i] = 1
            gx, gy, gw, gh = r["target"]
            lam = r["lam"]
            if c["variant"] == "keras":
                xy = xy + lam * (bce(gx, z[b, a, 0, j, i]) + bce(gy, z[b, a, 1, j, i]))
            else:
                xy = xy + lam * 0.5 * ((torch.sigmoid(z[b, a, 0, j, i]) - gx) ** 2 + (torch.sigmoid(z[b, a, 1, j, i]) - gy) ** 2)
            wh = wh + lam * 0.5 * ((z[b, a, 2, j, i] - gw) ** 2 + (z[b, a, 3, j, i] - gh) ** 2)
            y = torch.tensor([1.0 if q in r["classes"] else 0.0 for q in range(C)])
            cl = cl + bce(y, z[b, a, 5:, j, i]).sum()
        weight = assigned + (1 - assigned) * torch.from_numpy(nu[s])
        target = assigned
        conf = (weight * bce(target, z[:, :, 4])).sum()
        per.append({"xy": xy / N, "wh": wh / N, "conf": conf / N, "class": cl / N})
    return per


def darknet_deltas(c, raws, held, nu):
    """DN-style deltas (target - output on the activated outputs, lambda on the box), as -N * gradient of keras."""
    N, C = c["batch_size"], c["num_classes"]
    out = []
    for s, sc in enumerate(c["scales"]):
        H, W, A = sc["grid_h"], sc["grid_w"], len(sc["anchor_mask"])
        z = raws[s].detach().view(N, A, 5 + C, H, W)
        d = torch.zeros_like(z)
        d[:, :, 4] = torch.from_numpy(nu[s]) * (0 - torch.sigmoid(z[:, :, 4]))
        for (s2, b, a, j, i), r in held.items():
            if s2 != s:
                continue
            lam = r["lam"]
            gx, gy, gw, gh = r["target"]
            d[b, a, 0, j, i] = lam * (gx - torch.sigmoid(z[b, a, 0, j, i]))
            d[b, a, 1, j, i] = lam * (gy - torch.sigmoid(z[b, a, 1, j, i]))
            d[b, a, 2, j, i] = lam * (gw - z[b, a, 2, j, i])
            d[b, a, 3, j, i] = lam * (gh - z[b, a, 3, j, i])
            d[b, a, 4, j, i] = 1 - torch.sigmoid(z[b, a, 4, j, i])
            for q in range(C):
                d[b, a, 5 + q, j, i] = (1.0 if q in r["classes"] else 0.0) - torch.sigmoid(z[b, a, 5 + q, j, i])
        out.append(d.reshape(raws[s].shape))
    return out


def check_guarantees(c):
    for b, boxes in enumerate(c["boxes"]):
        for t, (cx, cy, w, h, cls) in enumerate(boxes):
            assert 0 <= cx <= 1 and 0 <= cy <= 1 and 0 < w <= 1 and 0 < h <= 1 and 0 <= cls < c["num_classes"]
            ious = sorted(shape_ious(w, h, c), reverse=True)
            assert len(ious) < 2 or ious[0] - ious[1] >= 1e-6, f"anchor near-tie for box {t} of image {b}"
            for sc in c["scales"]:
                for v, n in ((cx, sc["grid_w"]), (cy, sc["grid_h"])):
                    f = v * n
                    dist = abs(f - round(f))
                    assert dist == 0 or dist >= 1e-9, f"centre within 1e-9 of a cell edge: box {t} of image {b}"


def make(name, description, seed, variant, tau, inp, classes, anchors, masks, grids, boxes, big_logits=0.0):
    rng = np.random.default_rng(seed)
    N = len(boxes)
    c = {"schema": "yolov3-loss-golden/1", "name": name, "description": description, "seed": seed,
         "variant": variant, "ignore_thresh": tau, "input_width": float(inp[0]), "input_height": float(inp[1]),
         "num_classes": classes, "batch_size": N, "anchors": [[float(w), float(h)] for w, h in anchors],
         "boxes": [[[float(cx), float(cy), float(w), float(h), int(k)] for cx, cy, w, h, k in img] for img in boxes],
         "scales": [{"grid_h": H, "grid_w": W, "anchor_mask": list(m), "shape": [N, len(m) * (5 + classes), H, W]}
                    for (H, W), m in zip(grids, masks)]}
    check_guarantees(c)
    raws = []
    for sc in c["scales"]:
        r = rng.normal(0.0, 1.2, size=sc["shape"])
        if big_logits:
            flat = r.reshape(-1)
            idx = rng.choice(flat.size, size=max(3, flat.size // 40), replace=False)
            flat[idx] = rng.uniform(-big_logits, big_logits, size=idx.size)
        raws.append(torch.tensor(r))
    held = assign(c)
    # Nudge t_w of positions whose best IoU lies within 1e-3 of tau until none does (tau = 0 needs nothing).
    for _ in range(200):
        best = best_ious(c, raws)
        bad = []
        if tau > 0:
            for s, bs in enumerate(best):
                for (b, a, j, i), v in np.ndenumerate(bs):
                    if (s, b, a, j, i) not in held and np.isfinite(v) and abs(v - tau) < 1e-3:
                        bad.append((s, b, a, j, i))
        if not bad:
            break
        for s, b, a, j, i in bad:
            ch = a * (5 + classes) + 2
            raws[s][b, ch, j, i] += 0.05
    else:
        raise RuntimeError("could not move IoUs away from tau")
    best = best_ious(c, raws)
    nu = [np.where(np.isfinite(bs) & (bs >= tau), 0.0, 1.0) for bs in best]
    for (s, b, a, j, i) in held:
        nu[s][b, a, j, i] = 0.0  # assigned: the object term instead
    ignored, min_dist = [], math.inf
    for s, bs in enumerate(best):
        for (b, a, j, i), v in np.ndenumerate(bs):
            if (s, b, a, j, i) in held or not np.isfinite(v):
                continue
            min_dist = min(min_dist, abs(v - tau))
            if v >= tau:
                ignored.append({"image": b, "scale": s, "anchor": a, "cell_y": j, "cell_x": i, "best_iou": float(v)})

    leaves = [r.clone().requires_grad_(True) for r in raws]
    per = loss(c, leaves, held, nu)
    total = sum(p["xy"] + p["wh"] + p["conf"] + p["class"] for p in per)
    total.backward()
    grads = [l.grad.clone() for l in leaves]

    # Central finite differences on every element (the cases are small); the masks stay fixed, as the spec says,
    # and the 1e-3 IoU margin keeps them so under a 1e-5 step.
    h, worst = 1e-5, 0.0
    def f(rs):
        with torch.no_grad():
            return float(sum(p["xy"] + p["wh"] + p["conf"] + p["class"] for p in loss(c, rs, held, nu)))
    for s in range(len(raws)):
        flat = raws[s].view(-1)
        for e in range(flat.numel()):
            old = float(flat[e])
            flat[e] = old + h; fp = f(raws)
            flat[e] = old - h; fm = f(raws)
            flat[e] = old
            num = (fp - fm) / (2 * h)
            an = float(grads[s].view(-1)[e])
            worst = max(worst, abs(num - an) / max(1.0, abs(an)))
    assert worst < 1e-7, f"{name}: finite differences disagree ({worst})"
    dn_err = None
    if variant == "keras":
        deltas = darknet_deltas(c, raws, held, nu)
        dn_err = max(float((g + d / N).abs().max()) for g, d in zip(grads, deltas))
        assert dn_err < 1e-12, f"{name}: darknet deltas disagree ({dn_err})"

    for s, sc in enumerate(c["scales"]):
        p = {k: float(v) for k, v in per[s].items()}
        p["total"] = p["xy"] + p["wh"] + p["conf"] + p["class"]
        sc["raw"] = [float(v) for v in raws[s].reshape(-1)]
        sc["expected_grad"] = [float(v) for v in grads[s].reshape(-1)]
        sc["expected_parts"] = p
    parts = {k: float(sum(per[s][k] for s in range(len(per)))) for k in ("xy", "wh", "conf", "class")}
    parts["total"] = float(total)
    c["expected"] = parts
    c["expected_positives"] = [
        {"image": b, "scale": s, "anchor": a, "anchor_global": r["k"], "cell_x": i, "cell_y": j, "gt": r["gt"],
         "classes": sorted(r["classes"]), "target": r["target"], "box_scale": r["lam"]}
        for (s, b, a, j, i), r in sorted(held.items())]
    c["expected_ignored"] = ignored
    c["checks"] = {"numpy_vs_torch_grad_max_abs": None, "finite_difference_max_rel_err": worst,
                   "finite_difference_step": h, "darknet_delta_max_abs_err": dn_err,
                   "min_iou_distance_to_ignore_thresh": None if not math.isfinite(min_dist) else min_dist}
    text = json.dumps(c, indent=1)
    # Lists of plain numbers on one line each (raw, expected_grad, targets, boxes), the rest indented.
    text = re.sub(r"\[\s+([-+0-9.eE,\s]+?)\s+\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    with open(os.path.join(HERE, name + ".json"), "w") as fh:
        fh.write(text + "\n")
    print(f"{name}: total {parts['total']:.6f}, {len(held)} positives, {len(ignored)} ignored, fd {worst:.2e}")


def scaled(anchors, inp):
    return [(w * inp / 416, h * inp / 416) for w, h in anchors]


def rand_boxes(rng, n, classes, wr=(0.08, 0.6), hr=(0.08, 0.6)):
    return [(rng.uniform(0.02, 0.98), rng.uniform(0.02, 0.98), rng.uniform(*wr), rng.uniform(*hr), int(rng.integers(classes)))
            for _ in range(n)]


r = np.random.default_rng(7)
make("detector_96_darknet",
     "The detector demo's layout: 96x96 input, grids 3x3 and 6x6 (stride 32, 16), six anchors, masks [[3,4,5],[0,1,2]], "
     "3 classes, batch 4 with one to four boxes each, a box with cx = 1 and cy = 0, a centre exactly on an inner edge, tau 0.6.",
     101, "darknet", 0.6, (96, 96), 3, [(9, 11), (16, 19), (24, 30), (34, 30), (46, 52), (70, 64)], [[3, 4, 5], [0, 1, 2]],
     [(3, 3), (6, 6)],
     [[(1.0, 0.0, 0.3, 0.25, 2)] + rand_boxes(r, 2, 3), rand_boxes(r, 1, 3), [(0.5, 0.5, 0.4, 0.45, 1)] + rand_boxes(r, 3, 3),
      rand_boxes(r, 2, 3)])
make("three_scale_nonsquare_keras",
     "Three scales on a non-square 128x96 input (grids 3x4, 6x8, 12x16), the nine standard anchors scaled by 128/416, "
     "standard masks, 4 classes, batch 2 with an empty second image, logits up to 25.",
     202, "keras", 0.5, (128, 96), 4, scaled(STD_ANCHORS, 128), [[6, 7, 8], [3, 4, 5], [0, 1, 2]], [(3, 4), (6, 8), (12, 16)],
     [rand_boxes(r, 6, 4, (0.05, 0.9), (0.05, 0.9)), []], big_logits=25.0)
make("collisions_keras",
     "One 3x5 scale (H 3, W 5) on 160x96, three anchors, 3 classes, batch 2: three boxes in one cell with one best anchor "
     "(last wins, class union of three classes), a second two-box collision with a repeated class, tau 0.45.",
     303, "keras", 0.45, (160, 96), 3, [(20, 14), (48, 40), (120, 80)], [[0, 1, 2]], [(3, 5)],
     [[(0.11, 0.12, 0.30, 0.42, 0), (0.15, 0.2, 0.28, 0.4, 2), (0.13, 0.25, 0.31, 0.43, 1), (0.7, 0.8, 0.1, 0.12, 1)],
      [(0.55, 0.5, 0.13, 0.15, 2), (0.58, 0.6, 0.12, 0.16, 2), (0.9, 0.1, 0.7, 0.8, 0)]])
make("empty_batch_darknet",
     "Two scales (2x3 and 4x6) on 96x64, batch 3 with no boxes at all: only the no-object confidence term, every position "
     "kept whatever tau (0.3).",
     404, "darknet", 0.3, (96, 64), 2, [(10, 8), (20, 18), (30, 40), (60, 50)], [[2, 3], [0, 1]], [(2, 3), (4, 6)],
     [[], [], []])
make("overlapping_masks_tau0_keras",
     "Masks [[2,3,4],[0,1,2]] overlap at anchor 2 and anchor 5 is in no mask, 1 class, 80x80 input with grids 2x2 and 5x5, "
     "batch 2 (image 1 empty), tau 0: every unassigned position of image 0 is ignored, image 1 keeps all its no-object terms.",
     505, "keras", 0.0, (80, 80), 1, [(6, 6), (12, 14), (22, 20), (36, 40), (58, 60), (78, 30)], [[2, 3, 4], [0, 1, 2]],
     [(2, 2), (5, 5)],
     [[(0.3, 0.6, 22 / 80, 20 / 80, 0), (0.75, 0.25, 0.45, 0.5, 0), (0.5, 0.5, 0.96, 0.37, 0), (0.1, 0.9, 0.08, 0.07, 0)], []])
make("unordered_masks_tau1_darknet",
     "Masks in no particular order ([[5,1],[0,4,3]]) with unsorted anchors, grids 4x2 and 8x4 on a tall 48x96 input, "
     "2 classes, batch 5 with one empty image, tau 1 (only an exact match would be ignored).",
     606, "darknet", 1.0, (48, 96), 2, [(8, 20), (30, 70), (5, 9), (40, 40), (14, 30), (20, 12)], [[5, 1], [0, 4, 3]],
     [(4, 2), (8, 4)],
     [rand_boxes(r, 2, 2), [], rand_boxes(r, 1, 2), [(0.25, 0.75, 0.2, 0.15, 1), (1.0, 1.0, 0.5, 0.3, 0)], rand_boxes(r, 3, 2)])
make("small_grid_many_boxes_keras",
     "A single 2x2 scale on 64x64 with four anchors, 5 classes, batch 2 with seven and five boxes (several collisions), "
     "tau 0.55, logits up to 30.",
     707, "keras", 0.55, (64, 64), 5, [(10, 10), (20, 28), (36, 24), (50, 54)], [[0, 1, 2, 3]], [(2, 2)],
     [rand_boxes(r, 7, 5, (0.1, 0.9), (0.1, 0.9)), rand_boxes(r, 5, 5, (0.1, 0.9), (0.1, 0.9))], big_logits=30.0)
