// Small display helpers shared by the admin pages. Dates are shown in the shop's time zone (the
// loader sends it), so the server render and the browser agree on every string.

export const numberFormat = new Intl.NumberFormat("en");

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** "Nov 22, 2026, 3:04 PM" in the given IANA time zone; "" for a missing or unreadable date. */
export function formatDateTime(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  let format = dateTimeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone });
    dateTimeFormats.set(timeZone, format);
  }
  return format.format(date);
}

/** "1 customer", "3 customers". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${numberFormat.format(count)} ${count === 1 ? one : many}`;
}
