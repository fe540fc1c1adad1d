#!/usr/bin/env node
// Launcher for the `adni` CLI: registers the TypeScript loader, then runs the CLI entry point.
import { register } from 'tsx/esm/api';

register();
await import('../functions/cli/adni.ts');
