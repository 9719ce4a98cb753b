/**
 * Circuit breakers survive a window reload: their state goes to globalState shortly after each
 * change (debounced: a failing fleet changes several at once) and comes back on activation.
 */
import type * as vscode from 'vscode';
import type { BreakerChange, BreakerSnapshot } from '../core/breakers';
import type { Event } from '../core/events';
import { Throttle } from './throttle';

export const BREAKERS_STATE = 'holysheepRouter.breakers';

export function restoreBreakers(state: vscode.Memento): BreakerSnapshot | undefined {
  const saved = state.get<unknown>(BREAKERS_STATE);
  return typeof saved === 'object' && saved !== null && !Array.isArray(saved) ? (saved as BreakerSnapshot) : undefined;
}

export interface BreakerSource {
  readonly onDidChangeBreaker: Event<BreakerChange>;
  toJSON(): { breakers: BreakerSnapshot };
}

export function persistBreakers(router: BreakerSource, state: vscode.Memento): vscode.Disposable {
  const save = new Throttle(1000, () => void state.update(BREAKERS_STATE, router.toJSON().breakers));
  const subscription = router.onDidChangeBreaker(() => save.schedule());
  return {
    dispose() {
      subscription.dispose();
      // Shutting down: write what is pending now rather than lose it.
      save.flush();
      save.dispose();
    },
  };
}
