#!/usr/bin/python3
"""Train, evaluate and export the progression model.

Multimodal fusion (demographics + per-session imaging + per-session scores) -> LSTM over a variable
number of sessions -> for MMSE, CDR-SB and ADAS13 at 6/12/18/24/36 months the 10th/50th/90th
percentiles (pinball loss). Patient-level train/validation/test split; evaluation against last
observation carried forward and a per-patient linear trend on the same test patients.

Run with Debian's python3 (python3-torch, python3-onnx):

  /usr/bin/python3 model/train.py                       # simulate a cohort (node bin/adni.mjs cohort), train, export
  /usr/bin/python3 model/train.py --cohort cohort.csv   # train on an existing simulated CSV
  /usr/bin/python3 model/train.py --adnimerge ADNIMERGE.csv [--features DIR]   # real data, same loader
  /usr/bin/python3 model/train.py --eval-only           # re-evaluate model/model.pt on the recorded split

Outputs (model/ unless --out): model.onnx, model.json, model.pt, fixtures/parity.json, metrics.json.
"""
import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

MODEL_NAME = "adni-progression-lstm"
MODEL_VERSION = "1.0.0"
SCORES = [  # output key, ADNIMERGE column, valid range
    ("mmse", "MMSE", 0.0, 30.0),
    ("cdr", "CDRSB", 0.0, 18.0),
    ("adas", "ADAS13", 0.0, 85.0),
]
HORIZONS_MONTHS = [6, 12, 18, 24, 36]
QUANTILES = [0.1, 0.5, 0.9]
# A later visit counts as the target of a horizon when it lies within this many years of it.
HORIZON_TOLERANCE_YEARS = 0.25

# Per-session features, in tensor order. "kind": value (normalised by train mean/std) or flag (0/1 as is).
SESSION_FEATURES = [
    {"name": "dt_years", "kind": "value", "about": "session date minus the last session's date, years (<= 0)"},
    {"name": "mmse", "kind": "value", "about": "MMSE, last observation carried forward"},
    {"name": "mmse_observed", "kind": "flag", "about": "1 when MMSE was measured at this session"},
    {"name": "cdrsb", "kind": "value", "about": "CDR-SB, carried forward"},
    {"name": "cdrsb_observed", "kind": "flag", "about": "1 when CDR-SB was measured at this session"},
    {"name": "adas13", "kind": "value", "about": "ADAS13, carried forward"},
    {"name": "adas13_observed", "kind": "flag", "about": "1 when ADAS13 was measured at this session"},
    {"name": "hippocampus_icv", "kind": "value", "about": "hippocampal volume / ICV x 1000, carried forward"},
    {"name": "wholebrain_icv", "kind": "value", "about": "whole-brain volume / ICV, carried forward"},
    {"name": "mri_observed", "kind": "flag", "about": "1 when MRI volumes (hippocampus, whole brain, ICV) were measured"},
    {"name": "entorhinal_icv", "kind": "value", "about": "entorhinal(-like) volume / ICV x 1000, carried forward"},
    {"name": "entorhinal_observed", "kind": "flag", "about": "1 when the entorhinal volume was measured"},
    {"name": "amyloid_suvr", "kind": "value", "about": "cortical amyloid SUVR (whole-cerebellum reference), carried forward"},
    {"name": "amyloid_observed", "kind": "flag", "about": "1 when amyloid PET was measured"},
]
STATIC_FEATURES = [
    {"name": "age", "kind": "value", "about": "age at the last session, years"},
    {"name": "female", "kind": "flag", "about": "1 female, 0 male"},
    {"name": "education", "kind": "value", "about": "years of education"},
    {"name": "apoe4", "kind": "value", "about": "APOE e4 allele count 0-2"},
]
SCORE_FEATURE_INDEX = {"mmse": 1, "cdr": 3, "adas": 5}

