import { AZURE_TIMERS } from '../../../functions/azure/timers.js';
import { azureNames, type AzureNames, type AzureServiceSettings } from './settings.js';

/** Built-in Azure role definition ids (the same GUID in every tenant). */
export const BUILT_IN_ROLES = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
} as const;

/** The Event Grid subscription delivers to this Function (registered in functions/azure/index.ts). */
export const EVENT_GRID_FUNCTION_NAME = 'uploadEventGrid';

export type ArmResource = {
  type: string;
  apiVersion: string;
  name: string;
  location?: string;
  scope?: string;
  dependsOn?: string[];
  [key: string]: unknown;
};
export interface ArmTemplate {
  $schema: string;
  contentVersion: string;
  parameters: Record<string, { type: string; defaultValue?: unknown; metadata?: { description: string } }>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs: Record<string, { type: string; value: unknown }>;
}

export interface AzureTemplates {
  /** Everything except the Event Grid subscription (storage, identities, roles, Function App, Container Apps). */
  infrastructure: ArmTemplate;
  /** The Event Grid subscription: its Function destination must exist, so it is deployed after the zip deploy. */
  events: ArmTemplate;
}

const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';
const rid = (type: string, ...names: string[]) => `resourceId('${type}', ${names.map((n) => `'${n}'`).join(', ')})`;
const expr = (inner: string) => `[${inner}]`;
const IDENTITY = 'Microsoft.ManagedIdentity/userAssignedIdentities';
const STORAGE = 'Microsoft.Storage/storageAccounts';
const CONTAINER = 'Microsoft.Storage/storageAccounts/blobServices/containers';

/** A role assignment of `role` to an identity at `scope` (an ARM extension resource). */
function roleAssignment(o: {
  key: string;
  identity: string;
  roleDefinitionId: string;
  scope: string;
  description: string;
  dependsOn: string[];
}): ArmResource {
  return {
    type: 'Microsoft.Authorization/roleAssignments',
    apiVersion: '2022-04-01',
    // Deterministic GUID: a re-deploy updates the same assignment instead of failing on a duplicate.
    name: expr(`guid(resourceGroup().id, '${o.key}')`),
    scope: o.scope,
    dependsOn: [expr(rid(IDENTITY, o.identity)), ...o.dependsOn],
    properties: {
      roleDefinitionId: o.roleDefinitionId,
      principalId: expr(`reference(${rid(IDENTITY, o.identity)}, '2023-01-31').principalId`),
      principalType: 'ServicePrincipal',
      description: o.description,
    },
  };
}
const builtIn = (id: string) => expr(`subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${id}')`);
const containerScope = (account: string, container: string) => `${STORAGE}/${account}/blobServices/default/containers/${container}`;

/** A custom role holding exactly `actions`, assignable only inside this resource group. */
function customRole(key: string, roleName: string, description: string, actions: string[]): ArmResource {
  return {
    type: 'Microsoft.Authorization/roleDefinitions',
    apiVersion: '2022-04-01',
    name: expr(`guid(resourceGroup().id, '${key}')`),
    properties: {
      roleName: expr(`concat('${roleName} (', resourceGroup().name, ')')`),
      description,
      type: 'CustomRole',
      permissions: [{ actions, notActions: [], dataActions: [], notDataActions: [] }],
      assignableScopes: [expr('resourceGroup().id')],
    },
  };
}

function storageAccount(name: string, s: AzureServiceSettings): ArmResource {
  return {
    type: STORAGE,
    apiVersion: '2023-05-01',
    name,
    location: expr("parameters('location')"),
    kind: 'StorageV2',
    sku: { name: 'Standard_ZRS' },
    tags: { app: s.service, stage: s.stage },
    properties: {
      accessTier: 'Hot',
      allowBlobPublicAccess: false,
      // Entra ID only: SAS upload URLs are signed with a user delegation key, never the account key.
      allowSharedKeyAccess: false,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
      defaultToOAuthAuthentication: true,
    },
  };
}

