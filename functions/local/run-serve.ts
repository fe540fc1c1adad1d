import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../providers/local/local-stack.js';
import { createLocalPrediction, type LocalPrediction } from '../../providers/local/local-prediction.js';
import { webAppRoutes } from '../../providers/local/web-app-routes.js';

/**
 * `adni serve` / `npm start`: starts the local stack, says where everything is, and runs until
 * Ctrl-C / SIGTERM, then shuts down cleanly (watcher, server, running jobs).
 *
 * @example
 * await runServe({ port: 8080 });
 */
export async function runServe(options: Pick<LocalStackOptions, 'port' | 'host' | 'dataDir'>): Promise<void> {
  const local = await loadPrediction();
  const stack = await startLocalStack({
    ...options,
    jobOutput: 'inherit',
    configure: (app) => app.route('/', webAppRoutes()),
    ...(local ? { prediction: local.prediction } : {}),
  });
  local?.bind(stack);
  const lines = [
    `ADNI local stack running at ${stack.url}`,
    `  dashboard:     ${stack.url}/`,
    `  data dir:      ${stack.dataDir}`,
    `  upload:        npx adni upload --patient P001 --session 2024-03-01 --mri mri.nii.gz --pet pet.nii.gz`,
    `  or drop files: ${stack.dropDir}/{patient}/{YYYY-MM-DD}/{mri,pet}.nii.gz`,
    `  outputs:       ${stack.dataDir}/store/preprocessed/{patient}/{YYYY-MM-DD}/`,
    `  health:        ${stack.url}/health`,
    `  FHIR R4:       ${stack.fhirUrl ?? 'off (ADNI_FHIR=off)'}`,
    ...accessLines(stack.access),
    `  prediction:    ${local ? `POST ${stack.url}/predict-progression (${local.prediction.predictor.device})` : 'off (the model could not be loaded; see the message above)'}`,
    'Press Ctrl-C to stop.',
  ];
  console.log(lines.join('\n'));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: stopping (running jobs are interrupted and run again on the next start)...`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await stack.close();
}

/** What the banner says about protection; the API key itself only on the start that generated it. */
function accessLines(access: LocalStack['access']): string[] {
  const key = access.apiKey;
  const keyLines = key
    ? key.created
      ? [`  API key:       ${key.key}`, `                 (shown once; kept in ${key.file}, mode 0600) send it as "Authorization: Bearer <key>" or "x-api-key"`]
      : [`  API key:       in ${key.file} (send it as "Authorization: Bearer <key>" or "x-api-key")`]
    : [];
  switch (access.mode) {
    case 'open':
      return ['  access:        OPEN to anyone on this machine (loopback, no AUTH_* settings); set HOST beyond loopback to require an API key, or AUTH_ISSUER/AUTH_AUDIENCE for tokens'];
    case 'api-key':
      return ['  access:        API key required on every route but /health, /local-store (presigned) and the dashboard files', ...keyLines];
    case 'oidc':
      return ['  access:        OIDC bearer token required (AUTH_ISSUER) on every route but /health, /local-store (presigned) and the dashboard files'];
    case 'oidc+api-key':
      return ['  access:        OIDC bearer token or API key required on every route but /health, /local-store (presigned) and the dashboard files', ...keyLines];
  }
}

/** The model, or undefined (and a one-line reason) when it cannot load: the rest of the stack still runs. */
async function loadPrediction(): Promise<LocalPrediction | undefined> {
  try {
    return await createLocalPrediction();
  } catch (error) {
    console.error(`prediction is off: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
