/** The host's check of every message from the chat webview (plain Node). */
import * as assert from 'node:assert/strict';
import { LIMITS, parseWebviewMessage } from '../../src/shared/protocol';

describe('parseWebviewMessage', () => {
  it('accepts every message the webview sends, keeping only the fields its type has', () => {
    const valid: unknown[] = [
      { type: 'ready' },
      { type: 'send', requestId: 3, text: 'Explain this', model: 'auto' },
      { type: 'send', requestId: 0, text: 'x', model: 'claude-sonnet-4.5' },
      { type: 'stop' },
      { type: 'retry' },
      { type: 'newChat' },
      { type: 'selectModel', model: 'deepseek-v3.2' },
      { type: 'copyCode', code: '' },
      { type: 'insertCode', code: 'const a = 1;\n' },
      { type: 'openLink', href: 'https://example.com' },
      { type: 'setApiKey' },
      { type: 'setApiKey', endpointId: 'openrouter' },
      { type: 'openSettings' },
      { type: 'openSettings', settingId: 'holysheepRouter.timeouts.requestMs' },
      { type: 'showLog' },
    ];
    for (const message of valid) assert.deepEqual(parseWebviewMessage(message), message, JSON.stringify(message));
    assert.deepEqual(parseWebviewMessage({ type: 'stop', extra: '<script>' }), { type: 'stop' });
    assert.deepEqual(parseWebviewMessage({ type: 'openLink', href: 'https://a.example', target: '_blank' }), { type: 'openLink', href: 'https://a.example' });
  });

  it('refuses anything else', () => {
    const invalid: unknown[] = [
      undefined, null, 'ready', 42, [], [{ type: 'ready' }], {}, { type: 'READY' }, { type: 'eval', code: '1' }, { type: 'toString' }, { type: '__proto__' },
      { type: 'send', requestId: 1, text: '', model: 'auto' },
      { type: 'send', requestId: 1, text: '  \n ', model: 'auto' },
      { type: 'send', requestId: 1, text: 'x'.repeat(LIMITS.messageChars + 1), model: 'auto' },
      { type: 'send', requestId: -1, text: 'hi', model: 'auto' },
      { type: 'send', requestId: 1.5, text: 'hi', model: 'auto' },
      { type: 'send', requestId: '1', text: 'hi', model: 'auto' },
      { type: 'send', requestId: 1, text: 'hi' },
      { type: 'send', requestId: 1, text: 'hi', model: '' },
      { type: 'send', requestId: 1, text: 'hi', model: 'gpt\n4' },
      { type: 'send', requestId: 1, text: ['hi'], model: 'auto' },
      { type: 'selectModel', model: 'm'.repeat(LIMITS.idChars + 1) },
      { type: 'selectModel' },
      { type: 'copyCode' },
      { type: 'insertCode', code: { toString: () => 'x' } },
      { type: 'insertCode', code: 'x'.repeat(LIMITS.codeChars + 1) },
      { type: 'openLink', href: '' },
      { type: 'openLink', href: 'https://example.com/'.padEnd(LIMITS.hrefChars + 1, 'a') },
      { type: 'openLink' },
      { type: 'setApiKey', endpointId: '' },
      { type: 'setApiKey', endpointId: 7 },
      { type: 'openSettings', settingId: 'editor.fontSize' },
      { type: 'openSettings', settingId: 'holysheepRouterX' },
      { type: 'openSettings', settingId: 'holysheepRouter.a b' },
    ];
    for (const message of invalid) assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message)?.slice(0, 120));
  });
});
