import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { AZURE_HTTP_ROUTES } from '../../../functions/azure/routes.js';
import { AZURE_TIMERS } from '../../../functions/azure/timers.js';
import { azureRoutes, azureTemplates, azureTimers } from './arm-template.js';
import { deployAzure } from './deploy.js';
import { packageFunctionApp } from './function-app-package.js';
import { AzurePluginError, azureNames, readAzureSettings, type AzureServiceSettings } from './settings.js';

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
  processedInput: { options: Record<string, any> };
  classes: { Error: new (message: string, code?: string) => Error };
}
interface PluginUtils {
  log: { notice(m: string): void; info(m: string): void; success(m: string): void; warning(m: string): void };
  progress?: { create(o: { message: string }): { update(m: string): void; remove(): void } };
}

/** File names the package step writes into the service's `.serverless/` (tests and deploy read them). */
export const AZURE_ARTIFACTS = {
  zip: 'functionapp.zip',
  template: 'azuredeploy.json',
  eventsTemplate: 'azuredeploy-events.json',
  manifest: 'azure-manifest.json',
} as const;

const stringOrObject = { anyOf: [{ type: 'string' }, { type: 'object' }] };

/**
 * A Serverless Framework 3 provider plugin for Azure (`provider.name: azure`): `package` bundles the Function
 * App (Azure Functions Node.js v4 model, Flex Consumption, Node 22) and writes ARM templates to `.serverless/`;
 * `deploy` applies them with `@azure/arm-resources` and zip-deploys the code (see `./deploy.ts`).
 * Loaded through `providers/azure/serverless-plugin.cjs`.
 */
export class AzureServerlessPlugin {
  static getProviderName() {
    return 'azure';
  }
  readonly provider = this;
  readonly hooks: Record<string, () => Promise<void>>;

