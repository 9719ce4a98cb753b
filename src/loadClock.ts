/**
 * Imported first by src/extension.ts, so esbuild places this module's body ahead of every other
 * module of the bundle: the time the extension bundle began to evaluate, for the activation
 * figures the benchmark reads in test mode (see TestApi.loadMs).
 */
export const bundleEvaluationStarted = performance.now();
