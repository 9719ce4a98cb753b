/** Numbers as the chat view and the host both show them. */

/**
 * Dollar amounts. One cheap answer costs a few hundred-thousandths of a dollar: keep two
 * significant digits there rather than rounding it to "$0.0000".
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.000001) return '<$0.000001';
  if (usd < 0.01) return `$${Number(usd.toPrecision(2))}`;
  return `$${usd.toFixed(2)}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