function dataStorage(s: AzureServiceSettings, n: AzureNames): ArmResource[] {
  const st = s.provider.storage;
  const account = expr(rid(STORAGE, n.dataStorage));
  const blobService = expr(rid('Microsoft.Storage/storageAccounts/blobServices', n.dataStorage, 'default'));
  return [
    storageAccount(n.dataStorage, s),
    {
      type: 'Microsoft.Storage/storageAccounts/blobServices',
      apiVersion: '2023-05-01',
      name: `${n.dataStorage}/default`,
      dependsOn: [account],
      properties: {
        isVersioningEnabled: true,
        deleteRetentionPolicy: { enabled: true, days: 7 },
        containerDeleteRetentionPolicy: { enabled: true, days: 7 },
        // Browsers PUT straight to SAS URLs from the web origin.
        cors: {
          corsRules: [
            {
              allowedOrigins: [s.provider.webOrigin],
              allowedMethods: ['PUT', 'GET', 'HEAD'],
              allowedHeaders: ['content-type', 'x-ms-blob-type', 'x-ms-version', 'x-ms-date', 'x-ms-client-request-id'],
              exposedHeaders: ['etag', 'x-ms-version-id'],
              maxAgeInSeconds: 3000,
            },
          ],
        },
      },
    },
    ...[st.rawContainer, st.preprocessedContainer].map((container) => ({
      type: CONTAINER,
      apiVersion: '2023-05-01',
      name: `${n.dataStorage}/default/${container}`,
      dependsOn: [blobService],
      properties: { publicAccess: 'None' },
    })),
    {
      type: 'Microsoft.Storage/storageAccounts/managementPolicies',
      apiVersion: '2023-05-01',
      name: `${n.dataStorage}/default`,
      dependsOn: [blobService],
      properties: {
        policy: {
          rules: [
            {
              // Cool, then Cold (both online tiers, like Glacier Instant Retrieval on AWS): a re-upload of one
              // modality months later can still be preprocessed with the other without a rehydration.
              name: 'raw-to-cool-then-cold',
              enabled: true,
              type: 'Lifecycle',
              definition: {
                filters: { blobTypes: ['blockBlob'], prefixMatch: [`${st.rawContainer}/raw/`] },
                actions: {
                  baseBlob: {
                    tierToCool: { daysAfterModificationGreaterThan: st.rawCoolAfterDays },
                    tierToCold: { daysAfterModificationGreaterThan: st.rawArchiveAfterDays },
                  },
                },
              },
            },
            {
              // Job attempts stage outputs under staging/ and delete them after the commit: a killed attempt's are
              // never read again.
              name: 'expire-stale-staging',
              enabled: true,
              type: 'Lifecycle',
              definition: {
                filters: { blobTypes: ['blockBlob'], prefixMatch: [`${st.preprocessedContainer}/staging/`] },
                actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 7 } }, version: { delete: { daysAfterCreationGreaterThan: 1 } } },
              },
            },
            {
              name: 'expire-noncurrent-versions',
              enabled: true,
              type: 'Lifecycle',
              definition: {
                filters: { blobTypes: ['blockBlob'] },
                actions: { version: { delete: { daysAfterCreationGreaterThan: st.noncurrentVersionDays } } },
              },
            },
          ],
        },
      },
    },
  ];
}

function hostStorage(s: AzureServiceSettings, n: AzureNames): ArmResource[] {
  return [
    storageAccount(n.hostStorage, s),
    {
      type: 'Microsoft.Storage/storageAccounts/blobServices',
      apiVersion: '2023-05-01',
      name: `${n.hostStorage}/default`,
      dependsOn: [expr(rid(STORAGE, n.hostStorage))],
      properties: {},
    },
    {
      type: CONTAINER,
      apiVersion: '2023-05-01',
      name: `${n.hostStorage}/default/${n.deploymentContainer}`,
      dependsOn: [expr(rid('Microsoft.Storage/storageAccounts/blobServices', n.hostStorage, 'default'))],
      properties: { publicAccess: 'None' },
    },
  ];
}

