import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GoogleAuth } from 'google-auth-library';
import { deployGcp } from './deploy.js';
import { gcpPlan, type GcpPlan } from './plan.js';
import { GcpPluginError, readGcpSettings, type GcpServiceSettings } from './settings.js';
import { packageGcpSource } from './source-package.js';

/** The parts of the serverless 3 instance this plugin uses. */
interface Serverless {
  serviceDir: string;
  service: {
    service: string;
    provider: Record<string, any>;
    functions: Record<string, any>;
    package: { artifact?: string; path?: string };
  };
  setProvider(name: string, provider: unknown): void;
  configSchemaHandler: { defineProvider(name: string, options: Record<string, unknown>): void };
  classes: { Error: new (message: string, code?: string) => Error };
}
interface PluginUtils {
  log: { notice(m: string): void; success(m: string): void };
}

/** File names the package step writes into the service's `.serverless/` (tests and deploy read them). */
export const GCP_ARTIFACTS = { zip: 'gcp-source.zip', plan: 'gcp-plan.json' } as const;

/**
 * A Serverless Framework 3 provider plugin for Google Cloud (`provider.name: google`), replacing the retired
 * serverless-google-cloudfunctions (1st gen + Deployment Manager): `package` bundles the Cloud Run functions
 * (2nd gen) source and writes the deployment plan; `deploy` applies the plan through the Google REST APIs
 * (see `./deploy.ts`). Loaded through `providers/gcp/serverless-plugin.cjs`.
 */
export class GcpServerlessPlugin {
  static getProviderName() {
    return 'google';
  }
  readonly provider = this;
  readonly hooks: Record<string, () => Promise<void>>;

  constructor(
    private readonly serverless: Serverless,
    private readonly options: Record<string, any>,
    private readonly utils: PluginUtils,
  ) {
    serverless.setProvider('google', this);
    serverless.configSchemaHandler.defineProvider('google', {
      provider: {
        properties: {
          runtime: { const: 'nodejs22' },
          project: { type: 'string' },
          region: { type: 'string' },
          bucketPrefix: { type: 'string' },
          webOrigin: { type: 'string' },
          storage: { type: 'object' },
          source: { type: 'object' },
          preprocessingJob: { type: 'object' },
          auth: { type: 'object' },
          fhirBaseUrl: { type: 'string' },
        },
      },
      function: {
        properties: {
          handler: { type: 'string' },
          image: { type: 'string' },
          gpu: { type: 'object' },
          memory: { type: 'string' },
          cpu: { type: 'string' },
          timeoutSeconds: { type: 'integer' },
          maxInstances: { type: 'integer' },
        },
      },
      functionEvents: { storage: { type: 'object' }, http: { type: 'object' }, schedule: { type: 'object' } },
    });
    this.hooks = {
      // Before the core packager: it would otherwise zip the whole service directory.
      'before:package:createDeploymentArtifacts': () => this.friendly(() => this.package()),
      'deploy:deploy': () => this.friendly(() => this.deploy()),
    };
  }

  /** Our own errors become serverless errors: one readable line, no stack trace. */
  private async friendly(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (error instanceof GcpPluginError) throw new this.serverless.classes.Error(error.message, 'GCP_PLUGIN');
      throw error;
    }
  }

  settings(): GcpServiceSettings {
    const { service, provider, functions } = this.serverless.service;
    return readGcpSettings({ service, stage: provider.stage, provider, functions });
  }

  private outDir() {
    const dir = this.options.package ?? this.serverless.service.package.path ?? '.serverless';
    return path.resolve(this.serverless.serviceDir, dir);
  }

  async package(): Promise<void> {
    const s = this.settings();
    const outDir = this.outDir();
    await mkdir(outDir, { recursive: true });
    const pkg = await packageGcpSource({ entry: path.resolve(this.serverless.serviceDir, s.provider.source.entry), outDir, zipName: GCP_ARTIFACTS.zip });
    this.serverless.service.package.artifact = pkg.zipPath;
    const plan = gcpPlan(s, GCP_ARTIFACTS.zip);
    await writeFile(path.join(outDir, GCP_ARTIFACTS.plan), JSON.stringify({ ...plan, sourcePackage: { files: pkg.files, zipBytes: pkg.zipBytes, bundleBytes: pkg.bundleBytes, dependencies: pkg.dependencies } }, null, 2));
    this.utils.log.notice(`Google Cloud: packaged ${GCP_ARTIFACTS.zip} (${(pkg.zipBytes / 1024).toFixed(0)} KiB) and ${GCP_ARTIFACTS.plan} (${plan.steps.length} steps)`);
  }

  async deploy(): Promise<void> {
    const s = this.settings();
    const outDir = this.outDir();
    const plan = JSON.parse(await readFile(path.join(outDir, GCP_ARTIFACTS.plan), 'utf8')) as GcpPlan;
    const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
    // One base URL for every Google API: stand-in servers (tests, emulators); unset in real deployments.
    const endpoint = process.env.ADNI_GCP_API_ENDPOINT;
    await deployGcp({
      plan,
      zip: await readFile(path.join(outDir, GCP_ARTIFACTS.zip)),
      endpoints: endpoint ? { iam: endpoint, storage: endpoint, run: endpoint, functions: endpoint, resourceManager: endpoint, scheduler: endpoint } : undefined,
      accessToken: async () => {
        // A ready token wins (as Terraform's google provider reads it: CI with `gcloud auth print-access-token`).
        if (process.env.GOOGLE_OAUTH_ACCESS_TOKEN) return process.env.GOOGLE_OAUTH_ACCESS_TOKEN;
        try {
          const token = await auth.getAccessToken();
          if (!token) throw new Error('empty token');
          return token;
        } catch {
          throw new GcpPluginError('no Google Cloud credentials: run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file');
        }
      },
      log: (m) => this.utils.log.notice(m),
    });
    this.utils.log.success(`Google Cloud: deployed ${s.service} (${s.stage}) to ${s.provider.project} / ${s.provider.region}`);
  }
}
