import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';

/** One kind of secret and how it looks. */
export interface SecretPattern {
  name: string;
  pattern: RegExp;
}

/** Key-like strings that must never be in code, templates or bundles. */
export const SECRET_PATTERNS: SecretPattern[] = [
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'AWS secret access key', pattern: /aws_?secret_?access_?key["'\s]*[:=]\s*["']?[A-Za-z0-9/+]{40}\b/i },
  // Key material, not the bare header: SDK docs and parsers mention the header with placeholder bodies.
  { name: 'private key (PEM)', pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----(?:\\r?\\n|\s)*[A-Za-z0-9+/]{64}/ },
  { name: 'Azure storage account key', pattern: /AccountKey=[A-Za-z0-9+/]{40,}={0,2}/ },
  { name: 'Azure shared access key', pattern: /SharedAccessKey=[A-Za-z0-9+/]{40,}={0,2}/ },
  { name: 'GCP service-account private key', pattern: /"private_key"\s*:\s*"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\\n)*[A-Za-z0-9+/]{64}/ },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36}\b/ },
  { name: 'ADNI API key', pattern: /\badni_[A-Za-z0-9_-]{43}\b/ },
];

/**
 * Azurite's well-known development account key, published in Microsoft's docs: allowed in test files only.
 * Split in two so this file itself is not a hit.
 */
export const AZURITE_DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/' + 'K1SZFPTOtr/KBHBeksoGMGw==';

export interface SecretHit {
  file: string;
  kind: string;
  /** Line number (1-based) in the file or zip entry. */
  line: number;
}

/** True for test code, where Azurite's published key may appear. */
export const isTestFile = (file: string) => /(^|\/)test\//.test(file) || /\.test\.ts$/.test(file);

/**
 * Hits in one text. Azurite's dev key is removed first where allowed, so a line holding it is not a hit.
 *
 * @example
 * scanText('a.ts', 'const k = "AKIA' + 'X'.repeat(16) + '"') // [{ file: 'a.ts', kind: 'AWS access key id', line: 1 }]
 */
export function scanText(file: string, text: string, allowAzurite = isTestFile(file)): SecretHit[] {
  const hits: SecretHit[] = [];
  const cleaned = allowAzurite ? text.split(AZURITE_DEV_KEY).join('<azurite-dev-key>') : text;
  for (const { name, pattern } of SECRET_PATTERNS) {
    // Over the whole text, not line by line: a PEM key spans lines.
    for (const match of cleaned.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))) {
      hits.push({ file, kind: name, line: lineAt(cleaned, match.index) });
    }
  }
  return hits;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

const TEXT_EXTENSIONS = /\.(m?[jt]sx?|cjs|json|map|ya?ml|md|txt|html|css|sh|py|toml|ini|cfg|env|tsv|csv|xml|bicep|tf|Dockerfile)$|(^|\/)(Dockerfile|\.npmrc|\.env[^/]*)$/;

function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/**
 * Scans a file on disk: text files directly, zips entry by entry (built function packages). `allowAzurite`
 * defaults to test files only; bundles pass true because @azure/storage-blob itself embeds the published key
 * (its `UseDevelopmentStorage=true` connection string), which is no secret of ours.
 */
export async function scanFile(root: string, file: string, allowAzurite = isTestFile(file)): Promise<SecretHit[]> {
  const full = path.join(root, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(full);
  } catch (error) {
    // Another test's packaging step may replace a build output while this runs: gone now is not a hit.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (file.endsWith('.zip')) return scanZip(file, bytes, allowAzurite);
  if (isBinary(bytes)) return [];
  return scanText(file, bytes.toString('utf8'), allowAzurite);
}

async function scanZip(file: string, bytes: Buffer, allowAzurite: boolean): Promise<SecretHit[]> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch {
    // A zip caught half-written by a packaging test running alongside; its unpacked copy is scanned as files.
    return [];
  }
  const hits: SecretHit[] = [];
  for (const entry of Object.values(zip.files)) {
    if (entry.dir || !TEXT_EXTENSIONS.test(entry.name) || entry.name.includes('node_modules/')) continue;
    hits.push(...scanText(`${file}!${entry.name}`, await entry.async('string'), allowAzurite));
  }
  return hits;
}

/** Tracked files (git ls-files), or undefined outside a git checkout. */
export function trackedFiles(root: string): string[] | undefined {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Built artifacts present in the checkout (ignored by git, so not in ls-files): bundles, packages, templates. */
export function builtArtifacts(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(root, rel);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full)) if (name !== 'node_modules') walk(path.join(rel, name));
    } else if (TEXT_EXTENSIONS.test(rel) || rel.endsWith('.zip')) out.push(rel);
  };
  dirs.forEach(walk);
  return out;
}
