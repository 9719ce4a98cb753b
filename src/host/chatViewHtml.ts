/**
 * The chat view's HTML and its Content-Security-Policy. No editor import, so the browser tests
 * load the view with exactly this page and policy.
 */
import { randomBytes } from 'node:crypto';

export interface ChatViewHtmlInput {
  /** `webview.cspSource`: the origin the view's own files are served from. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** A fresh nonce per page: 128 random bits, never Math.random. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Nothing by default; styles and fonts only from the extension's files; scripts only with the
 * page's nonce (no inline script, no 'unsafe-inline', no eval). No remote images: a markdown image in
 * an answer would be fetched at once, so a prompt injection could leak the conversation in its URL.
 */
export function chatViewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function chatViewHtml(input: ChatViewHtmlInput): string {
  const attr = escapeAttribute;
  // The body is empty: the script builds the view, so no markup here needs the nonce.
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(chatViewCsp(input.cspSource, input.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(input.styleUri)}">
  <title>HolySheep Chat</title>
</head>
<body>
  <script nonce="${attr(input.nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
