#!/usr/bin/env bash
# The prediction model on a GPU host (issue 5, item 6): what our Node predictor does there, and the model itself
# on the GPU through PyTorch. Results: bench/results/predict-gpu.json, tables in docs/BENCHMARKS.md ("GPU").
#
#   bash bench/predict-gpu.sh prepare   # here: fills .gpu/ (ignored via .git/info/exclude) with what travels
#   bash bench/predict-gpu.sh device    # on the GPU machine, from the repository root; writes under $OUT
#
# The GPU machine has no Node and no network, so `prepare` packs: the Node binary (xz), an esbuild bundle of
# bench/predict-gpu-node.ts (onnxruntime-node external), onnxruntime-node 1.30's JS + linux/x64 binaries and
# onnxruntime-common (tar.xz), and two stand-in libraries (a CUDA 12 provider library with the real one's
# CUDA 12 dependencies and no code, and the providers_shared library, which only stores ORT's host pointer).
# They show what `auto` does when a CUDA 12 provider is installed on a host whose CUDA user-space is 13.
#
# `device` runs: environment facts; the Node predictor with PREDICT_DEVICE=auto and =cuda (the package as npm
# ships it, then with the stand-ins); CPU inference latency at batch 1 and 1000; bench/predict-gpu.py (PyTorch
# on CUDA: parity with model/fixtures/parity.json and latency; python onnxruntime CPU on the same input).
# PREDICT_GPU_NODE_ARGS / PREDICT_GPU_PY_ARGS pass extra flags (a rehearsal without a GPU:
# PREDICT_GPU_NODE_ARGS='--iterations 50' PREDICT_GPU_PY_ARGS='--gpu cpu --iterations 50').
set -u
cd "$(dirname "$0")/.."
G=.gpu

prepare() {
  set -e
  rm -rf "$G" /tmp/adni-gpu-stage && mkdir -p "$G/standin" /tmp/adni-gpu-stage/node_modules/onnxruntime-node/bin/napi-v6/linux
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
  npx esbuild bench/predict-gpu-node.ts --bundle --platform=node --format=esm --target=node20 \
    --outfile="$G/predict-gpu-node.mjs" --external:onnxruntime-node --log-level=warning \
    "--banner:js=import { createRequire as __adniCreateRequire } from 'node:module'; const require = __adniCreateRequire(import.meta.url);"
  local s=/tmp/adni-gpu-stage/node_modules
  cp -r node_modules/onnxruntime-node/package.json node_modules/onnxruntime-node/dist "$s/onnxruntime-node/"
  cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$s/onnxruntime-node/bin/napi-v6/linux/"
  cp -r node_modules/onnxruntime-common "$s/" && rm -rf "$s/onnxruntime-common/lib"
  tar -C /tmp/adni-gpu-stage -cJf "$G/node_modules.tar.xz" node_modules
  xz -6 -c "$(command -v node)" >"$G/node.xz"
  local b=/tmp/adni-gpu-stage/standin && mkdir -p "$b"
  echo 'int adni_stub(void) { return 0; }' >"$b/stub.c"
  for l in cudart.so.12 cublasLt.so.12 cublas.so.12 cudnn.so.9; do gcc -shared -fPIC -o "$b/lib$l" "$b/stub.c" -Wl,-soname,"lib$l"; done
  echo 'int adni_cuda12_standin(void) { return 12; }' >"$b/cuda.c"
  gcc -shared -fPIC -o "$G/standin/libonnxruntime_providers_cuda.so" "$b/cuda.c" -Wl,--no-as-needed \
    "$b/libcudart.so.12" "$b/libcublasLt.so.12" "$b/libcublas.so.12" "$b/libcudnn.so.9"
  echo 'static void *host; void Provider_SetHost(void *p) { host = p; }' >"$b/shared.c"
  gcc -shared -fPIC -o "$G/standin/libonnxruntime_providers_shared.so" "$b/shared.c"
  rm -rf /tmp/adni-gpu-stage
  du -sh "$G"; ls -la "$G" "$G/standin"
}