# How a pipeline roi_features.json (AAL3 atlas) maps onto the ADNIMERGE-style measures above.
ROI_MAPPING = {
    "atlas": "AAL3v1",
    # AAL3 labels are larger than FreeSurfer's structures (ADNIMERGE scale). The scales make the MNI152 2 mm
    # template, measured through its own atlas (ICV taken as its brain-mask volume, 2 097 960 mm3: hippocampus
    # 15 024 mm3, parahippocampal 16 880 mm3), land on the simulated CN fractions (0.00485, 0.0025). A rough
    # calibration: refit on real pipeline outputs with --features before trusting atlas-derived volumes.
    "volumes": {
        "hippocampus": {"regions": ["Hippocampus_L", "Hippocampus_R"], "scale": 0.677},
        # AAL3 has no entorhinal label: the parahippocampal gyrus contains it.
        "entorhinal": {"regions": ["ParaHippocampal_L", "ParaHippocampal_R"], "scale": 0.311},
    },
    "wholeBrain": "global.brainVolumeMm3",
    "icv": "global.icvMm3",
    # Volume-weighted mean SUVR over the cortical composite used for florbetapir in ADNI (frontal,
    # anterior/posterior cingulate, lateral parietal, lateral temporal).
    "amyloidCompositeRegions": [
        p + s
        for p in [
            "Frontal_Sup_2", "Frontal_Mid_2", "Frontal_Inf_Oper", "Frontal_Inf_Tri", "Frontal_Inf_Orb_2",
            "Frontal_Sup_Medial", "Frontal_Med_Orb", "Cingulate_Ant", "ACC_sub", "ACC_pre", "ACC_sup",
            "Cingulate_Mid", "Cingulate_Post", "Parietal_Sup", "Parietal_Inf", "SupraMarginal", "Angular",
            "Precuneus", "Temporal_Sup", "Temporal_Mid", "Temporal_Inf",
        ]
        for s in ["_L", "_R"]
    ],
    "amyloidReference": "wholeCerebellum",
}


# ----------------------------------------------------------------------------------------------
# Data loading: one loader for the simulated CSV and real ADNIMERGE (same column names).


def _num(value):
    if value is None:
        return None
    value = value.strip()
    if value == "" or value.upper() == "NA":
        return None
    try:
        x = float(value)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _date(value):
    value = (value or "").strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def load_adnimerge(path):
    """Patients from an ADNIMERGE-format CSV: {id: {demographics, sessions: [...]}} sorted by date."""
    patients = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        need = {"EXAMDATE", "AGE", "PTGENDER", "MMSE", "CDRSB", "ADAS13"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"train.py: {path} lacks ADNIMERGE column(s): {', '.join(sorted(missing))}")
        key = "PTID" if "PTID" in reader.fieldnames else "RID"
        for row in reader:
            date = _date(row.get("EXAMDATE"))
            pid = (row.get(key) or "").strip()
            if not pid or date is None:
                continue
            p = patients.setdefault(pid, {"id": pid, "demographics": None, "sessions": []})
            if p["demographics"] is None and _num(row.get("AGE")) is not None:
                p["demographics"] = {
                    "ageAtBaseline": _num(row.get("AGE")),
                    "female": 1.0 if (row.get("PTGENDER") or "").strip().lower() == "female" else 0.0,
                    "educationYears": _num(row.get("PTEDUCAT")),
                    "apoe4": _num(row.get("APOE4")),
                }
            p["sessions"].append({
                "date": date,
                "mmse": _num(row.get("MMSE")),
                "cdr": _num(row.get("CDRSB")),
                "adas": _num(row.get("ADAS13")),
                "hippocampus": _num(row.get("Hippocampus")),
                "entorhinal": _num(row.get("Entorhinal")),
                "wholeBrain": _num(row.get("WholeBrain")),
                "icv": _num(row.get("ICV")),
                "amyloid": _num(row.get("AV45")),
            })
    out = {}
    for pid, p in patients.items():
        if p["demographics"] is None:
            continue
        p["sessions"].sort(key=lambda s: s["date"])
        # Merge same-day rows (ADNIMERGE can list a screening and a baseline row on one date).
        merged = []
        for s in p["sessions"]:
            if merged and merged[-1]["date"] == s["date"]:
                for k, v in s.items():
                    if merged[-1].get(k) is None:
                        merged[-1][k] = v
            else:
                merged.append(dict(s))
        p["sessions"] = merged
        p["baselineDate"] = merged[0]["date"]
        out[pid] = p
    return out


def roi_to_measures(roi):
    """ADNIMERGE-style measures from a pipeline roi_features.json (same mapping as shared/model)."""
    by_name = {r["name"]: r for r in roi.get("regions", [])}
    g = roi.get("global", {})
    m = {"icv": g.get("icvMm3"), "wholeBrain": g.get("brainVolumeMm3")}
    for key, spec in ROI_MAPPING["volumes"].items():
        regions = [by_name[n] for n in spec["regions"] if n in by_name]
        m[key] = sum(r["volumeMm3"] for r in regions) * spec["scale"] if len(regions) == len(spec["regions"]) else None
    comp = [by_name[n] for n in ROI_MAPPING["amyloidCompositeRegions"] if n in by_name]
    total = sum(r["volumeMm3"] for r in comp if r.get("suvrMean") is not None)
    m["amyloid"] = (
        sum(r["volumeMm3"] * r["suvrMean"] for r in comp if r.get("suvrMean") is not None) / total if total > 0 else None
    )
    return m


