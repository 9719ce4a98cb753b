/** The webview side of VS Code: posting to the host and the state kept while the view is hidden. */
import type { WebviewMessage } from '../shared/protocol';

interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare const acquireVsCodeApi: () => VsCodeWebviewApi;

/** What survives the view being hidden and shown again (the host keeps the transcript itself). */
export interface SavedViewState {
  draft: string;
  scrollTop: number;
  atBottom: boolean;
}

export interface HostConnection {
  post(message: WebviewMessage): void;
  readonly savedState: SavedViewState | undefined;
  save(state: SavedViewState): void;
}

export function connectToHost(): HostConnection {
  // May be called once per page load only.
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    savedState: parseSavedState(api.getState()),
    save: (state) => api.setState(state),
  };
}

function parseSavedState(raw: unknown): SavedViewState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { draft, scrollTop, atBottom } = raw as Record<string, unknown>;
  return {
    draft: typeof draft === 'string' ? draft : '',
    scrollTop: typeof scrollTop === 'number' && Number.isFinite(scrollTop) ? scrollTop : 0,
    atBottom: typeof atBottom === 'boolean' ? atBottom : true,
  };
}
