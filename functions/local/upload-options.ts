import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PatientIdSchema, SessionDateSchema } from '../../shared/domain/session-key.js';

/** A readable `.nii.gz` on disk: exists, is a file, starts with the gzip magic. */
const GzipFileSchema = (flag: string) =>
  z
    .string({ error: `${flag} is required` })
    .min(1, `${flag} is required`)
    .transform((file, ctx) => {
      const full = path.resolve(file);
      let problem: string | undefined;
      try {
        if (!statSync(full).isFile()) problem = 'is not a file';
        else if (!startsWithGzipMagic(full)) problem = 'is not gzip-compressed (expected a .nii.gz file)';
      } catch {
        problem = 'does not exist or cannot be read';
      }
      if (problem) {
        ctx.addIssue({ code: 'custom', message: `${flag} ${file} ${problem}` });
        return z.NEVER;
      }
      return full;
    });

/** The options of `adni upload`, checked before anything is sent. */
export const UploadOptionsSchema = z
  .object({
    patient: PatientIdSchema,
    session: SessionDateSchema,
    mri: GzipFileSchema('--mri'),
    pet: GzipFileSchema('--pet'),
    api: z.url({ protocol: /^https?$/, error: '--api must be an http(s) URL' }).default('http://127.0.0.1:8080'),
    store: z.string().min(1).optional(),
    bucket: z.string().min(1).optional(),
    wait: z.boolean().default(false),
    timeout: z.coerce.number().positive('--timeout must be a positive number of seconds').default(600),
  })
  .refine((o) => !o.bucket || o.store, { message: '--bucket needs --store', path: ['bucket'] });

export type UploadOptions = z.infer<typeof UploadOptionsSchema>;

function startsWithGzipMagic(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}
