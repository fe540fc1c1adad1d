import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadTriggerEnvSchema } from '../../providers/aws/config.js';
import { awsFixture } from './fixtures.js';

/**
 * `serverless package` runs once for this file (offline: no credentials, a dummy region, telemetry off),
 * and every test reads the CloudFormation template and zips it produced. It is the slowest test here
 * (about 20-40 s on 2 cores), so nothing else packages.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE_TIMEOUT_MS = 240_000;

type Resource = { Type: string; Properties: any; Condition?: string; DependsOn?: unknown };
let outDir: string;
let template: { Resources: Record<string, Resource>; Conditions?: Record<string, unknown>; Parameters?: Record<string, any> };
let packageLog = '';
let packageSeconds = 0;

const resources = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`the template has no resource ${id}`);
  return found;
};
const statements = (role: Resource): any[] => role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'adni-sls-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    // The onnxruntime-node postinstall would download CUDA files if a packager ever ran npm install.
    ONNXRUNTIME_NODE_INSTALL: 'skip',
    AWS_REGION: 'us-east-1',
    // No credentials anywhere: packaging must not need AWS.
    AWS_SHARED_CREDENTIALS_FILE: path.join(outDir, 'no-credentials'),
    AWS_CONFIG_FILE: path.join(outDir, 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const started = performance.now();
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [path.join(root, 'node_modules/serverless/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'us-east-1', '--package', outDir],
    { cwd: root, env, timeout: PACKAGE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
  );
  packageSeconds = (performance.now() - started) / 1000;
  packageLog = stdout + stderr;
  template = JSON.parse(await readFile(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, PACKAGE_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('serverless package (offline)', () => {
  it('packages with no AWS access and reports its time', () => {
    expect(packageLog).toContain('Service packaged');
    // The one expected warning: serverless 3's schema predates nodejs22.x. Any other is a mistake.
    const invalid = packageLog.split('\n').filter((l) => l.trim().startsWith('at '));
    expect(invalid.map((l) => l.trim().split(':')[0])).toEqual(["at 'provider.runtime'"]);
    console.info(`sls package took ${packageSeconds.toFixed(1)} s`);
  });

  it('serverless.yml uses no variables that need AWS (${aws:*}, ${ssm:*}, ${cf:*})', async () => {
    const source = (await readFile(path.join(root, 'serverless.yml'), 'utf8'))
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, ''))
      .join('\n');
    expect(source).not.toMatch(/\$\{(aws|ssm|cf|s3|secretsmanager)[:(]/);
    expect(source).toMatch(/^frameworkVersion: '3'$/m);
  });

  it('zip functions run on nodejs22.x and the prediction function is a container image', () => {
    const functions = Object.fromEntries(resources('AWS::Lambda::Function'));
    expect(Object.keys(functions).sort()).toEqual([
      'BatchJobFailedLambdaFunction',
      'BatchMonitorLambdaFunction',
      'HttpApiLambdaFunction',
      'PredictProgressionLambdaFunction',
      'UploadTriggerLambdaFunction',
    ]);
    for (const id of ['BatchJobFailedLambdaFunction', 'BatchMonitorLambdaFunction', 'HttpApiLambdaFunction', 'UploadTriggerLambdaFunction']) {
      expect(functions[id].Properties.Runtime, id).toBe('nodejs22.x');
    }
    const predict = functions.PredictProgressionLambdaFunction.Properties;
    expect(predict.PackageType).toBe('Image');
    expect(predict.Code.ImageUri).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[^@]+@sha256:[0-9a-f]{64}$/);
  });

  it('every function has its own role, and the upload trigger gets the env its zod schema requires', () => {
    const functions = resources('AWS::Lambda::Function').map(([, f]) => f.Properties);
    const roles = functions.map((f) => f.Role['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(functions.length);
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const trigger = resource('UploadTriggerLambdaFunction').Properties.Environment.Variables;
    const required = Object.keys(UploadTriggerEnvSchema.shape).filter((k) => k !== 'ADNI_JOB_ATTEMPTS');
    for (const name of required) expect(trigger[name], name).toBeDefined();
    expect(trigger.ADNI_JOB_QUEUE).toEqual({ Ref: 'PreprocessingJobQueue' });
    expect(trigger.ADNI_JOB_DEFINITION).toEqual({ Ref: 'PreprocessingJobDefinition' });
  });
});

describe('storage', () => {
  const buckets = () => ({ raw: resource('S3BucketRawUploads').Properties, preprocessed: resource('PreprocessedBucket').Properties });

  it.each(['raw', 'preprocessed'] as const)('the %s bucket is versioned, encrypted and private', (name) => {
    const bucket = buckets()[name];
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(AES256|aws:kms)$/);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const noncurrent = bucket.LifecycleConfiguration.Rules.find((r: any) => r.NoncurrentVersionExpiration);
    expect(noncurrent).toMatchObject({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 90 } });
  });

  it('raw uploads move to Glacier after 90 days', () => {
    const rule = buckets().raw.LifecycleConfiguration.Rules.find((r: any) => r.Transitions);
    expect(rule).toMatchObject({ Status: 'Enabled', Prefix: 'raw/' });
    expect(rule.Transitions).toEqual([{ StorageClass: expect.stringMatching(/^GLACIER/), TransitionInDays: 90 }]);
  });

  it('backfill array manifests (they list patient ids) expire after 30 days', () => {
    const rule = buckets().raw.LifecycleConfiguration.Rules.find((r: any) => r.Prefix === 'jobs/arrays/');
    expect(rule).toMatchObject({ Status: 'Enabled', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
  });

  it.each([
    ['RawBucketTlsOnlyPolicy', 'raw'],
    ['PreprocessedBucketTlsOnlyPolicy', 'preprocessed'],
  ])('%s denies every request without TLS on the bucket and its objects', (id) => {
    const policy = resource(id).Properties.PolicyDocument.Statement;
    const deny = policy.find((s: any) => s.Effect === 'Deny');
    expect(deny).toMatchObject({ Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(deny.Resource).toHaveLength(2);
    expect(JSON.stringify(deny.Resource[1])).toContain('/*');
  });

  it('replication of preprocessed/ exists only behind the ReplicatePreprocessed condition', () => {
    expect(template.Parameters?.ReplicationDestinationBucketArn.Default).toBe('');
    expect(template.Conditions?.ReplicatePreprocessed).toBeDefined();
    const replication = buckets().preprocessed.ReplicationConfiguration['Fn::If'];
    expect(replication[0]).toBe('ReplicatePreprocessed');
    expect(replication[1].Rules[0]).toMatchObject({ Status: 'Enabled', Filter: { Prefix: 'preprocessed/' } });
    expect(replication[2]).toEqual({ Ref: 'AWS::NoValue' });
    expect(resource('ReplicationRole').Condition).toBe('ReplicatePreprocessed');
  });

  it('the raw bucket triggers the upload function only for raw/*.nii.gz', () => {
    const configs = buckets().raw.NotificationConfiguration.LambdaConfigurations;
    expect(configs).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Function: { 'Fn::GetAtt': ['UploadTriggerLambdaFunction', 'Arn'] },
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'raw/' }, { Name: 'suffix', Value: '.nii.gz' }] } },
      },
    ]);
    expect(resource('UploadTriggerLambdaPermissionRawUploadsS3').Properties.Principal).toBe('s3.amazonaws.com');
  });

  it('cannot trigger itself: the upload function writes only jobs/ markers, outside the raw/ filter', () => {
    const writes = statements(resource('UploadTriggerRole')).filter((s) =>
      asArray(s.Action).some((a: string) => ['s3:PutObject', 'S3:PutObject', 's3:*', '*'].includes(a)),
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) for (const r of asArray(s.Resource)) expect(r).toMatch(/\/jobs\/\*$/);
    // And the job writes to the other bucket only.
    const jobWrites = statements(resource('PreprocessingJobRole')).filter((s) => asArray(s.Action).includes('s3:PutObject'));
    for (const s of jobWrites) for (const r of asArray(s.Resource)) expect(r).toMatch(/-preprocessed-.*\/(preprocessed|staging)\/\*$/);
  });

  it('job attempts stage under staging/ (which the job may write and delete) and stale staging expires after 7 days', () => {
    // Prepare
    const job = statements(resource('PreprocessingJobRole'));
    const rules = resource('PreprocessedBucket').Properties.LifecycleConfiguration.Rules;
    // Act
    const stage = job.find((s) => s.Sid === 'StageOutputs');
    const staging = rules.find((r: any) => r.Prefix === 'staging/');
    // Assess
    expect(asArray(stage.Action).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(stage.Resource).toMatch(/-preprocessed-.*\/staging\/\*$/);
    expect(job.find((s) => s.Sid === 'ListOwnOutputs').Condition.StringLike['s3:prefix']).toEqual(['preprocessed/*', 'staging/*']);
    expect(staging).toMatchObject({ Status: 'Enabled', ExpirationInDays: 7 });
    // Replication copies preprocessed/ only: staged files never leave the region.
    expect(JSON.stringify(resource('PreprocessedBucket').Properties.ReplicationConfiguration)).not.toContain('staging');
  });
});

describe('AWS Batch on Fargate', () => {
  it('a managed Fargate compute environment behind a job queue', () => {
    const ce = resource('PreprocessingComputeEnvironment').Properties;
    expect(ce).toMatchObject({ Type: 'MANAGED', ComputeResources: { Type: 'FARGATE' } });
    expect(ce.ComputeResources.Subnets.length).toBeGreaterThanOrEqual(2);
    const queue = resource('PreprocessingJobQueue').Properties;
    expect(queue.ComputeEnvironmentOrder).toEqual([{ Order: 1, ComputeEnvironment: { Ref: 'PreprocessingComputeEnvironment' } }]);
  });

  it('the job definition: 4 vCPU, 16 GB, 30 min, retried, image from this stack’s ECR repository', () => {
    const job = resource('PreprocessingJobDefinition').Properties;
    expect(job.PlatformCapabilities).toEqual(['FARGATE']);
    expect(Object.fromEntries(job.ContainerProperties.ResourceRequirements.map((r: any) => [r.Type, r.Value]))).toEqual({ VCPU: '4', MEMORY: '16384' });
    expect(job.Timeout).toEqual({ AttemptDurationSeconds: 1800 });
    expect(Number(job.RetryStrategy.Attempts)).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(job.ContainerProperties.Image)).toContain('"PreprocessingRepository","RepositoryUri"');
    expect(job.ContainerProperties.JobRoleArn).toEqual({ 'Fn::GetAtt': ['PreprocessingJobRole', 'Arn'] });
    expect(resource('PreprocessingRepository').Properties.ImageScanningConfiguration).toEqual({ ScanOnPush: true });
  });

  it('the job reports its status to FHIR (HealthLake, SigV4 as the job role) when the stack has FHIR, else to its log', async () => {
    // Prepare: the job definition's static environment, resolved for a stack with and without HealthLake.
    const job = resource('PreprocessingJobDefinition').Properties;
    const env = Object.fromEntries(job.ContainerProperties.Environment.map((e: any) => [e.Name, e.Value]));
    const resolve = (withFhir: boolean): Record<string, string> => ({
      ADNI_STORE: env.ADNI_STORE,
      ADNI_STATUS_SINK: env.ADNI_STATUS_SINK['Fn::If'][withFhir ? 1 : 2],
      FHIR_BASE_URL: withFhir ? 'https://healthlake.us-east-1.amazonaws.com/datastore/0123456789abcdef0123456789abcdef/r4/' : '',
      FHIR_AUTH: env.FHIR_AUTH,
      AWS_REGION: 'us-east-1',
    });
    const { createStatusSink } = await import('../../batch-image/src/status-sinks.js');
    const logger = { info() {}, warn() {}, error() {}, debug() {} } as never;
    const outputStore = {} as never;
    // Act: the batch image builds its sinks from each (no request is sent).
    const withFhir = await createStatusSink({ name: resolve(true).ADNI_STATUS_SINK, outputStore, logger, env: resolve(true) });
    const withoutFhir = await createStatusSink({ name: resolve(false).ADNI_STATUS_SINK, outputStore, logger, env: resolve(false) });
    // Assess
    expect(env.ADNI_STORE).toBe('s3');
    expect(env.ADNI_STATUS_SINK).toEqual({ 'Fn::If': ['JobsReportToFhir', 'log,fhir', 'log'] });
    expect(env.FHIR_BASE_URL).toEqual({ Ref: 'FhirBaseUrl' });
    expect(env.FHIR_AUTH).toBe('sigv4');
    expect(template.Conditions?.JobsReportToFhir).toEqual({ 'Fn::And': [{ Condition: 'UseHealthLake' }, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'FhirBaseUrl' }, ''] }] }] });
    expect(template.Parameters?.FhirBaseUrl.Default).toBe('');
    expect(typeof withFhir.update).toBe('function');
    expect(typeof withoutFhir.update).toBe('function');
    // No status/ records on AWS: the job role may write under preprocessed/ only, so the store sink would be refused.
    expect(resolve(true).ADNI_STATUS_SINK.split(',')).not.toContain('store');
  });
});

describe('IAM', () => {
  // The only places AWS allows no narrower resource; serverless.yml says why beside each.
  const STAR_ALLOWED = new Set(['ecr:GetAuthorizationToken', 'batch:ListJobs']);

  it('no role allows "*" resources except where AWS requires it, and no wildcard actions', () => {
    const roles = resources('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThanOrEqual(7);
    const starUses: string[] = [];
    for (const [id, role] of roles) {
      for (const s of statements(role)) {
        if (s.Effect !== 'Allow') continue;
        for (const action of asArray(s.Action) as string[]) expect(action, `${id} ${s.Sid}`).not.toMatch(/(^\*$|:\*$)/);
        if (asArray(s.Resource).includes('*')) {
          for (const action of asArray(s.Action) as string[]) {
            expect(STAR_ALLOWED.has(action), `${id} allows ${action} on "*"`).toBe(true);
            starUses.push(`${id}:${action}`);
          }
        }
      }
      expect(role.Properties.ManagedPolicyArns, `${id} attaches managed policies`).toBeUndefined();
    }
    expect(starUses.sort()).toEqual(['BatchMonitorRole:batch:ListJobs', 'PreprocessingExecutionRole:ecr:GetAuthorizationToken']);
  });

  it('HealthLake access is one conditional policy on one datastore, for the functions that use FHIR', () => {
    const policy = resource('HealthLakeAccessPolicy');
    expect(policy.Condition).toBe('UseHealthLake');
    expect(template.Parameters?.HealthLakeDatastoreArn.Default).toBe('');
    expect(policy.Properties.Roles).toEqual([
      { Ref: 'HttpApiRole' },
      { Ref: 'PredictionRole' },
      { Ref: 'UploadTriggerRole' },
      { Ref: 'PreprocessingJobRole' },
      { Ref: 'BatchJobFailedRole' },
    ]);
    const [statement] = policy.Properties.PolicyDocument.Statement;
    expect(statement.Resource).toEqual({ Ref: 'HealthLakeDatastoreArn' });
    for (const action of asArray(statement.Action) as string[]) expect(action).toMatch(/^healthlake:[A-Z][A-Za-z]+$/);
  });

  it('backfill array jobs: the HTTP API may write and delete manifests (jobs/*), the job and the failure handler only read jobs/arrays/*', () => {
    // Prepare
    const rawArn = (suffix: string) => expect.stringMatching(new RegExp(`^arn:aws:s3:::[a-z0-9.-]*-raw-[a-z0-9.-]*/${suffix}$`));
    const api = statements(resource('HttpApiRole'));
    // Act
    const readers = ['PreprocessingJobRole', 'BatchJobFailedRole'].map((id) => statements(resource(id)).find((s) => s.Sid === 'ReadJobArrayManifests'));
    // Assess: the API writes the manifest before the array SubmitJob and deletes it when the SubmitJob fails
    expect(api.find((s) => s.Sid === 'JobMarkers')).toMatchObject({ Effect: 'Allow', Resource: rawArn('jobs/\\*') });
    expect(asArray(api.find((s) => s.Sid === 'JobMarkers').Action).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(api.find((s) => s.Action === 'batch:SubmitJob').Resource).toEqual([{ Ref: 'PreprocessingJobQueue' }, { Ref: 'PreprocessingJobDefinition' }]);
    for (const read of readers) expect(read).toEqual({ Sid: 'ReadJobArrayManifests', Effect: 'Allow', Action: 's3:GetObject', Resource: rawArn('jobs/arrays/\\*') });
    // The job writes nothing in the raw bucket (not its manifests, not job markers).
    for (const s of statements(resource('PreprocessingJobRole'))) {
      if (asArray(s.Action).some((a: string) => /Put|Delete/.test(a))) for (const r of asArray(s.Resource)) expect(r).not.toMatch(/-raw-/);
    }
  });

  it('the upload trigger may submit only to this queue and job definition', () => {
    const submit = statements(resource('UploadTriggerRole')).find((s) => s.Action === 'batch:SubmitJob');
    expect(submit.Resource).toEqual([{ Ref: 'PreprocessingJobQueue' }, { Ref: 'PreprocessingJobDefinition' }]);
  });
});

describe('HTTP API', () => {
  it('has the product routes', () => {
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /predict-progression',
        'GET /preprocessing-status/{patient_id}',
        'GET /patient-timeline/{patient_id}',
        'POST /uploads',
      ]),
    );
  });
});

describe('HTTP API sign-in (issue 8)', () => {
  it('every route but GET /health needs a Cognito JWT with its scope, and the app gets the same issuer to check again', () => {
    // Prepare
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const authorizer = resources('AWS::ApiGatewayV2::Authorizer').map(([, r]) => r.Properties)[0];
    // Act
    const open = routes.filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey);
    const scopes = Object.fromEntries(routes.filter((r) => r.AuthorizationType === 'JWT').map((r) => [r.RouteKey, r.AuthorizationScopes]));
    // Assess
    expect(open).toEqual(['GET /health']);
    expect(authorizer).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    expect(JSON.stringify(authorizer.JwtConfiguration.Issuer)).toContain('ApiUserPool');
    expect(scopes['POST /predict-progression']).toEqual(['adni/predict']);
    expect(scopes['POST /uploads']).toEqual(['adni/upload']);
    expect(scopes['GET /patients']).toEqual(['adni/read:patients']);
    expect(resource('ApiUserPool').Properties.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    expect(resource('ApiUserPoolClient').Properties.GenerateSecret).toBe(false);
    const httpApi = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler?.includes('http-api'))!;
    expect(Object.keys(httpApi.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_SCOPE_PREFIX']));
  });
});

describe('job reliability (issue 8)', () => {
  it('FAILED Batch jobs of this queue invoke the batchJobFailed function', () => {
    // Prepare
    const rules = resources('AWS::Events::Rule').map(([, r]) => r.Properties);
    // Act
    const rule = rules.find((r) => JSON.stringify(r.Targets ?? []).includes('BatchJobFailed'));
    // Assess
    expect(rule).toBeDefined();
    expect(rule!.EventPattern).toMatchObject({ source: ['aws.batch'], 'detail-type': ['Batch Job State Change'], detail: { status: ['FAILED'], jobQueue: [{ Ref: 'PreprocessingJobQueue' }] } });
  });
});

describe('dashboard hosting (S3 + CloudFront)', () => {
  const config = () => resource('WebDistribution').Properties.DistributionConfig;

  it('keeps the web bucket private and lets only this distribution read it', () => {
    expect(resource('WebBucket').Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const allow = resource('WebBucketPolicy').Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(JSON.stringify(allow[0].Condition.StringEquals['AWS:SourceArn'])).toContain('${WebDistribution}');
    expect(config().Origins.find((o: any) => o.Id === 'web').OriginAccessControlId).toEqual({ 'Fn::GetAtt': ['WebOriginAccessControl', 'Id'] });
  });

  it('serves index.html at / and sends every API path, uncached, to the HTTP API', () => {
    expect(config().DefaultRootObject).toBe('index.html');
    expect(config().DefaultCacheBehavior).toMatchObject({ TargetOriginId: 'web', ViewerProtocolPolicy: 'redirect-to-https' });
    const apiPaths = config()
      .CacheBehaviors.filter((b: any) => b.TargetOriginId === 'api')
      .map((b: any) => {
        expect(b.CachePolicyId, b.PathPattern).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
        expect(b.AllowedMethods, b.PathPattern).toContain('POST');
        return b.PathPattern;
      });
    const routes = resources('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey.split(' ')[1].split('/')[1]);
    for (const first of new Set(routes)) expect(apiPaths.some((p: string) => p.startsWith(`/${first}`)), `/${first} behind CloudFront`).toBe(true);
  });

  it('lets the dashboard origin PUT uploads and GET outputs directly from the buckets', () => {
    const origins = (bucket: Resource) => bucket.Properties.CorsConfiguration.CorsRules.flatMap((r: any) => r.AllowedOrigins.map((o: unknown) => JSON.stringify(o)));
    expect(origins(resource('S3BucketRawUploads'))).toContain(JSON.stringify({ 'Fn::Sub': 'https://${WebDistribution.DomainName}' }));
    expect(origins(resource('PreprocessedBucket'))).toContain(JSON.stringify({ 'Fn::Sub': 'https://${WebDistribution.DomainName}' }));
  });
});

describe('CloudWatch alarms', () => {
  const alarms = () => resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const byMetric = (name: string) => alarms().find((a) => a.MetricName === name);

  it('job failures: any failed Batch job', () => {
    const alarm = byMetric('TriggeredRules');
    expect(alarm).toMatchObject({ Namespace: 'AWS/Events', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm.Dimensions[0].Value).toEqual({ Ref: 'BatchJobFailedRule' });
    expect(resource('BatchJobFailedRule').Properties.EventPattern).toMatchObject({ source: ['aws.batch'], detail: { status: ['FAILED'] } });
  });

  it('queue backlog > 10', () => {
    expect(byMetric('QueueBacklog')).toMatchObject({ Namespace: 'ADNI/Preprocessing', Threshold: 10, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('processing time > 15 minutes', () => {
    expect(byMetric('LongestRunningJobSeconds')).toMatchObject({ Namespace: 'ADNI/Preprocessing', Threshold: 900, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('storage > 1 TB over both buckets', () => {
    const alarm = alarms().find((a) => a.Metrics?.some((m: any) => m.MetricStat?.Metric.MetricName === 'BucketSizeBytes'));
    expect(alarm).toMatchObject({ Threshold: 1e12, ComparisonOperator: 'GreaterThanThreshold' });
    const buckets = alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => JSON.stringify(m.MetricStat.Metric.Dimensions));
    expect(buckets.some((d: string) => d.includes('-raw-'))).toBe(true);
    expect(buckets.some((d: string) => d.includes('PreprocessedBucket'))).toBe(true);
  });

  it('every alarm notifies the alarm topic', () => {
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });
});

describe('zip artifacts', () => {
  it('are small bundles without native or wasm packages, and the upload trigger bundle really runs', async () => {
    const { default: JSZip } = await import('jszip');
    const zips = (await readdir(outDir)).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual(['batchJobFailed.zip', 'batchMonitor.zip', 'httpApi.zip', 'uploadTrigger.zip']);
    const sizes: Record<string, number> = {};
    for (const zipName of zips) {
      sizes[zipName] = (await stat(path.join(outDir, zipName))).size;
      // A bundle of the SDK clients, Powertools, zod and hono is ~1.5 MB; tens of MB would mean a heavy
      // package (onnxruntime-node, itk-wasm) slipped in.
      expect(sizes[zipName], zipName).toBeLessThan(5 * 1024 * 1024);
      const zip = await JSZip.loadAsync(await readFile(path.join(outDir, zipName)));
      const files = Object.keys(zip.files).filter((f) => !zip.files[f].dir);
      expect(files.every((f) => /\.mjs(\.map)?$/.test(f)), files.join(', ')).toBe(true);
      const code = await zip.file(files.find((f) => f.endsWith('.mjs'))!)!.async('string');
      expect(code).not.toMatch(/onnxruntime|itk-wasm|@itk-wasm|pglite/);
    }
    console.info('zip sizes (bytes):', sizes);

    // Load the packaged ESM bundle in a fresh Node process and feed it S3's test event.
    const zip = await JSZip.loadAsync(await readFile(path.join(outDir, 'uploadTrigger.zip')));
    const dir = path.join(outDir, 'unzipped');
    await mkdir(path.join(dir, 'functions/aws'), { recursive: true });
    await writeFile(path.join(dir, 'functions/aws/upload-trigger.mjs'), await zip.file('functions/aws/upload-trigger.mjs')!.async('nodebuffer'));
    const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(dir, 'functions/aws/upload-trigger.mjs')).href)});
      const r = await m.handler(${JSON.stringify(awsFixture('s3/test-event'))});
      process.stdout.write('RESULT ' + JSON.stringify(r));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        ADNI_RAW_BUCKET: 'adni-raw-ci',
        ADNI_PREPROCESSED_BUCKET: 'adni-preprocessed-ci',
        ADNI_JOB_QUEUE: 'q',
        ADNI_JOB_DEFINITION: 'd',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    // stderr may hold the SDK's notice about Node 20 (the Lambda runtime is Node 22); errors fail the status.
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('RESULT {"kind":"s3-test-event"');
    // Powertools Logger wrote a JSON line for it.
    const logLine = JSON.parse(run.stdout.split('\n').find((l) => l.includes('S3 test event ignored'))!);
    expect(logLine).toMatchObject({ level: 'INFO', service: 'upload-trigger' });
  });
});

describe('cfn-lint', () => {
  const available = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!available) console.warn('cfn-lint is not on PATH: template lint SKIPPED (pip install cfn-lint to enable)');

  it.runIf(available)('finds no errors in the template', () => {
    // W3005 (redundant DependsOn) comes from the framework's own generated resources.
    const lint = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', path.join(outDir, 'cloudformation-template-update-stack.json')], { encoding: 'utf8', timeout: 120_000 });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  }, 150_000); // cfn-lint takes ~15 s alone and several times that on a busy 2-core runner
});
