// serverless 3 loads plugins with require() and no TypeScript loader: tsx compiles the plugin on load.
// CommonJS on purpose: require() of an ES module with top-level await fails on newer Node versions. The
// loader is registered for the whole serverless process (a namespaced tsx require breaks esbuild, which
// locates its binary with require.resolve).
require('tsx/cjs/api').register();

module.exports = require('./sls/plugin.ts').GcpServerlessPlugin;
