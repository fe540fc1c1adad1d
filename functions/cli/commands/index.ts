import type { Command } from 'commander';

/** Registers one command on the program. */
export type RegisterCommand = (program: Command) => void;

// One line per command module; keep alphabetical to make concurrent additions merge cleanly.
export const commands: RegisterCommand[] = [];
