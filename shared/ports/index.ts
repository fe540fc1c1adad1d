export * from './object-store.js';
export * from './job-submitter.js';
export * from './status-sink.js';
export * from './observability.js';
