import type { Command } from 'commander';
import { register as audit } from './audit.js';
import { register as backfill } from './backfill.js';
import { register as cohort } from './cohort.js';
import { register as importCsv } from './import.js';
import { register as n4 } from './n4.js';
import { register as phantom } from './phantom.js';
import { register as preprocess } from './preprocess.js';
import { register as reprocess } from './reprocess.js';
import { register as serve } from './serve.js';
import { register as upload } from './upload.js';

/** Registers one command on the program. */
export type RegisterCommand = (program: Command) => void;

// One line per command module; keep alphabetical to make concurrent additions merge cleanly.
export const commands: RegisterCommand[] = [audit, backfill, cohort, importCsv, n4, phantom, preprocess, reprocess, serve, upload];
