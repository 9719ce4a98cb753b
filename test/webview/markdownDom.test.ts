/**
 * The chat view builds answers' DOM from markdown-it's tokens itself (src/webview/markdownDom.ts),
 * so it must show what markdown-it's own HTML renderer would, and nothing an answer could use to
 * run code or reach the network. Checked in Chromium against markdown-it's HTML (parsed inert by
 * DOMParser) over handwritten cases and a few hundred seeded random documents, hostile ones among them.
 */
import * as assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import type { Browser } from 'playwright-core';
import type { AnswerEntry } from '../../src/shared/protocol';
import { launchBrowser, openChatPage, seededRandom, type ChatPage } from './harness';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const CASES = [
  '# One\n## Two\n###### Six',
  'Para *em* **strong** ~~s~~ `code` and ***both*** _under_ __score__',
  'A [link](https://example.com/a?b=c&d "title") and <https://auto.example> and bare https://bare.example/x.',
  'Line one  \nhard break\\\nagain\nsoft break',
  '> quote\n> > nested\n\n> - list in quote',
  '- a\n- b\n  - nested\n- c',
  '- loose\n\n- items\n\n  with two paragraphs',
  '3. three\n4. four\n\n1) one',
  '| a | b | c |\n|:-|:-:|--:|\n| 1 | 2 | 3 |\n| `x` | **y** | [z](https://z.example) |',
  '```ts\nconst a = 1;\n```\n\n~~~\nplain\n~~~\n\n```c++ {linenos}\nint main();\n```\n\n```a&amp;b\nodd\n```',
  '    indented code\n    more',
  'above\n\n---\n\n***',
  '![alt *text*](https://img.example/p.png "pic") ![data](data:image/png;base64,iVBORw0KGgo=) ![rel](pic.png)',
  '[ref link][r] and [r]\n\n[r]: https://ref.example "Ref"',
  '&amp; &lt;b&gt; &#x41; &copy; \\*not em\\* `<code>`',
  '<div onclick="x()">html block</div>\n\n<script>alert(1)</script> inline <b>bold</b>',
  '[js](javascript:alert(1)) [vb](vbscript:x) [data](data:text/html,<script>x</script>) [file](file:///etc/passwd) [mail](mailto:a@b.c) [rel](./x)',
  '[enc](jav&#x61;script:alert(1)) [spaced](java\nscript:alert(1)) <javascript:alert(1)> ![x](javascript:alert(1))',
  '```\n</code></pre><img src=x onerror=alert(1)>\n```',
  '*unclosed **emphasis `code\n\n- [ ] task\n- [x] done',
  '1. a\n\n   ```js\n   nested fence\n   ```\n2. b',
  '',
];

/** Random documents from the pieces above and more, seeded so that a failure replays. */
function randomDocuments(count: number): string[] {
  const random = seededRandom(20261130);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const urls = ['https://a.example/x', 'http://b.example', 'javascript:alert(1)', 'data:text/html,x', 'mailto:x@y.z', '/rel', 'HTTPS://UP.example', ' https://space.example', 'https://q.example/?a=<b>&c="d"'];
  const inline = (): string => {
    const parts = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
      pick([
        () => pick(['word', 'two words', 'ünïcødé 你好 👋', '<b>tag</b>', '&amp;', '\\*', 'a_b_c', 'x*y*z']),
        () => `*${pick(['em', 'two em'])}*`,
        () => `**${pick(['strong', 'a *nested* one'])}**`,
        () => `\`${pick(['code', '<i>', 'a `b` c'])}\``,
        () => `[${pick(['text', '*em*', '`c`'])}](${pick(urls)})`,
        () => `![${pick(['alt', '*em alt*', ''])}](${pick(urls)})`,
        () => `<${pick(urls)}>`,
        () => pick(urls),
        () => pick(['  \n', '\n', '\\\n']),
      ])(),
    );
    return parts.join(' ').trim() || 'x';
  };
  const block = (depth: number): string =>
    pick([
      () => `${'#'.repeat(1 + Math.floor(random() * 6))} ${inline()}`,
      () => inline(),
      () => `> ${depth < 2 ? block(depth + 1).replace(/\n/g, '\n> ') : inline()}`,
      () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => `- ${inline()}`).join(random() < 0.5 ? '\n' : '\n\n'),
      () => Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => `${i + 1 + Math.floor(random() * 3)}. ${inline()}`).join('\n'),
      () => `| h | ${inline().replace(/\n/g, ' ')} |\n|${pick([':-', '-:', ':-:', '-'])}|---|\n| ${inline().replace(/\n/g, ' ')} | c |`,
      () => `${pick(['```', '~~~'])}${pick(['', 'ts', 'c++', 'x y', 'a&amp;b', '`', 'py{1}'])}\n${inline()}\n${pick(['```', '~~~', ''])}`,
      () => `    ${inline().replace(/\n/g, ' ')}`,
      () => pick(['---', '***', '<div>raw</div>', '[d]: https://d.example', '[d] used']),
    ])();
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => block(0)).join('\n\n'));
}

const answer = (id: string, text: string): AnswerEntry => ({ kind: 'answer', id, text, reasoning: '', status: 'done', failovers: [], hedged: false });

