/** The "HolySheep Router" output channel: routing decisions, failovers and errors, by level. */
import * as vscode from 'vscode';
import type { LogEntry } from '../core/chat';
import type { Event } from '../core/events';

export const LOG_CHANNEL_NAME = 'HolySheep Router';

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true });
}

/** Pipes the router's log (already redacted by the engine) into the channel at the same level. */
export function pipeRouterLog(onDidLog: Event<LogEntry>, log: vscode.LogOutputChannel): vscode.Disposable {
  return onDidLog((entry) => {
    switch (entry.level) {
      case 'trace': log.trace(entry.message); break;
      case 'debug': log.debug(entry.message); break;
      case 'info': log.info(entry.message); break;
      case 'warn': log.warn(entry.message); break;
      case 'error': log.error(entry.message); break;
    }
  });
}
