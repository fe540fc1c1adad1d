import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where the freshly initialised PGlite cluster is cached: one directory per PGlite version (`ADNI_CACHE_DIR`,
 * default the OS temp dir). A cache only: deleting it costs one `initdb` on the next start.
 */
export function pgliteTemplatePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.ADNI_CACHE_DIR ?? tmpdir(), `adni-pglite-template-${pgliteVersion()}`);
}

function pgliteVersion(): string {
  // The package does not export its package.json: find it from the entry point.
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** True when `dataDir` holds no PGlite cluster yet (missing or empty). */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/**
 * Makes `dataDir` a new, empty PGlite cluster by copying a cached one. PGlite runs `initdb` for every new
 * database, which takes 5–30 s on a busy 2-core machine; a copy takes well under a second. The first call on a
 * machine runs `initdb` once into the cache. Both the cache and `dataDir` are filled under a temporary name and
 * renamed into place, so an interrupted start never leaves a half-made cluster that would later fail to open.
 *
 * @example
 * if (isNewDataDir(dir)) await seedDataDirFromTemplate(dir);
 * const db = new PGlite(dir);
 */
export async function seedDataDirFromTemplate(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const template = await pgliteTemplateDir(env);
  const partial = `${dataDir}.${process.pid}.${randomUUID().slice(0, 8)}.part`;
  await cp(template, partial, { recursive: true });
  await rm(dataDir, { recursive: true, force: true }); // an empty directory, by isNewDataDir
  await mkdir(path.dirname(dataDir), { recursive: true });
  await rename(partial, dataDir);
}

async function pgliteTemplateDir(env: NodeJS.ProcessEnv): Promise<string> {
  const dir = pgliteTemplatePath(env);
  if (existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const { PGlite } = await import('@electric-sql/pglite');
  const partial = `${dir}.${process.pid}.${randomUUID().slice(0, 8)}.part`;
  await mkdir(path.dirname(dir), { recursive: true });
  const db = new PGlite(partial);
  await db.waitReady;
  await db.close();
  try {
    await rename(partial, dir);
  } catch {
    // Another process finished one first: use theirs.
    await rm(partial, { recursive: true, force: true });
  }
  return dir;
}