function identities(s: AzureServiceSettings, n: AzureNames): ArmResource[] {
  return [n.functionIdentity, n.jobIdentity, n.predictionIdentity].map((name) => ({
    type: IDENTITY,
    apiVersion: '2023-01-31',
    name,
    location: expr("parameters('location')"),
    tags: { app: s.service, stage: s.stage },
  }));
}

/** Every role the three identities get: each one scoped to the narrowest resource that works. */
function roles(s: AzureServiceSettings, n: AzureNames): ArmResource[] {
  const st = s.provider.storage;
  const raw = expr(rid(CONTAINER, n.dataStorage, 'default', st.rawContainer));
  const preprocessed = expr(rid(CONTAINER, n.dataStorage, 'default', st.preprocessedContainer));
  const submitterRole = customRole('adni-aci-submitter', 'ADNI preprocessing job submitter', 'Create and read the per-job ACI container groups', [
    'Microsoft.ContainerInstance/containerGroups/read',
    'Microsoft.ContainerInstance/containerGroups/write',
  ]);
  const assignerRole = customRole('adni-identity-assigner', 'ADNI job identity assigner', 'Attach the job identity to a container group', [
    'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action',
  ]);
  const customId = (key: string) => expr(`resourceId('Microsoft.Authorization/roleDefinitions', guid(resourceGroup().id, '${key}'))`);
  return [
    submitterRole,
    assignerRole,
    // Functions host state (leases, timers) and the deployment package container: host storage only.
    roleAssignment({
      key: 'fn-host-storage-owner',
      identity: n.functionIdentity,
      roleDefinitionId: builtIn(BUILT_IN_ROLES.storageBlobDataOwner),
      scope: `${STORAGE}/${n.hostStorage}`,
      description: 'Functions host storage (AzureWebJobsStorage) and deployment packages',
      dependsOn: [expr(rid(STORAGE, n.hostStorage))],
    }),
    // HEAD both inputs, create jobs/ markers and status records: the raw container only.
    roleAssignment({
      key: 'fn-raw-contributor',
      identity: n.functionIdentity,
      roleDefinitionId: builtIn(BUILT_IN_ROLES.storageBlobDataContributor),
      scope: containerScope(n.dataStorage, st.rawContainer),
      description: 'Upload trigger: read raw inputs, write job markers; SAS uploads act with this right',
      dependsOn: [raw],
    }),
    // User delegation keys (SAS upload URLs) are an account-level action with no data access of its own.
    roleAssignment({
      key: 'fn-delegator',
      identity: n.functionIdentity,
      roleDefinitionId: builtIn(BUILT_IN_ROLES.storageBlobDelegator),
      scope: `${STORAGE}/${n.dataStorage}`,
      description: 'Sign SAS upload URLs with a user delegation key',
      dependsOn: [expr(rid(STORAGE, n.dataStorage))],
    }),
    roleAssignment({
      key: 'fn-aci-submitter',
      identity: n.functionIdentity,
      roleDefinitionId: customId('adni-aci-submitter'),
      scope: expr('resourceGroup().id'),
      description: 'Create and read preprocessing container groups in this resource group',
      dependsOn: [expr(`resourceId('Microsoft.Authorization/roleDefinitions', guid(resourceGroup().id, 'adni-aci-submitter'))`)],
    }),
    // Only the job identity can be attached to the groups the function creates.
    roleAssignment({
      key: 'fn-assign-job-identity',
      identity: n.functionIdentity,
      roleDefinitionId: customId('adni-identity-assigner'),
      scope: `${IDENTITY}/${n.jobIdentity}`,
      description: 'Attach the job identity to preprocessing container groups',
      dependsOn: [expr(rid(IDENTITY, n.jobIdentity)), expr(`resourceId('Microsoft.Authorization/roleDefinitions', guid(resourceGroup().id, 'adni-identity-assigner'))`)],
    }),
    roleAssignment({
      key: 'job-raw-reader',
      identity: n.jobIdentity,
      roleDefinitionId: builtIn(BUILT_IN_ROLES.storageBlobDataReader),
      scope: containerScope(n.dataStorage, st.rawContainer),
      description: 'Preprocessing job: read the raw inputs',
      dependsOn: [raw],
    }),
    roleAssignment({
      key: 'job-preprocessed-contributor',
      identity: n.jobIdentity,
      roleDefinitionId: builtIn(BUILT_IN_ROLES.storageBlobDataContributor),
      scope: containerScope(n.dataStorage, st.preprocessedContainer),
      description: 'Preprocessing job: write outputs and status records',
      dependsOn: [preprocessed],
    }),
    roleAssignment({
      key: 'predict-preprocessed-reader',
      identity: n.predictionIdentity,
      roleDefinitionId: builtIn(BUILT_IN_ROLES.storageBlobDataReader),
      scope: containerScope(n.dataStorage, st.preprocessedContainer),
      description: 'Prediction endpoint: read ROI features',
      dependsOn: [preprocessed],
    }),
  ];
}

