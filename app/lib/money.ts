// Exact arithmetic on Shopify's decimal money strings ("398.00", "12.345" for KWD): amounts are
// scaled to integers, so no float ever rounds a currency's third decimal away.

const SCALE_DIGITS = 6;
const SCALE = 10n ** BigInt(SCALE_DIGITS);

function toScaled(amount: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`not a decimal amount: ${amount.slice(0, 40)}`);
  const [, sign, whole, fraction = ""] = match;
  if (fraction.length > SCALE_DIGITS) throw new Error(`too many decimals: ${amount.slice(0, 40)}`);
  const scaled = BigInt(whole) * SCALE + BigInt(fraction.padEnd(SCALE_DIGITS, "0"));
  return sign === "-" ? -scaled : scaled;
}

function fromScaled(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** a - b, exactly, as a decimal string without trailing zeros ("398.00" - "300" = "98"). */
export function subtractAmounts(a: string, b: string): string {
  return fromScaled(toScaled(a) - toScaled(b));
}

/** max(a - b, 0): what was taken off an order, never negative when an edit added to it. */
export function amountRemoved(before: string, after: string): string {
  const removed = toScaled(before) - toScaled(after);
  return fromScaled(removed > 0n ? removed : 0n);
}
