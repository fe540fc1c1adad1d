import { readFileSync } from 'node:fs';

/** A fixture from test/events/, parsed fresh on every call (callers may change it freely). */
export function awsFixture(name: string): any {
  return JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8'));
}

/** A copy of an S3 notification or EventBridge fixture aimed at another bucket (one bucket per test). */
export function retarget(event: any, bucket: string): any {
  const copy = structuredClone(event);
  if (Array.isArray(copy.Records)) {
    for (const record of copy.Records) {
      if (record?.s3?.bucket) {
        record.s3.bucket.name = bucket;
        record.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
      }
    }
  }
  if (copy.detail?.bucket) copy.detail.bucket.name = bucket;
  return copy;
}