function monitoring(s: AzureServiceSettings, n: AzureNames): ArmResource[] {
  return [
    {
      type: 'Microsoft.OperationalInsights/workspaces',
      apiVersion: '2023-09-01',
      name: n.logAnalytics,
      location: expr("parameters('location')"),
      properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 },
    },
    {
      type: 'Microsoft.Insights/components',
      apiVersion: '2020-02-02',
      name: n.appInsights,
      location: expr("parameters('location')"),
      kind: 'web',
      dependsOn: [expr(rid('Microsoft.OperationalInsights/workspaces', n.logAnalytics))],
      properties: { Application_Type: 'web', WorkspaceResourceId: expr(rid('Microsoft.OperationalInsights/workspaces', n.logAnalytics)) },
    },
  ];
}

/**
 * The Function App's settings: exactly what `AzureUploadEnvSchema` / `AzureHttpEnvSchema` (providers/azure/config.ts)
 * validate at cold start, plus the host's identity-based storage connection.
 */
export function functionAppSettings(s: AzureServiceSettings, n: AzureNames = azureNames(s)): { name: string; value: string }[] {
  const fnIdentity = rid(IDENTITY, n.functionIdentity);
  const jobIdentity = rid(IDENTITY, n.jobIdentity);
  const job = s.provider.preprocessingJob;
  const settings: Record<string, string> = {
    AzureWebJobsStorage__accountName: n.hostStorage,
    AzureWebJobsStorage__credential: 'managedidentity',
    AzureWebJobsStorage__clientId: expr(`reference(${fnIdentity}, '2023-01-31').clientId`),
    APPLICATIONINSIGHTS_CONNECTION_STRING: expr(`reference(${rid('Microsoft.Insights/components', n.appInsights)}, '2020-02-02').ConnectionString`),
    // DefaultAzureCredential picks the user-assigned identity by this client id.
    AZURE_CLIENT_ID: expr(`reference(${fnIdentity}, '2023-01-31').clientId`),
    ADNI_STORAGE_ACCOUNT_URL: expr(`reference(${rid(STORAGE, n.dataStorage)}, '2023-05-01').primaryEndpoints.blob`),
    ADNI_UPLOAD_CONTAINER: s.provider.storage.rawContainer,
    ADNI_OUTPUT_CONTAINER: s.provider.storage.preprocessedContainer,
    ADNI_SUBSCRIPTION_ID: expr('subscription().subscriptionId'),
    ADNI_RESOURCE_GROUP: expr('resourceGroup().name'),
    ADNI_LOCATION: expr("parameters('location')"),
    ADNI_JOB_IMAGE: job.image,
    ADNI_JOB_IDENTITY_ID: expr(jobIdentity),
    ADNI_JOB_IDENTITY_CLIENT_ID: expr(`reference(${jobIdentity}, '2023-01-31').clientId`),
    ADNI_JOB_CPU: String(job.cpu),
    ADNI_JOB_MEMORY_GB: String(job.memoryGb),
    ADNI_JOB_TIMEOUT_SECONDS: String(job.timeoutMinutes * 60),
    ADNI_LOG_SALT: expr("parameters('logSalt')"),
  };
  if (s.provider.registryServer) settings.ADNI_REGISTRY_SERVER = s.provider.registryServer;
  // Timer schedules: the code registers each timer with its app setting (functions/azure/job-reconciler.ts).
  for (const timer of azureTimers(s)) settings[timer.setting] = timer.schedule;
  Object.assign(settings, authSettings(s));
  if (s.provider.fhirBaseUrl) Object.assign(settings, { FHIR_BASE_URL: s.provider.fhirBaseUrl, FHIR_AUTH: 'azure' });
  return Object.entries(settings).map(([name, value]) => ({ name, value }));
}

