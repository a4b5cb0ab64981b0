/**
 * The engine counts time in whole UTC days ("day numbers": days since 1970-01-01). Integers keep
 * the hot path free of Date objects and make "days between" a subtraction.
 */
export type DayNumber = number;

const MS_PER_DAY = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})/;

/** `YYYY-MM-DD` (anything after the day, such as a time, is ignored) to a day number; NaN if malformed. */
export function dayFromIso(text: string): DayNumber {
  const match = ISO_DAY.exec(text);
  if (!match) return Number.NaN;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  // Date.UTC silently rolls 2011-02-30 over into March; a calendar day that does not exist is malformed.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return Number.NaN;
  return ms / MS_PER_DAY;
}

export function dayFromDate(date: Date): DayNumber {
  return Math.floor(date.getTime() / MS_PER_DAY);
}

export function isoFromDay(day: DayNumber): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}
