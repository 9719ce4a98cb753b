import * as assert from 'node:assert/strict';
import { RouterError } from '../../src/core/errors';
import { ChatStreamDecoder, type ChatStreamEvent } from '../../src/core/sse';
import { RECORDED_STREAMS, type ExpectedStream } from '../fixtures/streams';

/** Feeds `pieces` through a fresh decoder and sums up what came out, in ExpectedStream's shape. */
function decode(pieces: Uint8Array[], options?: { maxEventBytes?: number }): ExpectedStream {
  const events: ChatStreamEvent[] = [];
  const decoder = new ChatStreamDecoder((event) => events.push(event), options);
  for (const piece of pieces) decoder.push(piece);
  decoder.end();
  return summarise(events);
}

function summarise(events: ChatStreamEvent[]): ExpectedStream {
  const result: ExpectedStream = { content: '', reasoning: '', done: false };
  for (const event of events) {
    switch (event.kind) {
      case 'content': result.content += event.text; break;
      case 'reasoning': result.reasoning += event.text; break;
      case 'usage': result.usage = { promptTokens: event.promptTokens, completionTokens: event.completionTokens }; break;
      case 'finish': result.finishReason = event.reason; break;
      case 'error': result.error = event.message; break;
      case 'done': result.done = true; break;
    }
  }
  return result;
}

/** mulberry32: a small seeded PRNG, so a failing random split can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `decode` and names the split on failure: a bare deepEqual diff does not say where it broke. */
function assertDecodes(name: string, pieces: Uint8Array[], expected: ExpectedStream): void {
  let actual: ExpectedStream;
  try {
    actual = decode(pieces);
  } catch (error) {
    assert.fail(`${name}: pieces of ${pieces.map((p) => p.length).join('+')} bytes threw ${String(error)}`);
  }
  assert.deepEqual(actual, expected, `${name}: pieces of ${pieces.map((p) => p.length).join('+')} bytes`);
}

function assertStreamError(run: () => void, label: string): void {
  assert.throws(run, (error: unknown) => error instanceof RouterError && error.code === 'STREAM_ERROR', label);
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('ChatStreamDecoder', () => {
  for (const [name, { bytes, expected }] of Object.entries(RECORDED_STREAMS)) {
    describe(name, () => {
      it('decodes the whole stream in one chunk', () => {
        assertDecodes(name, [bytes], expected);
      });

      it('decodes the same at every two-way split point', () => {
        for (let k = 0; k <= bytes.length; k++) {
          assertDecodes(name, [bytes.subarray(0, k), bytes.subarray(k)], expected);
        }
      });

      it('decodes the same one byte at a time', () => {
        const pieces = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
        assertDecodes(name, pieces, expected);
      });

      it('decodes the same at random three-way splits', () => {
        const random = seededRandom(0x5eed ^ bytes.length);
        for (let trial = 0; trial < 300; trial++) {
          const [a, b] = [Math.floor(random() * (bytes.length + 1)), Math.floor(random() * (bytes.length + 1))].sort((x, y) => x - y);
          assertDecodes(name, [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)], expected);
        }
      });
    });
  }

  it('has recorded streams whose multi-byte characters the splits actually cut', () => {
    // Guards the fixture itself: without non-ASCII bytes the split tests prove nothing about UTF-8.
    const bytes = RECORDED_STREAMS['chinese-emoji'].bytes;
    assert.ok(bytes.some((byte) => byte >= 0xf0), 'a four-byte character (emoji)');
    assert.ok(bytes.some((byte) => byte >= 0xe0 && byte < 0xf0), 'a three-byte character (CJK)');
  });

  describe('malformed data', () => {
    const role = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":null}]}\n\n';
    const broken = utf8(`${role}data: {not json\n\ndata: [DONE]\n\n`);

    it('throws STREAM_ERROR when fed whole', () => {
      assertStreamError(() => decode([broken]), 'whole');
    });

    it('throws STREAM_ERROR at every split point', () => {
      for (let k = 0; k <= broken.length; k++) {
        assertStreamError(() => decode([broken.subarray(0, k), broken.subarray(k)]), `split at ${k}`);
      }
    });

    it('drops an unterminated last event at end(), as the SSE spec says, whether or not it parses', () => {
      // The connection closed before the event's blank line: half an answer must not surface as content.
      for (const tail of ['data: {"choices":[{"delta":{"content":"cut', 'data: {"choices":[{"delta":{"content":"cut"}}]}']) {
        const stream = utf8(`${role}${tail}`);
        for (let k = 0; k <= stream.length; k++) {
          assert.equal(decode([stream.subarray(0, k), stream.subarray(k)]).content, 'ok', `${tail} split at ${k}`);
        }
      }
    });
  });

  describe('size limit', () => {
    const maxEventBytes = 1024;
    const oversize = utf8(`data: {"choices":[{"index":0,"delta":{"content":"${'x'.repeat(4 * maxEventBytes)}"},"finish_reason":null}]}\n\ndata: [DONE]\n\n`);

    it('throws STREAM_ERROR for an event over maxEventBytes fed whole', () => {
      assertStreamError(() => decode([oversize], { maxEventBytes }), 'whole');
    });

    it('throws STREAM_ERROR for an event over maxEventBytes fed in small pieces', () => {
      const pieces: Uint8Array[] = [];
      for (let i = 0; i < oversize.length; i += 100) pieces.push(oversize.subarray(i, i + 100));
      assertStreamError(() => decode(pieces, { maxEventBytes }), 'pieces of 100 bytes');
    });

    it('throws STREAM_ERROR for an oversize event spread over many data lines', () => {
      const line = `data: ${' '.repeat(200)}\n`;
      const manyLines = utf8(`${line.repeat(20)}data: {"choices":[]}\n\n`);
      assertStreamError(() => decode([manyLines], { maxEventBytes }), 'many data lines');
    });

    it('accepts events under the limit', () => {
      const small = utf8(`data: {"choices":[{"index":0,"delta":{"content":"${'y'.repeat(maxEventBytes / 2)}"},"finish_reason":null}]}\n\n`);
      assert.equal(decode([small], { maxEventBytes }).content, 'y'.repeat(maxEventBytes / 2));
    });
  });
});
