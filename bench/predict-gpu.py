#!/usr/bin/env python3
"""The PyTorch / python-onnxruntime half of the GPU-host check (bench/predict-gpu.sh runs it on the lent GPU).

1. The trained model (model/train.py's ProgressionModel + model/model.pt) on CUDA: its outputs against the PyTorch
   outputs train.py exported to model/fixtures/parity.json (tolerance 1e-4, the parity test's), in strict FP32
   and with PyTorch's default math settings (cuDNN may use TF32 for the LSTM on Hopper).
2. Latency of that model on CUDA at batch 1 and 1000 (warm-up first, torch.cuda.synchronize() around each call),
   with the inputs already on the GPU and including the host->GPU->host copies.
3. The same input through python onnxruntime (CPU provider) on the same host, 1 intra-op thread and one per core.

Input: the batch-1 tensors bench/predict-gpu-node.ts assembled (--tensors; one patient, 10 sessions) tiled to
1000, else the longest parity fixture case. Runs anywhere; without CUDA it says so and times the CPU only.

  python3 bench/predict-gpu.py --json OUT.json [--tensors node-tensors.json] [--iterations 2000]
"""
import argparse
import json
import os
import platform
import sys
import time
import traceback

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "model"))
import train  # noqa: E402  (model/train.py: ProgressionModel and its constants)

TOLERANCE = 1e-4


def stats(samples):
    s = sorted(samples)
    q = lambda p: s[min(len(s) - 1, int(p * len(s)))]  # noqa: E731  (same quantiles as bench/predict.ts)
    r = lambda x: round(x, 3)  # noqa: E731
    return {"n": len(s), "p50": r(q(0.5)), "p95": r(q(0.95)), "p99": r(q(0.99)), "max": r(s[-1])}


def timed(n, fn, sync=lambda: None):
    for _ in range(min(50, n)):  # warm-up, as bench/predict.ts
        fn()
    sync()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        sync()
        samples.append((time.perf_counter() - t) * 1000)
    return stats(samples)


def load_model(spec, device):
    norm = {
        "static_mean": spec["normalization"]["static"]["mean"], "static_std": spec["normalization"]["static"]["std"],
        "seq_mean": spec["normalization"]["sequence"]["mean"], "seq_std": spec["normalization"]["sequence"]["std"],
    }
    model = train.ProgressionModel(norm)
    model.load_state_dict(torch.load(os.path.join(ROOT, "model", "model.pt"), map_location="cpu"))
    return model.eval().to(device)


PRECISION_NOTES = []


def set_strict_fp32(strict):
    """strict: no TF32 anywhere (the fixtures were made in FP32 on a CPU); else PyTorch's defaults
    (matmul TF32 off, cuDNN TF32 allowed: the LSTM may use it). Legacy flags first, newer fp32_precision API
    if those refuse."""
    try:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = not strict
        PRECISION_NOTES.append(f"allow_tf32 flags: matmul False, cudnn {not strict}")
    except Exception as error:  # noqa: BLE001
        torch.backends.cuda.matmul.fp32_precision = "ieee"
        torch.backends.cudnn.rnn.fp32_precision = "ieee" if strict else "tf32"
        PRECISION_NOTES.append(f"fp32_precision API ({error}): rnn {'ieee' if strict else 'tf32'}")


def parity(model, fixture, device):
    worst, cases = 0.0, []
    with torch.inference_mode():
        for c in fixture["cases"]:
            out = model(torch.tensor([c["static"]], device=device), torch.tensor([c["sequence"]], device=device),
                        torch.tensor([c["length"]], device=device)).cpu().numpy()
            diff = float(np.max(np.abs(out[0] - np.array(c["quantiles"], dtype=np.float32))))
            cases.append({"sessions": c["length"], "maxAbsDiff": diff})
            worst = max(worst, diff)
        b = fixture["batch"]
        out = model(torch.tensor(b["static"], device=device), torch.tensor(b["sequence"], device=device),
                    torch.tensor(b["lengths"], device=device)).cpu().numpy()
        batch_diff = float(np.max(np.abs(out - np.array(b["quantiles"], dtype=np.float32))))
    worst = max(worst, batch_diff)
    return {"cases": cases, "paddedBatchMaxAbsDiff": batch_diff, "maxAbsDiff": worst, "tolerance": TOLERANCE, "pass": worst < TOLERANCE}


def inputs(args, fixture):
    if args.tensors and os.path.exists(args.tensors):
        t = json.load(open(args.tensors))
        static = np.array(t["static"], dtype=np.float32).reshape(1, 4)
        seq = np.array(t["sequence"], dtype=np.float32).reshape(1, t["sessions"], 14)
        lengths = np.array(t["lengths"], dtype=np.int64)
        source = "bench/predict-gpu-node.ts batch-1 tensors (one patient, 10 sessions, bench/predict-history.ts)"
    else:
        c = max(fixture["cases"], key=lambda c: c["length"])
        static = np.array([c["static"]], dtype=np.float32)
        seq = np.array([c["sequence"]], dtype=np.float32)
        lengths = np.array([c["length"]], dtype=np.int64)
        source = f"longest parity fixture case ({c['length']} sessions)"
    tile = lambda a: np.ascontiguousarray(np.repeat(a, 1000, axis=0))  # noqa: E731
    return source, (static, seq, lengths), (tile(static), tile(seq), tile(lengths))


