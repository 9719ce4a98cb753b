/**
 * The few icons the chat view draws, built as SVG elements (no icon font to load, nothing inline
 * for the CSP to allow). 16 px line drawings in the codicon spirit; they take the text colour.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

type Shape = [tag: string, attributes: Record<string, string>];

const STROKED: Record<string, Shape[]> = {
  send: [['path', { d: 'M2 2.5 14 8 2 13.5l1.8-5.5z' }], ['path', { d: 'M3.8 8H8' }]],
  copy: [['rect', { x: '5.5', y: '5.5', width: '8', height: '9', rx: '1' }], ['path', { d: 'M3.5 10.5h-.5a.5.5 0 0 1-.5-.5V2.5a.5.5 0 0 1 .5-.5h6.5a.5.5 0 0 1 .5.5V3' }]],
  insert: [['path', { d: 'M8 2v8M5 7l3 3 3-3M2.5 13.5h11' }]],
  check: [['path', { d: 'm3 8.5 3 3 7-7' }]],
  plus: [['path', { d: 'M8 3v10M3 8h10' }]],
  retry: [['path', { d: 'M13 8a5 5 0 1 1-1.6-3.7' }], ['path', { d: 'M13 2.5v3h-3' }]],
  key: [['circle', { cx: '5', cy: '11', r: '2.5' }], ['path', { d: 'M6.8 9.2 13 3M11 5l1.8 1.8M9.6 6.4l1.2 1.2' }]],
  settings: [['path', { d: 'M2 4.5h12M2 8h12M2 11.5h12' }], ['circle', { cx: '5', cy: '4.5', r: '1.3' }], ['circle', { cx: '10.5', cy: '8', r: '1.3' }], ['circle', { cx: '7', cy: '11.5', r: '1.3' }]],
  log: [['rect', { x: '2.5', y: '2.5', width: '11', height: '11', rx: '1' }], ['path', { d: 'M5 6h6M5 8.5h6M5 11h3.5' }]],
  error: [['circle', { cx: '8', cy: '8', r: '6' }], ['path', { d: 'M8 4.8v3.8M8 10.6v.4' }]],
  route: [['circle', { cx: '3.5', cy: '4', r: '1.5' }], ['circle', { cx: '12.5', cy: '12', r: '1.5' }], ['path', { d: 'M5 4h4.5a2 2 0 0 1 0 4h-3a2 2 0 0 0 0 4H11' }]],
};

const FILLED: Record<string, Shape[]> = {
  stop: [['rect', { x: '4', y: '4', width: '8', height: '8', rx: '1' }]],
  sheep: [
    ['circle', { cx: '7.5', cy: '10', r: '3.2' }],
    ['circle', { cx: '11.5', cy: '8.6', r: '3.4' }],
    ['circle', { cx: '15.4', cy: '10', r: '3.1' }],
    ['circle', { cx: '9', cy: '13.6', r: '3.1' }],
    ['circle', { cx: '13.6', cy: '13.6', r: '3.1' }],
    ['ellipse', { cx: '19.6', cy: '11.6', rx: '2.6', ry: '2.1' }],
    ['rect', { x: '8.6', y: '15.5', width: '1.7', height: '5', rx: '0.85' }],
    ['rect', { x: '13', y: '15.5', width: '1.7', height: '5', rx: '0.85' }],
  ],
};

export type IconName = 'send' | 'copy' | 'insert' | 'check' | 'plus' | 'retry' | 'key' | 'settings' | 'log' | 'error' | 'route' | 'stop' | 'sheep';

/** A decorative icon: hidden from screen readers, the button around it carries the label. */
export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  const filled = FILLED[name];
  svg.setAttribute('viewBox', name === 'sheep' ? '0 0 24 24' : '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon icon-${name}`);
  if (filled) {
    svg.setAttribute('fill', 'currentColor');
  } else {
    svg.setAttribute('fill', 'none');
    svg.setAttribute('stroke', 'currentColor');
    svg.setAttribute('stroke-width', '1.2');
    svg.setAttribute('stroke-linecap', 'round');
    svg.setAttribute('stroke-linejoin', 'round');
  }
  for (const [tag, attributes] of filled ?? STROKED[name] ?? []) {
    const child = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes)) child.setAttribute(key, value);
    svg.append(child);
  }
  return svg;
}
