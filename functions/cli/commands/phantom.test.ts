import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register } from './phantom.js';

async function runCli(args: string[]) {
  const program = new Command('adni').exitOverride().configureOutput({ writeErr: () => {} });
  register(program);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await program.parseAsync(['node', 'adni', ...args]);
    return log.mock.calls.map((c) => String(c[0]));
  } finally {
    log.mockRestore();
  }
}

describe('adni phantom', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'adni-cli-phantom-'));
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes a template bundle, a subject and the ground truth', async () => {
    // Act
    const out = path.join(root, 'ph');
    const lines = await runCli(['phantom', '--out', out, '--seed', '4', '--pet-frames', '2']);
    // Assess
    expect(lines[0]).toContain('seed 4');
    expect((await readdir(out)).sort()).toEqual(['ground_truth', 'phantom.json', 'subject', 'template']);
    const manifest = JSON.parse(await readFile(path.join(out, 'phantom.json'), 'utf8'));
    expect(manifest).toMatchObject({ seed: 4, subject: { petFrames: 2 } });
    expect(await readdir(path.join(out, 'template'))).toContain('template.json');
  });

  it.each([
    [['--seed', 'abc'], '--seed must be a number'],
    [['--seed', '-1'], '--seed must be ≥ 0'],
    [['--seed', '1.5'], '--seed must be a whole number'],
    [['--pet-frames', '0'], '--pet-frames must be at least 1'],
    [['--pet-frames', '65'], '--pet-frames must be at most 64'],
  ])('rejects %j with "%s" and writes nothing', async (args, message) => {
    const out = path.join(root, `bad-${args.join('')}`);
    await expect(runCli(['phantom', '--out', out, ...args])).rejects.toThrow(message);
    expect((await readdir(root)).filter((n) => n.startsWith('bad-'))).toEqual([]);
  });

  it('requires --out', async () => {
    await expect(runCli(['phantom', '--seed', '2'])).rejects.toThrow(/--out/);
  });

  it('refuses a folder that is not empty', async () => {
    await expect(runCli(['phantom', '--out', root])).rejects.toThrow(/not empty/);
  });
});
