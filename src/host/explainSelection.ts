/**
 * Explain Selection: the selected code, with its file, language and lines, becomes a user message
 * in the chat view, which streams the explanation.
 */
import * as vscode from 'vscode';

export const EXPLAIN_SELECTION_COMMAND = 'holysheepRouter.explainSelection';

export interface SelectionToExplain {
  /** Workspace-relative path, or the editor's title for an untitled document. */
  fileName: string;
  languageId: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  code: string;
}

/** Builds the chat message; a selection over `maxChars` is cut at a line end where possible, and says so. */
export function buildExplainMessage(selection: SelectionToExplain, maxChars: number): string {
  let code = selection.code;
  let note = '';
  if (code.length > maxChars) {
    const cut = code.lastIndexOf('\n', maxChars);
    code = code.slice(0, cut > maxChars / 2 ? cut : maxChars);
    const shownLines = code.split('\n').length;
    note = `\n\n_Note: the selection was ${selection.code.length.toLocaleString('en-US')} characters, so only the first ${code.length.toLocaleString('en-US')} (about ${shownLines} lines) are included. Select a smaller part to explain the rest._`;
  }
  const lines = selection.startLine === selection.endLine ? `line ${selection.startLine}` : `lines ${selection.startLine}–${selection.endLine}`;
  const fence = fenceFor(code);
  return [
    `Explain this code from \`${selection.fileName}\` (${selection.languageId}, ${lines}): what it does, how, and anything surprising or risky.`,
    '',
    `${fence}${selection.languageId}`,
    code,
    fence,
  ].join('\n') + note;
}

/** A backtick fence longer than any run of backticks inside the code, so the block cannot end early. */
export function fenceFor(code: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Reads the active editor's primary selection; undefined when there is nothing selected. */
export function selectionOf(editor: vscode.TextEditor): SelectionToExplain | undefined {
  const { selection, document } = editor;
  const code = document.getText(selection);
  if (selection.isEmpty || !code.trim()) return undefined;
  // A selection that ends at the start of a line does not include that line.
  const endLine = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line - 1 : selection.end.line;
  return {
    fileName: document.isUntitled ? document.uri.path.split('/').pop() ?? 'Untitled' : vscode.workspace.asRelativePath(document.uri, false),
    languageId: document.languageId,
    startLine: selection.start.line + 1,
    endLine: endLine + 1,
    code,
  };
}

export interface ExplainDeps {
  chatView: { ask(text: string): Promise<unknown> };
  settings: { explainMaxChars(scope?: vscode.Uri): number };
}

export async function explainSelection(deps: ExplainDeps): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Open a file and select some code, then run "Explain Selection" again.');
    return;
  }
  const selection = selectionOf(editor);
  if (!selection) {
    void vscode.window.showInformationMessage('Select the code to explain first, then run "Explain Selection" again.');
    return;
  }
  await deps.chatView.ask(buildExplainMessage(selection, deps.settings.explainMaxChars(editor.document.uri)));
}

export function registerExplainSelection(deps: ExplainDeps): vscode.Disposable {
  return vscode.commands.registerCommand(EXPLAIN_SELECTION_COMMAND, () => explainSelection(deps));
}