def apply_roi_features(patients, directory):
    """--features DIR: roi_features.json files (with patientId + sessionDate) replace a session's imaging."""
    applied = 0
    for root, _, files in os.walk(directory):
        for name in files:
            if not name.endswith(".json"):
                continue
            with open(os.path.join(root, name)) as f:
                try:
                    roi = json.load(f)
                except json.JSONDecodeError:
                    continue
            pid, date = roi.get("patientId"), _date(roi.get("sessionDate"))
            if pid not in patients or date is None or "regions" not in roi:
                continue
            for s in patients[pid]["sessions"]:
                if s["date"] == date:
                    s.update({k: v for k, v in roi_to_measures(roi).items()})
                    applied += 1
    print(f"applied roi_features.json imaging to {applied} sessions")


# ----------------------------------------------------------------------------------------------
# Features (mirrored exactly by shared/model/assemble-features.ts).


def years_between(a, b):
    return (b - a).days / 365.25


def raw_features(demographics, sessions):
    """Unnormalised (static[4], sequence[T][14]) for sessions (all of which are the input history)."""
    last = sessions[-1]["date"]
    seq = []
    carried = {}
    for s in sessions:
        row = [years_between(last, s["date"])]
        for key in ("mmse", "cdr", "adas"):
            observed = s.get(key) is not None
            if observed:
                carried[key] = s[key]
            row += [carried.get(key, math.nan), 1.0 if observed else 0.0]
        mri = all(s.get(k) is not None for k in ("hippocampus", "wholeBrain", "icv")) and s["icv"] > 0
        if mri:
            carried["hippocampus"] = s["hippocampus"] / s["icv"] * 1000.0
            carried["wholeBrain"] = s["wholeBrain"] / s["icv"]
        ento = s.get("entorhinal") is not None and s.get("icv") is not None and s["icv"] > 0
        if ento:
            carried["entorhinal"] = s["entorhinal"] / s["icv"] * 1000.0
        amy = s.get("amyloid") is not None
        if amy:
            carried["amyloid"] = s["amyloid"]
        row += [carried.get("hippocampus", math.nan), carried.get("wholeBrain", math.nan), 1.0 if mri else 0.0]
        row += [carried.get("entorhinal", math.nan), 1.0 if ento else 0.0]
        row += [carried.get("amyloid", math.nan), 1.0 if amy else 0.0]
        seq.append(row)
    d = demographics
    # The first session of a history is the baseline visit (AGE in ADNIMERGE is age at baseline).
    age = d["ageAtBaseline"] + years_between(sessions[0]["date"], last)
    static = [
        age,
        d["female"],
        d["educationYears"] if d["educationYears"] is not None else math.nan,
        d["apoe4"] if d["apoe4"] is not None else math.nan,
    ]
    return static, seq


def normalise(static, seq, norm):
    """(x - mean) / std for values; missing (NaN) values become 0, the training mean."""
    s = np.array(static, dtype=np.float64)
    q = np.array(seq, dtype=np.float64)
    s = (s - norm["static_mean"]) / norm["static_std"]
    q = (q - norm["seq_mean"]) / norm["seq_std"]
    s[np.isnan(s)] = 0.0
    q[np.isnan(q)] = 0.0
    return s.astype(np.float32), q.astype(np.float32)


def build_examples(patients, ids):
    """One example per (patient, cut): history = sessions[0..k], targets at each horizon when observed."""
    examples = []
    for pid in ids:
        p = patients[pid]
        sessions = p["sessions"]
        for k in range(len(sessions) - 1):
            history = sessions[: k + 1]
            t_last = sessions[k]["date"]
            target = np.full((len(SCORES), len(HORIZONS_MONTHS)), np.nan, dtype=np.float64)
            target_t = np.full(len(HORIZONS_MONTHS), np.nan)
            for h, months in enumerate(HORIZONS_MONTHS):
                best = None
                for later in sessions[k + 1:]:
                    gap = abs(years_between(t_last, later["date"]) - months / 12.0)
                    if gap <= HORIZON_TOLERANCE_YEARS and (best is None or gap < best[0]):
                        best = (gap, later)
                if best is None:
                    continue
                target_t[h] = years_between(t_last, best[1]["date"])
                for si, (key, _, _, _) in enumerate(SCORES):
                    if best[1].get(key) is not None:
                        target[si, h] = best[1][key]
            if np.all(np.isnan(target)):
                continue
            static, seq = raw_features(p["demographics"], history)
            examples.append({"pid": pid, "static": static, "seq": seq, "target": target, "target_t": target_t, "history": history})
    return examples