  constructor(
    private readonly serverless: Serverless,
    private readonly options: Record<string, any>,
    private readonly utils: PluginUtils,
  ) {
    serverless.setProvider('azure', this);
    serverless.configSchemaHandler.defineProvider('azure', {
      provider: {
        properties: {
          runtime: { const: 'node22' },
          region: { type: 'string' },
          resourceGroup: { type: 'string' },
          subscriptionId: { type: 'string' },
          namePrefix: { type: 'string' },
          webOrigin: { type: 'string' },
          registryServer: { type: 'string' },
          storage: { type: 'object' },
          functionApp: { type: 'object' },
          preprocessingJob: { type: 'object' },
          auth: { type: 'object' },
          fhirBaseUrl: { type: 'string' },
        },
      },
      function: { properties: { handler: { type: 'string' }, image: { type: 'string' }, gpu: { type: 'string' } } },
      functionEvents: { eventGrid: { type: 'object' }, http: stringOrObject, timer: { type: 'object' } },
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
      if (error instanceof AzurePluginError) throw new this.serverless.classes.Error(error.message, 'AZURE_PLUGIN');
      throw error;
    }
  }

  /** The validated settings (zod): a bad serverless.yml fails here with every bad field named. */
  settings(): AzureServiceSettings {
    const { service, provider, functions } = this.serverless.service;
    return readAzureSettings({ service, stage: provider.stage, provider, functions });
  }

  private outDir() {
    return path.resolve(this.serverless.serviceDir, this.options.package ?? '.serverless');
  }

  async package(): Promise<void> {
    const s = this.settings();
    checkRoutes(s);
    checkTimers(s);
    const outDir = this.outDir();
    await mkdir(outDir, { recursive: true });
    const entry = path.resolve(this.serverless.serviceDir, s.provider.functionApp.entry);
    const pkg = await packageFunctionApp({ entry, outDir, zipName: AZURE_ARTIFACTS.zip });
    // The core packager sees an existing artifact and stops (no zip of the service folder).
    this.serverless.service.package.artifact = pkg.zipPath;
    const templates = azureTemplates(s);
    await writeFile(path.join(outDir, AZURE_ARTIFACTS.template), JSON.stringify(templates.infrastructure, null, 2));
    await writeFile(path.join(outDir, AZURE_ARTIFACTS.eventsTemplate), JSON.stringify(templates.events, null, 2));
    const manifest = {
      service: s.service,
      stage: s.stage,
      location: s.provider.region,
      resourceGroup: s.provider.resourceGroup,
      names: azureNames(s),
      routes: azureRoutes(s),
      timers: azureTimers(s),
      functionApp: { zip: AZURE_ARTIFACTS.zip, files: pkg.files, zipBytes: pkg.zipBytes, bundleBytes: pkg.bundleBytes },
      preprocessingJob: s.provider.preprocessingJob,
    };
    await writeFile(path.join(outDir, AZURE_ARTIFACTS.manifest), JSON.stringify(manifest, null, 2));
    if (!s.provider.auth.issuer || !s.provider.auth.audience) {
      this.utils.log.notice('Azure: authIssuer/authAudience are not set: the packaged API would answer 500 misconfigured (deploy refuses until they are)');
    }
    this.utils.log.notice(
      `Azure: packaged ${path.relative(process.cwd(), pkg.zipPath)} (${(pkg.zipBytes / 1024).toFixed(0)} KiB) and ${AZURE_ARTIFACTS.template} + ${AZURE_ARTIFACTS.eventsTemplate}`,
    );
  }

  async deploy(): Promise<void> {
    const s = this.settings();
    if (!s.provider.auth.issuer || !s.provider.auth.audience) {
      throw new AzurePluginError(
        'Azure deploy needs the API token settings: --param="authIssuer=https://login.microsoftonline.com/<tenant>/v2.0" --param="authAudience=<app id URI or client id>" (the API refuses every request without them; docs/DEPLOY.md)',
      );
    }
    const outDir = this.serverless.service.package.path ? path.resolve(this.serverless.serviceDir, this.serverless.service.package.path) : this.outDir();
    const subscriptionId = s.provider.subscriptionId || process.env.AZURE_SUBSCRIPTION_ID;
    if (!subscriptionId) {
      throw new AzurePluginError('Azure deploy needs a subscription: set AZURE_SUBSCRIPTION_ID (or provider.subscriptionId) and sign in (az login, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)');
    }
    const read = async (name: string) => JSON.parse(await readFile(path.join(outDir, name), 'utf8'));
    await deployAzure({
      settings: s,
      subscriptionId,
      credential: new DefaultAzureCredential(),
      infrastructure: await read(AZURE_ARTIFACTS.template),
      events: await read(AZURE_ARTIFACTS.eventsTemplate),
      zip: await readFile(path.join(outDir, AZURE_ARTIFACTS.zip)),
      log: (m) => this.utils.log.notice(m),
      // Stand-in servers (tests); unset in real deployments. Trust their certificate with NODE_EXTRA_CA_CERTS.
      armEndpoint: process.env.ADNI_AZURE_ARM_ENDPOINT || undefined,
      scmBaseUrl: process.env.ADNI_AZURE_SCM_URL || undefined,
    });
    this.utils.log.success(`Azure: deployed ${s.service} (${s.stage}) to resource group ${s.provider.resourceGroup}`);
  }
}

/**
 * The Function App's http events must be exactly the routes its code registers (functions/azure/routes.ts):
 * a route declared in serverless.yml but not in the code would deploy and answer 404.
 */
export function checkRoutes(s: AzureServiceSettings): void {
  const declared = Object.values(s.functions)
    .filter((fn) => !fn.image)
    .flatMap((fn) => fn.events.flatMap((e) => (e.http ? [`${e.http.method} ${e.http.route}`] : [])))
    .sort();
  const registered = AZURE_HTTP_ROUTES.flatMap((r) => r.methods.map((m) => `${m} ${r.route}`)).sort();
  if (JSON.stringify(declared) !== JSON.stringify(registered)) {
    throw new AzurePluginError(
      `serverless.yml http events (${declared.join(', ')}) differ from the routes functions/azure/routes.ts registers (${registered.join(', ')})`,
    );
  }
}

/**
 * Each `timer` event must be a timer the Function App code registers (functions/azure/index.ts), and each of those
 * must be declared: an undeclared one would run on the code's default schedule, a declared unknown one never.
 */
export function checkTimers(s: AzureServiceSettings): void {
  const declared = azureTimers(s).map((t) => t.function).sort();
  const registered = Object.keys(AZURE_TIMERS).sort();
  if (JSON.stringify(declared) !== JSON.stringify(registered)) {
    throw new AzurePluginError(
      `serverless.yml timer functions (${declared.join(', ') || 'none'}) differ from the timers functions/azure/index.ts registers (${registered.join(', ')})`,
    );
  }
}
