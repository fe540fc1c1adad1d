import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AZURITE_DEV_KEY, builtArtifacts, scanFile, scanText, trackedFiles } from './secret-scan.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tracked = trackedFiles(root);
/** Where builds write (all git-ignored): function packages, bundles, the dashboard, the batch image context. */
const BUILD_DIRS = ['.serverless', 'providers/azure/.serverless', 'providers/gcp/.serverless', 'dist', 'batch-image/dist', 'web/dist', '.esbuild'];

describe('secret scanner', () => {
  // The samples are assembled at run time so this file is not itself a hit.
  const X = (n: number, c = 'A') => c.repeat(n);
  it.each([
    ['AWS access key id', `const id = "AKIA${X(16, 'Q')}";`],
    ['AWS secret access key', `aws_secret_access_key = ${X(40, 'w')}`],
    ['private key (PEM)', `-----BEGIN ${'RSA '}PRIVATE KEY-----\n${X(64, 'M')}`],
    ['Azure storage account key', `DefaultEndpointsProtocol=https;AccountName=x;Account${'Key'}=${X(86, 'k')}==`],
    ['GCP service-account private key', `{"type":"service_account","private_key": "-----BEGIN ${'PRIVATE'} KEY-----\\n${X(64, 'M')}"}`],
    ['ADNI API key', `x-api-key: adni_${X(43, 'z')}`],
  ])('finds a planted %s', (kind, text) => {
    const hits = scanText('src/config.ts', `line one\n${text}\n`);
    expect(hits).toContainEqual({ file: 'src/config.ts', kind, line: 2 });
    expect(hits.every((h) => h.line === 2)).toBe(true);
  });

  it('ignores placeholder PEM headers (SDK docs), not key material', () => {
    expect(scanText('dist/x.js', `private_key:'-----BEGIN ${'PRIVATE'} KEY-----xxxxxxx\\n-----END PRIVATE KEY-----'`)).toEqual([]);
  });

  it('allows Azurite’s published dev key in test files only', () => {
    const text = `const conn = "AccountName=devstoreaccount1;Account${'Key'}=${AZURITE_DEV_KEY}";`;
    expect(scanText('test/azure/azurite.ts', text)).toEqual([]);
    expect(scanText('providers/azure/config.ts', text)).toEqual([expect.objectContaining({ kind: 'Azure storage account key' })]);
  });
});

describe.skipIf(!tracked)('no secrets in the repository', () => {
  it('tracked files (git ls-files) hold no key-like strings', async () => {
    // Act
    const hits = (await Promise.all(tracked!.filter((f) => existsSync(`${root}/${f}`)).map((f) => scanFile(root, f)))).flat();
    // Assess
    expect(tracked!.length).toBeGreaterThan(100);
    expect(hits).toEqual([]);
  });

  it('built bundles, function packages and generated templates present here hold none either', async () => {
    // Prepare: whatever has been built in this checkout (nothing on a fresh clone, which is fine)
    const files = builtArtifacts(root, BUILD_DIRS);
    // Act
    const hits = (await Promise.all(files.map((f) => scanFile(root, f, true)))).flat();
    // Assess
    expect(hits).toEqual([]);
  });
});