def fit_normalisation(examples):
    statics = np.array([e["static"] for e in examples], dtype=np.float64)
    seqs = np.concatenate([np.array(e["seq"], dtype=np.float64) for e in examples])
    def stats(x, specs):
        mean = np.nanmean(x, axis=0)
        std = np.nanstd(x, axis=0)
        for i, spec in enumerate(specs):
            if spec["kind"] == "flag":
                mean[i], std[i] = 0.0, 1.0
        std[std < 1e-6] = 1.0
        return mean, std
    sm, ss = stats(statics, STATIC_FEATURES)
    qm, qs = stats(seqs, SESSION_FEATURES)
    return {"static_mean": sm, "static_std": ss, "seq_mean": qm, "seq_std": qs}


def to_tensors(examples, norm):
    n = len(examples)
    t_max = max(len(e["seq"]) for e in examples)
    static = np.zeros((n, len(STATIC_FEATURES)), dtype=np.float32)
    seq = np.zeros((n, t_max, len(SESSION_FEATURES)), dtype=np.float32)
    lengths = np.zeros(n, dtype=np.int64)
    target = np.stack([e["target"] for e in examples]).astype(np.float32)
    for i, e in enumerate(examples):
        s, q = normalise(e["static"], e["seq"], norm)
        static[i] = s
        seq[i, : len(q)] = q
        lengths[i] = len(q)
    return torch.from_numpy(static), torch.from_numpy(seq), torch.from_numpy(lengths), torch.from_numpy(target)


# ----------------------------------------------------------------------------------------------
# Model


class ProgressionModel(nn.Module):
    """Per-modality encoders -> fused session embedding -> LSTM -> last valid state + demographics -> quantiles."""

    def __init__(self, norm, hidden=48):
        super().__init__()
        # Feature groups (indices into the session vector): time + scores, MRI volumes, amyloid PET.
        self.score_idx = [0, 1, 2, 3, 4, 5, 6]
        self.mri_idx = [0, 7, 8, 9, 10, 11]
        self.pet_idx = [0, 12, 13]
        self.score_enc = nn.Sequential(nn.Linear(len(self.score_idx), 24), nn.SiLU())
        self.mri_enc = nn.Sequential(nn.Linear(len(self.mri_idx), 16), nn.SiLU())
        self.pet_enc = nn.Sequential(nn.Linear(len(self.pet_idx), 8), nn.SiLU())
        self.static_enc = nn.Sequential(nn.Linear(len(STATIC_FEATURES), 16), nn.SiLU())
        self.fuse = nn.Sequential(nn.Linear(24 + 16 + 8 + 16, hidden), nn.SiLU())
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden + 16, 64), nn.SiLU(), nn.Linear(64, len(SCORES) * len(HORIZONS_MONTHS) * 3))
        self.register_buffer("score_col", torch.tensor([SCORE_FEATURE_INDEX[k] for k, _, _, _ in SCORES]))
        self.register_buffer("score_mean", torch.tensor([norm["seq_mean"][SCORE_FEATURE_INDEX[k]] for k, _, _, _ in SCORES], dtype=torch.float32))
        self.register_buffer("score_std", torch.tensor([norm["seq_std"][SCORE_FEATURE_INDEX[k]] for k, _, _, _ in SCORES], dtype=torch.float32))
        self.register_buffer("score_lo", torch.tensor([lo for _, _, lo, _ in SCORES], dtype=torch.float32))
        self.register_buffer("score_hi", torch.tensor([hi for _, _, _, hi in SCORES], dtype=torch.float32))
        # Interval width multipliers [score, horizon, lower/upper], set after training by `calibrate` (1 = as trained).
        self.register_buffer("width_scale", torch.ones(len(SCORES), len(HORIZONS_MONTHS), 2))

    def forward(self, static, sequence, lengths):
        b, t, _ = sequence.shape
        st = self.static_enc(static)
        parts = [
            self.score_enc(sequence[:, :, self.score_idx]),
            self.mri_enc(sequence[:, :, self.mri_idx]),
            self.pet_enc(sequence[:, :, self.pet_idx]),
            st.unsqueeze(1).expand(b, t, st.shape[-1]),
        ]
        x = self.fuse(torch.cat(parts, dim=-1))
        out, _ = self.lstm(x)
        # The LSTM is causal, so its output at step length-1 saw exactly the valid sessions: padding after
        # it cannot leak in. That is the masking.
        last = (lengths - 1).clamp(min=0).view(b, 1, 1)
        h = torch.gather(out, 1, last.expand(b, 1, out.shape[-1])).squeeze(1)
        anchor_row = torch.gather(sequence, 1, last.expand(b, 1, sequence.shape[-1])).squeeze(1)
        anchor = anchor_row[:, self.score_col]  # normalised last-known score, [b, 3]
        raw = self.head(torch.cat([h, st], dim=-1)).view(b, len(SCORES), len(HORIZONS_MONTHS), 3)
        mid = anchor.unsqueeze(-1) + raw[..., 0]
        lo = mid - F.softplus(raw[..., 1]) * self.width_scale[..., 0]
        hi = mid + F.softplus(raw[..., 2]) * self.width_scale[..., 1]
        q = torch.stack([lo, mid, hi], dim=-1)  # [b, score, horizon, quantile], normalised
        q = q * self.score_std.view(1, -1, 1, 1) + self.score_mean.view(1, -1, 1, 1)
        return torch.maximum(torch.minimum(q, self.score_hi.view(1, -1, 1, 1)), self.score_lo.view(1, -1, 1, 1))


