import { createHash } from 'node:crypto';

/**
 * A short, stable pseudonym for an identifier, for logs and metrics: patient ids never appear in logs.
 * Salted with `ADNI_LOG_SALT` where set, so pseudonyms differ between deployments.
 *
 * @example
 * redactId('P001') // 'p:3f1c9a0b2d'
 */
export function redactId(id: string): string {
  const salt = process.env.ADNI_LOG_SALT ?? 'adni';
  return 'p:' + createHash('sha256').update(salt).update('\0').update(id).digest('hex').slice(0, 10);
}

/** A key with its patient segment pseudonymised: `raw/p:3f1c.../2024-01-01/mri.nii.gz`. */
export function redactKey(key: string): string {
  const parts = key.split('/');
  if (parts.length >= 2 && ['raw', 'preprocessed', 'jobs'].includes(parts[0])) {
    parts[1] = redactId(parts[1]);
    return parts.join('/');
  }
  return `<key of ${key.length} chars>`;
}
