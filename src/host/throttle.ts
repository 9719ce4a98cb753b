import type * as vscode from 'vscode';

/**
 * Runs `task` at most once per `intervalMs`, trailing: a burst of `schedule()` calls (one per
 * attempt, per breaker change, per answer) costs one refresh, and the last call is never lost.
 */
export class Throttle implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastRun = 0;
  private disposed = false;

  constructor(private readonly intervalMs: number, private readonly task: () => void) {}

  schedule(): void {
    if (this.timer || this.disposed) return;
    const wait = Math.max(0, this.lastRun + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastRun = Date.now();
      this.task();
    }, wait);
  }

  /** Runs a pending task now (for example before persisting on shutdown). */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastRun = Date.now();
    this.task();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