/** AUTH_* for the API (shared/auth/auth-config.ts): it fails closed without issuer and audience. */
export function authSettings(s: AzureServiceSettings): Record<string, string> {
  const a = s.provider.auth;
  return {
    AUTH_ISSUER: a.issuer,
    AUTH_AUDIENCE: a.audience,
    AUTH_SCOPE_PREFIX: a.scopePrefix,
    ...(a.jwksUrl ? { AUTH_JWKS_URL: a.jwksUrl } : {}),
  };
}

function functionApp(s: AzureServiceSettings, n: AzureNames): ArmResource[] {
  const fnIdentity = expr(rid(IDENTITY, n.functionIdentity));
  const fa = s.provider.functionApp;
  return [
    {
      type: 'Microsoft.Web/serverfarms',
      apiVersion: '2024-04-01',
      name: n.plan,
      location: expr("parameters('location')"),
      kind: 'functionapp',
      sku: { name: 'FC1', tier: 'FlexConsumption' },
      properties: { reserved: true },
    },
    {
      type: 'Microsoft.Web/sites',
      apiVersion: '2024-04-01',
      name: n.functionApp,
      location: expr("parameters('location')"),
      kind: 'functionapp,linux',
      tags: { app: s.service, stage: s.stage },
      identity: { type: 'UserAssigned', userAssignedIdentities: { [fnIdentity]: {} } },
      dependsOn: [
        expr(rid('Microsoft.Web/serverfarms', n.plan)),
        fnIdentity,
        expr(rid(IDENTITY, n.jobIdentity)),
        expr(rid('Microsoft.Insights/components', n.appInsights)),
        expr(rid(CONTAINER, n.hostStorage, 'default', n.deploymentContainer)),
        expr(rid(STORAGE, n.dataStorage)),
        // The host starts with identity-based storage: its role must exist first.
        expr(`resourceId('Microsoft.Authorization/roleAssignments', guid(resourceGroup().id, 'fn-host-storage-owner'))`),
      ],
      properties: {
        serverFarmId: expr(rid('Microsoft.Web/serverfarms', n.plan)),
        httpsOnly: true,
        siteConfig: {
          minTlsVersion: '1.2',
          ftpsState: 'Disabled',
          http20Enabled: true,
          cors: { allowedOrigins: [s.provider.webOrigin] },
          appSettings: functionAppSettings(s, n),
        },
        functionAppConfig: {
          deployment: {
            storage: {
              type: 'blobContainer',
              value: expr(`concat(reference(${rid(STORAGE, n.hostStorage)}, '2023-05-01').primaryEndpoints.blob, '${n.deploymentContainer}')`),
              authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: fnIdentity },
            },
          },
          scaleAndConcurrency: { maximumInstanceCount: fa.maximumInstanceCount, instanceMemoryMB: fa.instanceMemoryMB },
          runtime: { name: 'node', version: '22' },
        },
      },
    },
  ];
}

