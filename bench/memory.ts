/**
 * Full garbage collections for memory figures. `npm run bench` starts node with --expose-gc; when
 * someone runs the file without it, the flag is turned on at run time (V8 allows that) rather than
 * reporting a heap full of garbage as growth.
 */
import { getHeapCodeStatistics, getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

function gcFunction(): () => void {
  if (gc) return gc;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return (gc = exposed);
  setFlagsFromString('--expose-gc');
  return (gc = runInNewContext('gc') as () => void);
}

/** Two passes: the first can only queue finalizers and weak callbacks that the second then frees. */
export function collectGarbage(): void {
  const run = gcFunction();
  run();
  run();
}

/**
 * KB held by JavaScript objects after a full collection: the whole heap minus what V8 itself counts
 * as code and bytecode with their metadata. The JIT compiling, deoptimising and recompiling moves
 * that by tens of KB per thousand requests (measured with heap-snapshot diffs), and that is not
 * the engine keeping anything.
 */
export function objectHeapKb(): number {
  collectGarbage();
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) bytes += space.space_used_size;
  const code = getHeapCodeStatistics();
  return (bytes - code.code_and_metadata_size - code.bytecode_and_metadata_size) / 1024;
}