describe('answers built from markdown-it tokens (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let chat: ChatPage;
  let violations: string[];
  const documents = [...CASES, ...randomDocuments(300)];

  before(async () => {
    browser = await launchBrowser();
    chat = await openChatPage(browser);
    await chat.handshake();
    await chat.post(...documents.map((text, i) => ({ type: 'entryAdded' as const, entry: answer(`d${i}`, text) })));
    await chat.settle();
    // Read now: the reference HTML parsed below has style attributes, which the CSP reports.
    violations = await chat.cspViolations();
  });

  after(async () => {
    await chat?.close();
    await browser?.close();
  });

  it('make only allow-listed elements and attributes, with only http(s) links and no script, style or handler', async () => {
    const unsafe = await chat.page.evaluate(() => {
      const ELEMENTS = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'EM', 'STRONG', 'S', 'A', 'HR', 'BR', 'IMG', 'CODE', 'PRE', 'DIV', 'SPAN', 'BUTTON']);
      const ATTRIBUTES = new Set(['href', 'title', 'src', 'alt', 'start', 'style', 'class', 'type', 'data-code-action', 'aria-label']);
      const found: string[] = [];
      for (const element of document.querySelectorAll('[data-entry-id^="d"] .markdown *')) {
        // The toolbar's own icons (icons.ts), not built from an answer.
        if (element.closest('svg.icon')) continue;
        if (!ELEMENTS.has(element.tagName)) found.push(`element ${element.tagName}`);
        for (const attr of element.getAttributeNames()) if (!ATTRIBUTES.has(attr)) found.push(`${element.tagName}[${attr}]`);
        const href = element.getAttribute('href');
        if (href !== null && !/^https?:\/\//i.test(href)) found.push(`href ${href}`);
        const src = element.getAttribute('src');
        if (src !== null && !/^data:image\/(?:gif|png|jpeg|webp);/i.test(src)) found.push(`src ${src}`);
        const style = element.getAttribute('style');
        if (style !== null && !/^text-align: (?:left|center|right);$/.test(style)) found.push(`style ${style}`);
      }
      return [...new Set(found)];
    });
    assert.deepEqual(unsafe, []);
    assert.deepEqual(violations, []);
  });

  it(`show what markdown-it's HTML renderer shows, over ${documents.length} documents`, async () => {
    const reference = documents.map((text) => md.render(text));
    const mismatches = await chat.page.evaluate((references) => {
      const LINK = /^https?:/i;
      const IMAGE = /^data:image\/(?:gif|png|jpeg|webp);/i;
      const BLOCKS = new Set(['#document-fragment', 'BODY', 'DIV', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'TABLE', 'THEAD', 'TBODY', 'TR']);
      /** A canonical string for a tree, blind to what only one renderer adds (frames, toolbars, inter-block newlines). */
      const canonical = (node: Node): string => {
        if (node instanceof Text) return JSON.stringify(node.data);
        if (!(node instanceof Element)) return '';
        if (node.matches('div.code-block, div.table-wrap')) return [...node.children].filter((c) => !c.matches('.code-header')).map(canonical).join('');
        const attrs: string[] = [];
        const href = node.getAttribute('href');
        if (node.tagName === 'A' && href && LINK.test(href)) attrs.push(`href=${href}`);
        if (node.tagName === 'IMG') {
          const src = node.getAttribute('src') ?? '';
          const alt = node.getAttribute('alt') ?? '';
          // The view loads no remote image: it links to it, under its description.
          if (!IMAGE.test(src)) return `<a${LINK.test(src) ? ` href=${src}` : ''}>${JSON.stringify(alt || 'image')}</>`;
          attrs.push(`src=${src}`, `alt=${alt}`, `title=${node.getAttribute('title') ?? ''}`);
        }
        if (node.tagName === 'OL') attrs.push(`start=${node.getAttribute('start') ?? ''}`);
        if (node instanceof HTMLElement && node.style.textAlign) attrs.push(`align=${node.style.textAlign}`);
        const language = /^language-([\w#+.-]+)$/.exec(node.getAttribute('class') ?? '')?.[1];
        if (node.tagName === 'CODE' && language) attrs.push(`lang=${language}`);
        return `<${node.tagName.toLowerCase()}${attrs.map((a) => ` ${a}`).join('')}>${children(node)}</>`;
      };
      const children = (node: Node): string => {
        const copy = node.cloneNode(true);
        copy.normalize();
        return [...copy.childNodes]
          .filter((c) => !(c instanceof Text && /^\s*$/.test(c.data) && BLOCKS.has(copy.nodeName)))
          .map(canonical)
          .join('');
      };
      const found: { index: number; built: string; reference: string }[] = [];
      references.forEach((html, index) => {
        const built = document.querySelector(`[data-entry-id="d${index}"] .markdown`);
        const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html').body;
        const b = built ? children(built) : 'missing';
        const r = children(parsed);
        if (b !== r) found.push({ index, built: b, reference: r });
      });
      return found;
    }, reference);
    assert.deepEqual(mismatches.slice(0, 3).map((m) => ({ ...m, text: documents[m.index] })), []);
  });
});
