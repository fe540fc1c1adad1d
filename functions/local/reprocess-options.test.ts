import { describe, expect, it } from 'vitest';
import { BackfillOptionsSchema, optionsError, ReprocessOptionsSchema } from './reprocess-options.js';

describe('adni reprocess / backfill options', () => {
  it.each([
    [{ patient: 'P001' }, { patient: 'P001', api: 'http://127.0.0.1:8080', timeout: 60 }],
    [{ patient: 'P001', session: '2024-03-01', api: 'https://adni.example.org', timeout: '5' }, { patient: 'P001', session: '2024-03-01', api: 'https://adni.example.org', timeout: 5 }],
  ])('accepts %j', (raw, expected) => {
    expect(ReprocessOptionsSchema.parse(raw)).toEqual(expected);
  });

  it.each([
    [{ patient: '../etc' }, /^--patient: patient id must be/],
    [{ patient: 'P001', session: '2024-02-30' }, /^--session: /],
    [{ patient: 'P001', api: 'ftp://x' }, /^--api must be an http\(s\) URL$/],
    [{ patient: 'P001', timeout: '0' }, /^--timeout must be a positive number of seconds$/],
  ])('refuses %j with a message naming the flag', (raw, message) => {
    // Act
    const parsed = ReprocessOptionsSchema.safeParse(raw);
    // Assess
    expect(parsed.success).toBe(false);
    expect(optionsError(parsed.error!).message).toMatch(message);
  });

  it('backfill: --dry-run defaults to false and a bad timeout is named', () => {
    expect(BackfillOptionsSchema.parse({})).toEqual({ dryRun: false, api: 'http://127.0.0.1:8080', timeout: 60 });
    const parsed = BackfillOptionsSchema.safeParse({ dryRun: true, timeout: 'soon' });
    expect(optionsError(parsed.error!).message).toMatch(/^--timeout: /);
  });

  it.each([['-1'], ['1.5'], ['10081'], ['soon']])('backfill: refuses --in-flight-minutes %s, naming the flag', (value) => {
    // Act
    const parsed = BackfillOptionsSchema.safeParse({ inFlightMinutes: value });
    // Assess
    expect(optionsError(parsed.error!).message).toBe('--in-flight-minutes must be a whole number of minutes, 0 to 10080');
  });

  it('backfill: --in-flight-minutes is a number when given, absent otherwise (the API default applies)', () => {
    expect(BackfillOptionsSchema.parse({ inFlightMinutes: '0' }).inFlightMinutes).toBe(0);
    expect(BackfillOptionsSchema.parse({})).not.toHaveProperty('inFlightMinutes');
  });
});
