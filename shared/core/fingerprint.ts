import { createHash } from 'node:crypto';
import type { ObjectHead } from '../ports/object-store.js';

/**
 * Identifies one version of a session: both inputs' versions (or etags where the store keeps no versions).
 * A re-upload changes it, so the session is processed again; a duplicate or late event does not.
 *
 * @example
 * sessionFingerprint({ etag: 'a', version: '1' }, { etag: 'b' }) // 16 hex characters
 */
export function sessionFingerprint(
  mri: Pick<ObjectHead, 'etag' | 'version'>,
  pet: Pick<ObjectHead, 'etag' | 'version'>,
): string {
  const part = (h: Pick<ObjectHead, 'etag' | 'version'>) => `${h.etag}@${h.version ?? ''}`;
  return createHash('sha256').update(`mri=${part(mri)}\npet=${part(pet)}`).digest('hex').slice(0, 16);
}
