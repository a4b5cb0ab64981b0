import { isKnownTimeZone, offsetMs } from "../lib/time-zones";

/**
 * The engine counts time in whole days ("day numbers": days since 1970-01-01 on the calendar of
 * the shop's time zone; see zonedDayOf). Integers keep the hot path free of Date objects and make
 * "days between" a subtraction.
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

/** The UTC day of a Date; instants of a shop's orders go through its zonedDayOf instead. */
export function dayFromDate(date: Date): DayNumber {
  return Math.floor(date.getTime() / MS_PER_DAY);
}

export function isoFromDay(day: DayNumber): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The day number an instant (epoch milliseconds) falls on, in some time zone. */
export type DayOf = (epochMs: number) => DayNumber;

export const utcDayOf: DayOf = (epochMs) => Math.floor(epochMs / MS_PER_DAY);

/**
 * Every zone's UTC offset is a whole number of quarter hours and changes only on a quarter hour,
 * so one offset per quarter hour is exact. Cached per zone and bounded (a year is 35,040 entries).
 */
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_OFFSETS = 200_000;
const zoneClocks = new Map<string, DayOf>();

/**
 * Days counted on the shop's own calendar: an order at 07:00 in Shanghai is that day's order,
 * not the previous (UTC) day's. An unknown zone counts in UTC, as the rest of the app does.
 */
export function zonedDayOf(timeZone: string | null | undefined): DayOf {
  if (!timeZone || timeZone === "UTC" || timeZone === "Etc/UTC") return utcDayOf;
  const known = zoneClocks.get(timeZone);
  if (known) return known;
  if (!isKnownTimeZone(timeZone)) return utcDayOf;
  const offsets = new Map<number, number>();
  const clock: DayOf = (epochMs) => {
    if (!Number.isFinite(epochMs)) return Number.NaN;
    const quarter = Math.floor(epochMs / QUARTER_HOUR_MS);
    let offset = offsets.get(quarter);
    if (offset === undefined) {
      if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
      offset = offsetMs(quarter * QUARTER_HOUR_MS, timeZone);
      offsets.set(quarter, offset);
    }
    return Math.floor((epochMs + offset) / MS_PER_DAY);
  };
  zoneClocks.set(timeZone, clock);
  return clock;
}
