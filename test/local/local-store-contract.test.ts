import { afterAll } from 'vitest';
import type { LocalStack } from '../../providers/local/local-stack.js';
import { objectStoreContract } from '../contracts/object-store.contract.js';
import { startTestStack } from './stack-helpers.js';

// The FsObjectStore contract again, this time with its presigned URLs fetched for real from the local
// server that serves them (the unit test beside the store cannot, having no server).
const stacks: LocalStack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
});

objectStoreContract(
  'local filesystem served by the local stack',
  async () => {
    const stack = await startTestStack({ watch: false });
    stacks.push(stack);
    return stack.store;
  },
  { canFetchPresigned: true },
);