def pinball(pred, target, score_std):
    mask = ~torch.isnan(target)
    t = torch.nan_to_num(target).unsqueeze(-1)
    qs = torch.tensor(QUANTILES).view(1, 1, 1, -1)
    diff = (t - pred) / score_std.view(1, -1, 1, 1)  # scale-free across scores
    loss = torch.maximum(qs * diff, (qs - 1) * diff)
    m = mask.unsqueeze(-1).float()
    return (loss * m).sum() / (m.sum() * len(QUANTILES)).clamp(min=1)


def train(model, train_t, val_t, epochs, seed):
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    n = train_t[0].shape[0]
    best, best_state, bad = math.inf, None, 0
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, 256):
            idx = perm[i:i + 256]
            # Trim padding to this batch's longest history: faster and identical in result.
            lengths = train_t[2][idx]
            tmax = int(lengths.max())
            pred = model(train_t[0][idx], train_t[1][idx, :tmax], lengths)
            loss = pinball(pred, train_t[3][idx], model.score_std)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += float(loss) * len(idx)
        sched.step()
        model.eval()
        with torch.no_grad():
            val = float(pinball(model(*val_t[:3]), val_t[3], model.score_std))
        print(f"epoch {epoch + 1:3d}  train pinball {total / n:.4f}  val pinball {val:.4f}", flush=True)
        if val < best - 1e-4:
            best, best_state, bad = val, {k: v.clone() for k, v in model.state_dict().items()}, 0
        else:
            bad += 1
            if bad >= 8:
                break
    model.load_state_dict(best_state)
    return best


def calibrate(model, val_t):
    """Scales each score/horizon's lower and upper interval widths so that, on the validation patients, 10 %
    of outcomes fall below the 10th percentile and 10 % above the 90th (split-conformal style quantile
    calibration). Pinball training alone left 80 % intervals a little narrow at long horizons."""
    model.eval()
    with torch.no_grad():
        model.width_scale.fill_(1.0)
        pred = model(*val_t[:3]).numpy()
    target = val_t[3].numpy()
    scale = np.ones((len(SCORES), len(HORIZONS_MONTHS), 2), dtype=np.float32)
    for si in range(len(SCORES)):
        for h in range(len(HORIZONS_MONTHS)):
            y = target[:, si, h]
            ok = ~np.isnan(y)
            lo, mid, hi = pred[ok, si, h, 0], pred[ok, si, h, 1], pred[ok, si, h, 2]
            y = y[ok]
            if len(y) < 50:
                continue  # too few to calibrate: keep the trained widths
            # Residuals in units of the trained half-widths; the 90th percentile of each side is the scale
            # that leaves 10 % outside on that side. Widths clipped at the score range are left as they are.
            w_lo, w_hi = np.maximum(mid - lo, 1e-6), np.maximum(hi - mid, 1e-6)
            scale[si, h, 0] = float(np.clip(np.quantile((mid - y) / w_lo, 0.9), 0.5, 3.0))
            scale[si, h, 1] = float(np.clip(np.quantile((y - mid) / w_hi, 0.9), 0.5, 3.0))
    with torch.no_grad():
        model.width_scale.copy_(torch.from_numpy(scale))
    return scale


# ----------------------------------------------------------------------------------------------
# Evaluation against baselines on the same held-out patients


def locf(history, key):
    values = [s[key] for s in history if s.get(key) is not None]
    return values[-1] if values else None


