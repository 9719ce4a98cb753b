/**
 * Minimal event primitives shaped like VS Code's, so host code can subscribe with the same habits
 * (`context.subscriptions.push(router.onDidX(...))`) while src/core never imports the editor.
 */
export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        // A broken listener must not break routing: report it and go on with the others.
        console.error('[holysheep-router] event listener failed:', error);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

export function toDisposable(fn: () => void): Disposable {
  return { dispose: fn };
}
