# The prediction endpoint's Lambda container image (serverless.yml `predictProgression`, param
# predictionImageUri): onnxruntime-node (~300 MB) is over a zip Lambda's 250 MB limit. Build from the
# repository root:
#   docker build -f functions/aws/prediction.Dockerfile -t adni-prediction .
# Lambda has no GPU: PREDICT_DEVICE=auto logs the CPU fallback once per cold start. For a GPU host (ECS/EKS,
# or the Azure/Google GPU services) build a separate image: base it on an NVIDIA CUDA 12 runtime with cuDNN 9
# (onnxruntime-node 1.30's CUDA provider is built for those; a host with only CUDA 13 libraries cannot load it,
# see docs/MODEL.md "GPU"), set ONNXRUNTIME_NODE_INSTALL=cuda12 instead of `skip` for the install below (it then
# downloads libonnxruntime_providers_{shared,cuda}.so from NuGet, so the build needs that network access), run
# with PREDICT_DEVICE=cuda so a missing provider is an error rather than a CPU fallback, and run the parity test
# once on such a host from a checkout: PREDICT_DEVICE=cuda npx vitest run shared/model/parity.test.ts.

# --- build: one ESM bundle of the handler; onnxruntime-node (native addon) stays external ----------------
FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY shared ./shared
COPY providers ./providers
COPY functions ./functions
RUN npx esbuild functions/aws/predict-progression.ts --bundle --platform=node --format=esm --target=node22 \
      --outfile=dist/predict-progression.mjs --external:onnxruntime-node --log-level=warning \
      "--banner:js=import { createRequire as __adniCreateRequire } from 'node:module'; const require = __adniCreateRequire(import.meta.url);" \
 && node -p "require('./package-lock.json').packages['node_modules/onnxruntime-node'].version" > dist/onnxruntime-version

# --- runtime: the AWS Lambda Node 22 base image, the bundle, the committed model, onnxruntime-node --------
FROM public.ecr.aws/lambda/nodejs:22
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    PREDICT_MODEL_DIR=/var/task/model \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /var/task
COPY --from=build /src/dist ./dist
COPY model/model.json model/model.onnx ./model/
RUN npm install --no-save --no-audit --no-fund "onnxruntime-node@$(cat dist/onnxruntime-version)" && npm cache clean --force
CMD ["dist/predict-progression.handler"]