def linear_trend(history, key, horizon_years):
    t_last = history[-1]["date"]
    pts = [(years_between(t_last, s["date"]), s[key]) for s in history if s.get(key) is not None]
    if not pts:
        return None
    if len(pts) < 2 or max(t for t, _ in pts) - min(t for t, _ in pts) < 1e-6:
        return pts[-1][1]
    ts = np.array([t for t, _ in pts])
    ys = np.array([y for _, y in pts])
    slope, intercept = np.polyfit(ts, ys, 1)
    return intercept + slope * horizon_years


def evaluate(model, examples, norm):
    tensors = to_tensors(examples, norm)
    model.eval()
    with torch.no_grad():
        pred = model(*tensors[:3]).numpy()
    metrics = {}
    for si, (key, _, lo, hi) in enumerate(SCORES):
        metrics[key] = {}
        for h, months in enumerate(HORIZONS_MONTHS):
            errs = {"model": [], "locf": [], "linear": []}
            covered = []
            for i, e in enumerate(examples):
                y = e["target"][si, h]
                base = locf(e["history"], key)
                # Only targets every method can predict: the score was measured at least once before.
                if np.isnan(y) or base is None:
                    continue
                trend = min(hi, max(lo, linear_trend(e["history"], key, e["target_t"][h])))
                errs["model"].append(abs(pred[i, si, h, 1] - y))
                errs["locf"].append(abs(base - y))
                errs["linear"].append(abs(trend - y))
                covered.append(pred[i, si, h, 0] <= y <= pred[i, si, h, 2])
            metrics[key][f"{months}_months"] = {
                "n": len(covered),
                "mae": {k: round(float(np.mean(v)), 4) for k, v in errs.items()},
                "coverage80": round(float(np.mean(covered)), 4),
            }
    return metrics, pred


def print_metrics(metrics):
    print(f"{'score':6} {'horizon':>8} {'n':>6} {'model':>8} {'LOCF':>8} {'linear':>8} {'cov80':>7}")
    for key, per_h in metrics.items():
        for h, m in per_h.items():
            mae = m["mae"]
            print(f"{key:6} {h:>8} {m['n']:6d} {mae['model']:8.3f} {mae['locf']:8.3f} {mae['linear']:8.3f} {m['coverage80']:7.3f}")


def beats_baselines(metrics):
    return all(
        m["mae"]["model"] < m["mae"]["locf"] and m["mae"]["model"] < m["mae"]["linear"]
        for per_h in metrics.values() for m in per_h.values()
    )


# ----------------------------------------------------------------------------------------------
# Export


