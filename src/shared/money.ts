/**
 * Dollar amounts as the chat footer, the models tree and the status tooltip show them. One cheap
 * answer costs a few hundred-thousandths of a dollar: keep two significant digits there rather
 * than rounding it to "$0.0000".
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.000001) return '<$0.000001';
  if (usd < 0.01) return `$${Number(usd.toPrecision(2))}`;
  return `$${usd.toFixed(2)}`;
}