unxz_to() { if command -v xz >/dev/null; then xz -dc "$1" >"$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi; }

device() {
  local out="$1" w=/tmp/adni-gpu
  rm -rf "$w" && mkdir -p "$w"
  echo "== environment $(date -u +%FT%TZ)"
  { uname -m; nproc; nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; } 2>&1 | tee "$w/env-host.txt"
  echo "node on PATH: $(command -v node || echo none) $(node -v 2>/dev/null)" | tee "$w/env-node.txt"
  ldconfig -p | grep -E 'cublas|cudart|cudnn' | tee "$w/env-ldconfig.txt"
  echo "-- CUDA 12 runtime libraries anywhere under /usr /opt (libcudart.so.12, libcublasLt.so.12):"
  timeout 30 find /usr /opt -name 'libcudart.so.12*' -o -name 'libcublasLt.so.12*' 2>/dev/null | head | tee "$w/env-cuda12.txt"
  python3 -c 'import onnxruntime as o; print(o.__version__, o.get_available_providers())' 2>&1 | tee "$w/env-ort.txt"
  nvcc --version 2>&1 | tail -2 | tee "$w/env-nvcc.txt"
  python3 -m pip list 2>/dev/null | grep -iE '^(torch|onnxruntime|onnx|nvidia-cuda-runtime|nvidia-cublas|nvidia-cudnn-cu13) ' | tee "$w/env-pip.txt"

  echo "== node predictor (onnxruntime-node as npm ships it)"
  unxz_to "$G/node.xz" "$w/node" && chmod +x "$w/node" && "$w/node" -v
  python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$G/node_modules.tar.xz" "$w"
  cp "$G/predict-gpu-node.mjs" "$w/"
  "$w/node" "$w/predict-gpu-node.mjs" --json "$out/node.json" --model-dir model --tensors "$w/tensors.json" ${PREDICT_GPU_NODE_ARGS:-} >/dev/null
  echo "rc=$? (node.json)"
  echo "== node predictor with stand-in CUDA 12 provider libraries"
  cp "$G"/standin/*.so "$w/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/"
  "$w/node" "$w/predict-gpu-node.mjs" --json "$out/node-standin.json" --model-dir model --selection-only >/dev/null
  echo "rc=$? (node-standin.json)"

  echo "== PyTorch on CUDA, python onnxruntime on CPU"
  PYTHONUNBUFFERED=1 python3 bench/predict-gpu.py --json "$out/python.json" --tensors "$w/tensors.json" ${PREDICT_GPU_PY_ARGS:-}
  echo "rc=$? (python.json)"
  nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,utilization.gpu --format=csv 2>&1

  python3 - "$out" "$w" <<'EOF'
import json, os, sys
out, w = sys.argv[1], sys.argv[2]
def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}"}
def text(name):
    try:
        return open(os.path.join(w, name)).read().strip().splitlines()
    except Exception as e:  # noqa: BLE001
        return [f"{type(e).__name__}: {e}"]
merged = {
    "about": "bench/predict-gpu.sh device: the prediction model on a GPU host (see docs/BENCHMARKS.md, GPU)",
    "environment": {k: text(f"env-{k}.txt") for k in ("host", "node", "ldconfig", "cuda12", "ort", "nvcc", "pip")},
    "nodePredictor": load("node.json"),
    "nodePredictorWithStandInCuda12Provider": load("node-standin.json"),
    "pytorchAndOnnxruntimePython": load("python.json"),
}
json.dump(merged, open(os.path.join(out, "predict-gpu.json"), "w"), indent=2)
print("merged ->", os.path.join(out, "predict-gpu.json"))
EOF
}

case "${1:-}" in
  prepare) prepare ;;
  device) out="${OUT:-/tmp/adni-gpu-out}" && mkdir -p "$out" && device "$out" 2>&1 | tee "$out/predict-gpu.log" ;;
  *) echo "usage: bash bench/predict-gpu.sh prepare|device" >&2; exit 2 ;;
esac