function prediction(s: AzureServiceSettings, n: AzureNames): ArmResource[] {
  const fn = s.functions.predictProgression;
  if (!fn?.image) return [];
  // Without `gpu:` the endpoint runs on the Consumption profile (CPU inference measured at well under a
  // millisecond per patient, docs/BENCHMARKS.md); with it, on a serverless GPU profile.
  const gpuProfile = fn.gpu;
  const profileName = gpuProfile ? 'gpu' : 'Consumption';
  const identity = expr(rid(IDENTITY, n.predictionIdentity));
  const law = rid('Microsoft.OperationalInsights/workspaces', n.logAnalytics);
  return [
    {
      type: 'Microsoft.App/managedEnvironments',
      apiVersion: '2024-03-01',
      name: n.containerEnvironment,
      location: expr("parameters('location')"),
      dependsOn: [expr(law)],
      properties: {
        appLogsConfiguration: {
          destination: 'log-analytics',
          logAnalyticsConfiguration: {
            customerId: expr(`reference(${law}, '2023-09-01').customerId`),
            sharedKey: expr(`listKeys(${law}, '2023-09-01').primarySharedKey`),
          },
        },
        workloadProfiles: [
          { name: 'Consumption', workloadProfileType: 'Consumption' },
          // Serverless GPU: billed per second while a replica runs, scales to zero.
          ...(gpuProfile ? [{ name: 'gpu', workloadProfileType: gpuProfile }] : []),
        ],
      },
    },
    {
      type: 'Microsoft.App/containerApps',
      apiVersion: '2024-03-01',
      name: n.predictionApp,
      location: expr("parameters('location')"),
      identity: { type: 'UserAssigned', userAssignedIdentities: { [identity]: {} } },
      dependsOn: [expr(rid('Microsoft.App/managedEnvironments', n.containerEnvironment)), identity],
      properties: {
        environmentId: expr(rid('Microsoft.App/managedEnvironments', n.containerEnvironment)),
        workloadProfileName: profileName,
        configuration: {
          ingress: {
            external: true,
            targetPort: 8080,
            transport: 'http',
            allowInsecure: false,
            corsPolicy: { allowedOrigins: [s.provider.webOrigin], allowedMethods: ['POST', 'OPTIONS'], allowedHeaders: ['content-type', 'authorization'] },
          },
          ...(s.provider.registryServer ? { registries: [{ server: s.provider.registryServer, identity }] } : {}),
        },
        template: {
          containers: [
            {
              name: 'predict',
              image: fn.image,
              // A T4 profile replica has 8 vCPU / 56 GiB; on Consumption the largest is 4 vCPU / 8 GiB.
              resources: gpuProfile ? { cpu: 8, memory: '56Gi' } : { cpu: 2, memory: '4Gi' },
              env: [
                { name: 'AZURE_CLIENT_ID', value: expr(`reference(${rid(IDENTITY, n.predictionIdentity)}, '2023-01-31').clientId`) },
                { name: 'ADNI_STORAGE_ACCOUNT_URL', value: expr(`reference(${rid(STORAGE, n.dataStorage)}, '2023-05-01').primaryEndpoints.blob`) },
                { name: 'ADNI_UPLOAD_CONTAINER', value: s.provider.storage.preprocessedContainer },
                { name: 'ADNI_LOG_SALT', value: expr("parameters('logSalt')") },
                ...Object.entries(authSettings(s)).map(([name, value]) => ({ name, value })),
              ],
              probes: [{ type: 'Readiness', httpGet: { path: '/health', port: 8080 } }],
            },
          ],
          scale: { minReplicas: 0, maxReplicas: 2, rules: [{ name: 'http', http: { metadata: { concurrentRequests: '20' } } }] },
        },
      },
    },
  ];
}

/** Every `timer` event: the function, its NCRONTAB schedule and the app setting that carries it to the code. */
export function azureTimers(s: AzureServiceSettings): { function: string; schedule: string; setting: string }[] {
  return Object.entries(s.functions).flatMap(([name, fn]) =>
    fn.events.flatMap((e) => (e.timer ? [{ function: name, schedule: e.timer.schedule, setting: AZURE_TIMERS[name] ?? '' }] : [])),
  );
}

