const MS_PER_DAY = 86_400_000;

/**
 * The ISO 8601 week ("2026-W47") of a calendar day given as YYYY-MM-DD: weeks start on Monday and
 * week 1 holds the year's first Thursday, so 2027-01-01 (a Friday) is in 2026-W53.
 */
export function isoWeekOf(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new Error(`not a calendar day: ${day}`);
  const date = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0 ... Sunday 6
  const thursday = new Date(date + (3 - weekday) * MS_PER_DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * MS_PER_DAY)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}