def split_of(pid, seed):
    """Patient-level split by a hash of the id: 70 % train, 15 % validation, 15 % test."""
    h = int(hashlib.sha256(f"{seed}:{pid}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "train" if h < 0.70 else ("val" if h < 0.85 else "test")


def history_to_json(pid, demographics, history):
    """A PatientHistory (shared/model/patient-history.ts) for the parity fixtures."""
    def measures(s):
        m = {k: s[k] for k in ("hippocampus", "entorhinal", "wholeBrain", "icv", "amyloid") if s.get(k) is not None}
        return {
            **({"hippocampusMm3": m["hippocampus"]} if "hippocampus" in m else {}),
            **({"entorhinalMm3": m["entorhinal"]} if "entorhinal" in m else {}),
            **({"wholeBrainMm3": m["wholeBrain"]} if "wholeBrain" in m else {}),
            **({"icvMm3": m["icv"]} if "icv" in m else {}),
            **({"amyloidSuvr": m["amyloid"]} if "amyloid" in m else {}),
        }
    sessions = []
    for s in history:
        scores = {k2: s[k] for k, k2 in (("mmse", "mmse"), ("cdr", "cdrsb"), ("adas", "adas13")) if s.get(k) is not None}
        entry = {"date": s["date"].isoformat(), "scores": scores}
        im = measures(s)
        if im:
            entry["imaging"] = im
        sessions.append(entry)
    d = demographics
    demo = {"ageAtBaseline": d["ageAtBaseline"], "sex": "female" if d["female"] == 1.0 else "male"}
    if d["educationYears"] is not None:
        demo["educationYears"] = d["educationYears"]
    if d["apoe4"] is not None:
        demo["apoe4"] = int(d["apoe4"])
    return {"patientId": pid, "demographics": demo, "sessions": sessions}


def export(model, norm, examples_test, metrics, meta, out_dir):
    model.eval()
    onnx_path = os.path.join(out_dir, "model.onnx")
    sample = to_tensors(examples_test[:4], norm)
    torch.onnx.export(
        model, tuple(sample[:3]), onnx_path,
        input_names=["static", "sequence", "lengths"], output_names=["quantiles"],
        dynamic_axes={"static": {0: "batch"}, "sequence": {0: "batch", 1: "sessions"}, "lengths": {0: "batch"}, "quantiles": {0: "batch"}},
        opset_version=17, do_constant_folding=True,
    )
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    torch.save(model.state_dict(), os.path.join(out_dir, "model.pt"))

    spec = {
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "onnx": "model.onnx",
        "opset": 17,
        "createdAt": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "trainedOn": meta["trainedOn"],
        "trainingData": meta["trainingData"],
        "inputs": {
            "static": {"shape": ["batch", len(STATIC_FEATURES)], "dtype": "float32", "features": STATIC_FEATURES},
            "sequence": {"shape": ["batch", "sessions", len(SESSION_FEATURES)], "dtype": "float32", "features": SESSION_FEATURES, "order": "oldest first, right-padded with zeros"},
            "lengths": {"shape": ["batch"], "dtype": "int64", "about": "number of valid sessions per patient (>= 1)"},
        },
        "normalization": {
            "static": {"mean": [float(x) for x in norm["static_mean"]], "std": [float(x) for x in norm["static_std"]]},
            "sequence": {"mean": [float(x) for x in norm["seq_mean"]], "std": [float(x) for x in norm["seq_std"]]},
            "missing": "a value never observed so far is set to 0 after normalisation (the training mean)",
        },
        "outputs": {
            "quantiles": {"shape": ["batch", len(SCORES), len(HORIZONS_MONTHS), len(QUANTILES)], "dtype": "float32", "units": "score points"},
            "scores": [{"key": k, "adnimerge": col, "range": [lo, hi]} for k, col, lo, hi in SCORES],
            "horizonsMonths": HORIZONS_MONTHS,
            "quantiles": QUANTILES,
        },
        "roiMapping": ROI_MAPPING,
        "minimumSessions": 1,
        "horizonToleranceYears": HORIZON_TOLERANCE_YEARS,
        "split": meta["split"],
        "intervalCalibration": {
            "method": "per score and horizon, lower/upper widths scaled so 10 % of validation outcomes fall outside each side",
            "widthScale": [[[round(float(x), 4) for x in h] for h in sc] for sc in model.width_scale.tolist()],
        },
        "testMetrics": metrics,
        "beatsBaselines": beats_baselines(metrics),
    }
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    return onnx_path


def export_fixtures(model, norm, examples, out_dir):
    """Parity fixtures: histories, the tensors built from them and PyTorch's outputs (batch with mixed lengths)."""
    os.makedirs(os.path.join(out_dir, "fixtures"), exist_ok=True)
    chosen, seen_len = [], set()
    for e in examples:  # a spread of history lengths, incl. 1 session and missing modalities
        if len(e["seq"]) not in seen_len:
            chosen.append(e)
            seen_len.add(len(e["seq"]))
        if len(chosen) >= 8:
            break
    tensors = to_tensors(chosen, norm)
    model.eval()
    with torch.no_grad():
        out = model(*tensors[:3])
    fixture = {
        "about": "inputs and PyTorch outputs exported by model/train.py; the ONNX model must match within 1e-4",
        "cases": [
            {
                "history": history_to_json(e["pid"], e["history"][0]["_demo"], e["history"]),
                "static": tensors[0][i].tolist(),
                "sequence": tensors[1][i, : int(tensors[2][i])].tolist(),
                "length": int(tensors[2][i]),
                "quantiles": out[i].tolist(),
            }
            for i, e in enumerate(chosen)
        ],
        "batch": {
            "static": tensors[0].tolist(),
            "sequence": tensors[1].tolist(),
            "lengths": tensors[2].tolist(),
            "quantiles": out.tolist(),
        },
    }
    with open(os.path.join(out_dir, "fixtures", "parity.json"), "w") as f:
        json.dump(fixture, f)
        f.write("\n")


# ----------------------------------------------------------------------------------------------


def simulate(patients, seed):
    path = os.path.join(tempfile.mkdtemp(prefix="adni-cohort-"), "cohort.csv")
    subprocess.run(["node", os.path.join(ROOT, "bin", "adni.mjs"), "cohort", "--patients", str(patients), "--seed", str(seed), "--out", path], check=True)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--adnimerge", help="real ADNIMERGE CSV (trainedOn = ADNIMERGE)")
    src.add_argument("--cohort", help="simulated cohort CSV from `adni cohort`")
    ap.add_argument("--features", help="directory of roi_features.json files overriding imaging per session")
    ap.add_argument("--patients", type=int, default=4000, help="patients to simulate when no CSV is given")
    ap.add_argument("--cohort-seed", type=int, default=20240601)
    ap.add_argument("--seed", type=int, default=7, help="split + training seed")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--eval-only", action="store_true", help="evaluate <out>/model.pt on the test split recorded in model.json")
    args = ap.parse_args()
    # One thread: on a shared 2-core machine OpenMP spin-waiting with 2 threads is many times slower.
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "1")))
    np.random.seed(args.seed)
    started = time.time()

    if args.eval_only:
        with open(os.path.join(args.out, "model.json")) as f:
            spec = json.load(f)
        args.seed = spec["split"]["seed"]
        if spec["trainingData"]["source"] == "simulated" and not args.cohort:
            args.patients, args.cohort_seed = spec["trainingData"]["patients"], spec["trainingData"]["cohortSeed"]

    if args.adnimerge:
        csv_path, source = args.adnimerge, "ADNIMERGE"
    elif args.cohort:
        csv_path, source = args.cohort, "simulated"
    else:
        csv_path, source = simulate(args.patients, args.cohort_seed), "simulated"
    patients = load_adnimerge(csv_path)
    if args.features:
        apply_roi_features(patients, args.features)
    for p in patients.values():
        for s in p["sessions"]:
            s["_demo"] = p["demographics"]
    split = {"train": [], "val": [], "test": []}
    for pid in sorted(patients):
        split[split_of(pid, args.seed)].append(pid)
    ex = {k: build_examples(patients, ids) for k, ids in split.items()}
    print(f"patients train/val/test {len(split['train'])}/{len(split['val'])}/{len(split['test'])}; "
          f"examples {len(ex['train'])}/{len(ex['val'])}/{len(ex['test'])}")
    if min(len(v) for v in ex.values()) == 0:
        sys.exit("train.py: not enough longitudinal data for a train/validation/test split")

    if args.eval_only:
        n = spec["normalization"]
        norm = {"static_mean": np.array(n["static"]["mean"]), "static_std": np.array(n["static"]["std"]),
                "seq_mean": np.array(n["sequence"]["mean"]), "seq_std": np.array(n["sequence"]["std"])}
        model = ProgressionModel(norm)
        model.load_state_dict(torch.load(os.path.join(args.out, "model.pt")))
        metrics, _ = evaluate(model, ex["test"], norm)
        print_metrics(metrics)
        print("model beats both baselines at every score and horizon:", beats_baselines(metrics))
        return 0 if beats_baselines(metrics) else 1

    norm = fit_normalisation(ex["train"])
    model = ProgressionModel(norm)
    params = sum(p.numel() for p in model.parameters())
    print(f"model parameters: {params}")
    train_t, val_t = to_tensors(ex["train"], norm), to_tensors(ex["val"], norm)
    best_val = train(model, train_t, val_t, args.epochs, args.seed)
    width_scale = calibrate(model, val_t)
    print("interval width scales [score][horizon][lower, upper]:", np.round(width_scale, 3).tolist())
    metrics, _ = evaluate(model, ex["test"], norm)
    print_metrics(metrics)
    train_seconds = round(time.time() - started, 1)
    meta = {
        "trainedOn": source,  # "simulated" or "ADNIMERGE": what the API reports as model.trainedOn
        "trainingData": {
            "source": source,
            "statement": (
                "SIMULATED data: a cohort generated by `adni cohort` from published ADNI rates (docs/MODEL.md). "
                "It is not patient data and the model has not been validated on real patients."
                if source == "simulated" else f"ADNIMERGE-format data ({os.path.basename(csv_path)}); research use only, not validated for clinical decisions."
            ),
            **({"patients": args.patients, "cohortSeed": args.cohort_seed} if source == "simulated" and not args.cohort else {}),
            "patientsTotal": len(patients),
            "examples": {k: len(v) for k, v in ex.items()},
            "featuresDir": bool(args.features),
        },
        "split": {"method": "sha256(seed:patientId) -> 70/15/15 train/val/test, by patient", "seed": args.seed,
                  "patients": {k: len(v) for k, v in split.items()}},
    }
    os.makedirs(args.out, exist_ok=True)
    export(model, norm, ex["test"], metrics, meta, args.out)
    export_fixtures(model, norm, ex["test"], args.out)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump({"testMetrics": metrics, "bestValPinball": best_val, "parameters": params, "trainSeconds": train_seconds}, f, indent=2)
        f.write("\n")
    print(f"parameters {params}; best val pinball {best_val:.4f}; {train_seconds} s")
    print("model beats both baselines at every score and horizon:", beats_baselines(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
