import https from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { ArmTemplate } from './arm-template.js';
import { AzurePluginError, azureNames, type AzureServiceSettings } from './settings.js';

export interface AzureDeployOptions {
  settings: AzureServiceSettings;
  subscriptionId: string;
  credential: TokenCredential;
  infrastructure: ArmTemplate;
  events: ArmTemplate;
  /** The Function App package (`functionapp.zip`). */
  zip: Buffer;
  /** Progress lines. */
  log: (message: string) => void;
  /** ARM base URL (default `https://management.azure.com`); tests point it at a loopback server. */
  armEndpoint?: string;
  /** The Function App's Kudu/SCM base URL (default `https://{app}.scm.azurewebsites.net`). */
  scmBaseUrl?: string;
  /** Extra trusted CA (PEM) for both endpoints: tests only. */
  ca?: string;
}

export interface AzureDeployResult {
  /** Names of the ARM deployments, in order. */
  deployments: string[];
  /** Outputs of the infrastructure deployment (Function App URL, storage account, prediction URL). */
  outputs: Record<string, unknown>;
}

const ARM_SCOPE = 'https://management.azure.com/.default';

/**
 * Deploys one stage with the official ARM SDK, in the order the resources need: resource group, the
 * infrastructure template (incremental mode), the code (zip deploy to the Flex Consumption app's `/api/publish`),
 * then the Event Grid subscription (its Function destination exists only once the code is there). Every step
 * is a create-or-update with deterministic names, so a re-run converges instead of duplicating.
 *
 * @example
 * await deployAzure({ settings, subscriptionId, credential: new DefaultAzureCredential(), infrastructure, events, zip, log: console.log });
 */
export async function deployAzure(o: AzureDeployOptions): Promise<AzureDeployResult> {
  const s = o.settings;
  const names = azureNames(s);
  const rg = s.provider.resourceGroup;
  const endpoint = o.armEndpoint ?? 'https://management.azure.com';
  const client = new ResourceManagementClient(o.credential, o.subscriptionId, {
    endpoint,
    $host: endpoint,
    credentialScopes: [ARM_SCOPE],
    ...(o.ca ? { tlsOptions: { ca: o.ca } } : {}),
  });
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    o.log(`Azure: ${what}...`);
    try {
      return await run();
    } catch (error) {
      throw new AzurePluginError(`Azure deploy failed at "${what}": ${describe(error)}`);
    }
  };

  await step(`resource group ${rg} (${s.provider.region})`, () =>
    client.resourceGroups.createOrUpdate(rg, { location: s.provider.region, tags: { app: s.service, stage: s.stage } }),
  );
  const infraName = `${s.service}-${s.stage}-infrastructure`;
  const infra = await step(`deployment ${infraName} (storage, identities, roles, Function App, Container Apps)`, () =>
    client.deployments.beginCreateOrUpdateAndWait(rg, infraName, { properties: { mode: 'Incremental', template: { ...o.infrastructure }, parameters: {} } }),
  );
  const outputs = Object.fromEntries(
    Object.entries((infra.properties?.outputs ?? {}) as Record<string, { value?: unknown }>).map(([k, v]) => [k, v?.value]),
  );
  const scm = o.scmBaseUrl ?? `https://${names.functionApp}.scm.azurewebsites.net`;
  await step(`zip deploy of ${o.zip.length} bytes to ${names.functionApp}`, async () => {
    const token = await o.credential.getToken(ARM_SCOPE);
    if (!token) throw new Error('no access token for the Function App deployment');
    // Flex Consumption's one-deploy endpoint: the package is already built (no remote npm install).
    await postZip(`${scm}/api/publish?RemoteBuild=false`, o.zip, token.token, o.ca);
  });
  const eventsName = `${s.service}-${s.stage}-events`;
  await step(`deployment ${eventsName} (Event Grid subscription raw/*.nii.gz -> uploadEventGrid)`, () =>
    client.deployments.beginCreateOrUpdateAndWait(rg, eventsName, { properties: { mode: 'Incremental', template: { ...o.events }, parameters: {} } }),
  );
  return { deployments: [infraName, eventsName], outputs };
}

function postZip(url: string, zip: Buffer, token: string, ca?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip', 'content-length': zip.length }, ...(ca ? { ca } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`zip deploy answered ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
        });
      },
    );
    request.on('error', reject);
    request.end(zip);
  });
}

/** A one-line reason from an SDK or credential error (ARM puts the useful part in `code` + `message`). */
function describe(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { code?: string; message?: string; name?: string };
    if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError') {
      return 'no Azure credentials (run `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)';
    }
    return [e.code, e.message?.split('\n')[0]].filter(Boolean).join(': ') || String(error);
  }
  return String(error);
}