/** `METHOD /route` of every http event, and which resource serves it. */
export function azureRoutes(s: AzureServiceSettings): { route: string; servedBy: 'functionApp' | 'predictionApp' }[] {
  return Object.entries(s.functions).flatMap(([, fn]) =>
    fn.events.flatMap((e) => (e.http ? [{ route: `${e.http.method} /${e.http.route}`, servedBy: fn.image ? ('predictionApp' as const) : ('functionApp' as const) }] : [])),
  );
}

/**
 * The ARM templates for one stage of the service: infrastructure (deployed first) and the Event Grid
 * subscription (deployed after the code, because its destination is a Function that must exist).
 *
 * @example
 * const { infrastructure, events } = azureTemplates(readAzureSettings(config));
 */
export function azureTemplates(s: AzureServiceSettings): AzureTemplates {
  const n = azureNames(s);
  const parameters: ArmTemplate['parameters'] = {
    location: { type: 'string', defaultValue: s.provider.region, metadata: { description: 'Azure region of every resource' } },
    logSalt: { type: 'securestring', defaultValue: expr("uniqueString(resourceGroup().id, 'adni-log-salt')"), metadata: { description: 'Salt of the patient pseudonyms in logs' } },
  };
  const infrastructure: ArmTemplate = {
    $schema: SCHEMA,
    contentVersion: '1.0.0.0',
    parameters,
    resources: [
      ...monitoring(s, n),
      ...identities(s, n),
      ...dataStorage(s, n),
      ...hostStorage(s, n),
      ...roles(s, n),
      ...functionApp(s, n),
      ...prediction(s, n),
      {
        type: 'Microsoft.EventGrid/systemTopics',
        apiVersion: '2022-06-15',
        name: n.systemTopic,
        location: expr("parameters('location')"),
        dependsOn: [expr(rid(STORAGE, n.dataStorage))],
        properties: { source: expr(rid(STORAGE, n.dataStorage)), topicType: 'Microsoft.Storage.StorageAccounts' },
      },
    ],
    outputs: {
      functionAppName: { type: 'string', value: n.functionApp },
      functionAppUrl: { type: 'string', value: expr(`concat('https://', reference(${rid('Microsoft.Web/sites', n.functionApp)}, '2024-04-01').defaultHostName)`) },
      dataStorageAccount: { type: 'string', value: n.dataStorage },
      ...(s.functions.predictProgression?.image
        ? { predictionUrl: { type: 'string', value: expr(`concat('https://', reference(${rid('Microsoft.App/containerApps', n.predictionApp)}, '2024-03-01').configuration.ingress.fqdn)`) } }
        : {}),
    },
  };
  const eventFunctions = Object.entries(s.functions).flatMap(([, fn]) => fn.events.flatMap((e) => (e.eventGrid ? [e.eventGrid] : [])));
  const events: ArmTemplate = {
    $schema: SCHEMA,
    contentVersion: '1.0.0.0',
    parameters: {},
    resources: eventFunctions.map((e, i) => ({
      type: 'Microsoft.EventGrid/systemTopics/eventSubscriptions',
      apiVersion: '2022-06-15',
      name: `${n.systemTopic}/${i === 0 ? 'raw-uploads' : `raw-uploads-${i}`}`,
      properties: {
        destination: {
          endpointType: 'AzureFunction',
          properties: { resourceId: expr(rid('Microsoft.Web/sites/functions', n.functionApp, EVENT_GRID_FUNCTION_NAME)), maxEventsPerBatch: 1, preferredBatchSizeInKilobytes: 64 },
        },
        filter: {
          includedEventTypes: ['Microsoft.Storage.BlobCreated'],
          subjectBeginsWith: `/blobServices/default/containers/${e.container}/blobs/${e.subjectBeginsWith}`,
          subjectEndsWith: e.subjectEndsWith,
          isSubjectCaseSensitive: true,
        },
        eventDeliverySchema: 'CloudEventSchemaV1_0',
        retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      },
    })),
    outputs: {},
  };
  return { infrastructure, events };
}