def section(result, key, fn):
    """Each part records its result or its error, so one failure leaves the others' figures."""
    try:
        result[key] = fn()
    except Exception as error:  # noqa: BLE001
        result[key] = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()[-1500:]}
    print(f"== {key}: {json.dumps(result[key])[:2000]}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--tensors")
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--gpu", default="cuda", help="torch device for the GPU parts; 'cpu' rehearses them on a machine without one")
    args = ap.parse_args()
    gpu = args.gpu
    spec = json.load(open(os.path.join(ROOT, "model", "model.json")))
    fixture = json.load(open(os.path.join(ROOT, "model", "fixtures", "parity.json")))
    cuda = torch.cuda.is_available() or gpu == "cpu"
    result = {
        "machine": {"cpus": os.cpu_count(), "cpuModel": platform.processor() or platform.machine(), "python": platform.python_version(),
                    "loadAvg1m": os.getloadavg()[0]},
        "torch": {"version": torch.__version__, "cudaAvailable": cuda, "cudaRuntime": torch.version.cuda,
                  "cudnn": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
                  "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "gpuPartsRanOn": gpu if cuda else None},
    }
    source, one, thousand = inputs(args, fixture)
    result["input"] = source + "; batch 1000 = the same patient 1000 times"
    n1, n1000 = args.iterations, max(20, args.iterations // 10)

    def torch_parity():
        out = {"cpu": parity(load_model(spec, "cpu"), fixture, "cpu")}
        if cuda:
            set_strict_fp32(True)
            out[f"{gpu}, strict FP32 (TF32 off)"] = parity(load_model(spec, gpu), fixture, gpu)
            set_strict_fp32(False)
            out[f"{gpu}, PyTorch defaults (cuDNN TF32 allowed)"] = parity(load_model(spec, gpu), fixture, gpu)
            set_strict_fp32(True)
        return out

    section(result, "torchParity", torch_parity)

    def torch_latency():
        if not cuda:
            return {"skipped": "no CUDA device visible to PyTorch"}
        set_strict_fp32(True)
        model = load_model(spec, gpu)
        sync = torch.cuda.synchronize if gpu == "cuda" else (lambda: None)
        out = {}
        for name, host in (("batch 1", one), ("batch 1000", thousand)):
            dev = [torch.from_numpy(a).to(gpu) for a in host]
            n = n1 if name == "batch 1" else n1000
            with torch.inference_mode():
                out[f"inputs on GPU, {name}"] = timed(n, lambda: model(*dev), sync)
                out[f"host->GPU->host, {name}"] = timed(n, lambda: model(*[torch.from_numpy(a).to(gpu) for a in host]).cpu().numpy(), sync)
        out["precision"] = "strict FP32 (TF32 off)"
        return out

    section(result, "torchCudaLatencyMs", torch_latency)

    def ort_cpu():
        import onnxruntime as ort
        out = {"version": ort.__version__, "availableProviders": ort.get_available_providers()}
        feeds1 = {"static": one[0], "sequence": one[1], "lengths": one[2]}
        feeds1000 = {"static": thousand[0], "sequence": thousand[1], "lengths": thousand[2]}
        path = os.path.join(ROOT, "model", "model.onnx")
        for threads in sorted({1, os.cpu_count() or 1}):
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            b = fixture["batch"]
            got = sess.run(None, {"static": np.array(b["static"], dtype=np.float32), "sequence": np.array(b["sequence"], dtype=np.float32),
                                  "lengths": np.array(b["lengths"], dtype=np.int64)})[0]
            label = f"cpu, {threads} intra-op thread{'s' if threads > 1 else ''}"
            out[label] = {
                "parityMaxAbsDiff": float(np.max(np.abs(got - np.array(b["quantiles"], dtype=np.float32)))),
                "batch 1": timed(n1, lambda: sess.run(None, feeds1)),
                "batch 1000": timed(n1000, lambda: sess.run(None, feeds1000)),
            }
        return out

    section(result, "onnxruntimePythonLatencyMs", ort_cpu)

    def torch_vs_ort():
        """Torch (GPU when present) and onnxruntime CPU on the same 1000-row input: the largest difference."""
        import onnxruntime as ort
        sess = ort.InferenceSession(os.path.join(ROOT, "model", "model.onnx"), providers=["CPUExecutionProvider"])
        ref = sess.run(None, {"static": thousand[0], "sequence": thousand[1], "lengths": thousand[2]})[0]
        device = gpu if cuda else "cpu"
        set_strict_fp32(True)
        with torch.inference_mode():
            got = load_model(spec, device)(*[torch.from_numpy(a).to(device) for a in thousand]).cpu().numpy()
        return {"device": device, "maxAbsDiff": float(np.max(np.abs(got - ref)))}

    section(result, "torchVsOnnxruntimeBatch1000", torch_vs_ort)
    result["precisionSettings"] = PRECISION_NOTES
    result["loadAvg1mEnd"] = os.getloadavg()[0]
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
