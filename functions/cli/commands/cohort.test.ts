import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from './cohort.js';

async function runCli(args: string[]) {
  const program = new Command('adni').exitOverride();
  register(program);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await program.parseAsync(['node', 'adni', ...args]);
    return log.mock.calls.map((c) => String(c[0]));
  } finally {
    log.mockRestore();
  }
}

describe('adni cohort', () => {
  it('writes an ADNIMERGE-format CSV', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adni-cli-cohort-'));
    const out = path.join(dir, 'c.csv');
    const lines = await runCli(['cohort', '--patients', '12', '--seed', '3', '--out', out]);
    const csv = await readFile(out, 'utf8');
    expect(csv.startsWith('RID,PTID,VISCODE,EXAMDATE')).toBe(true);
    expect(lines[0]).toContain('of 12 simulated patients');
  });

  it.each([
    [['--patients', 'many'], '--patients'],
    [['--patients', '0'], '--patients'],
    [['--patients', '3', '--seed', '-1'], '--seed'],
  ])('rejects %j naming %s and writes nothing', async (args, field) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adni-cli-cohort-'));
    await expect(runCli(['cohort', ...args, '--out', path.join(dir, 'c.csv')])).rejects.toThrow(field);
    expect(await readdir(dir)).toEqual([]);
  });
});
