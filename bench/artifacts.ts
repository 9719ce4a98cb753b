/** Sizes of what ships: the extension bundle (and, once packaging lands, the .vsix). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Measurement } from './measurement';
import { round } from './stats';

/** The repository root, from out/bench/bench.js. */
export const ROOT = path.resolve(__dirname, '..', '..');

export const extensionBundle: Measurement = {
  name: 'bundle',
  async run() {
    const file = path.join(ROOT, 'dist', 'extension.js');
    if (!existsSync(file)) {
      return [{ key: 'extension_bundle_kb', value: null, unit: 'KB', samples: 0, detail: 'dist/extension.js not built (the extension build failed or has not run)' }];
    }
    const size = statSync(file).size / 1024;
    // The dev build links a source map; the .vsix ships the minified `npm run build` output.
    const dev = readFileSync(file, 'utf8').includes('//# sourceMappingURL=');
    return [{
      key: 'extension_bundle_kb', value: round(size, 1), unit: 'KB', samples: 1,
      detail: `dist/extension.js, ${dev ? 'development build (unminified; `npm run build` ships smaller)' : 'production build'}`,
    }];
  },
};
