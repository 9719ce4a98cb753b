/**
 * What scripts/runE2E.js started for the end-to-end suite: the workbench page in Chromium, the fake
 * provider fleet (in the same process, so steps can script it) and where to save screenshots. The
 * script and the suite are separate bundles, so the hand-over goes through a global symbol.
 */
import type { Page } from 'playwright-core';
import type { FakeFleet } from '../fixtures/fleet';

export interface E2EContext {
  /** The workbench tab, 1400×900, not yet navigated. */
  readonly page: Page;
  readonly fleet: FakeFleet;
  /** code-server's URL; it opens `workspace` (written by writeSampleWorkspace in scripts/testHost.js). */
  readonly serverUrl: string;
  readonly workspace: string;
  /** code-server's user-data dir (User/settings.json lives here). */
  readonly userDataDir: string;
  /** What was seeded into User/settings.json before the workbench started (the quiet defaults of scripts/testHost.js aside). */
  readonly userSettings: Readonly<Record<string, unknown>>;
  /** test-results/e2e: screenshots go here. */
  readonly resultsDir: string;
}

const CONTEXT_KEY = Symbol.for('holysheep-router.e2e.context');

export function e2eContext(): E2EContext {
  const context = (globalThis as Record<symbol, unknown>)[CONTEXT_KEY] as E2EContext | undefined;
  if (!context) throw new Error('No end-to-end context: run the suite with `node scripts/runE2E.js`, which starts code-server, Chromium and the fleet.');
  return context;
}
