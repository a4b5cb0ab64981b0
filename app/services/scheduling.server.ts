import { Cron } from "croner";

import { logger } from "../lib/logger.server";
import { isKnownTimeZone, localDay, localWeekday } from "../lib/time-zones";
import { getScoreRun } from "../models/score-run.server";
import { getShopSettings, installedShops } from "../models/shop.server";
import { queueAlertNotifications, queueDailyDigest, queueWeeklyReport } from "./notifications.server";
import type { ScoreShopResult } from "./scoring.server";

// When each shop is due: its own cron schedule (default 03:00) in its own time zone. The
// scheduler tick asks every minute; a full run is keyed by shop day, so asking again (or a
// process that was down at 03:00 catching up later) never scores a shop twice in a day.

/** The shops whose latest scheduled time has passed without a completed full run for that day. */
export async function shopsDueForScoring(now: Date = new Date()): Promise<string[]> {
  const due: string[] = [];
  for (const shop of await installedShops()) {
    const settings = await getShopSettings(shop.domain);
    const timezone = shop.timezone && isKnownTimeZone(shop.timezone) ? shop.timezone : "UTC";
    let last: Date | undefined;
    try {
      last = new Cron(settings.scoring.schedule, { timezone, paused: true }).previousRuns(1, now)[0];
    } catch {
      logger.warn({ shop: shop.domain }, "scoring schedule is not a valid cron expression; using 03:00");
      last = new Cron("0 3 * * *", { timezone, paused: true }).previousRuns(1, now)[0];
    }
    if (!last) continue;
    const run = await getScoreRun(shop.domain, `full:${localDay(last, timezone)}`);
    if (run?.status !== "completed") due.push(shop.domain);
  }
  return due;
}

/**
 * After a scoring run: high-risk alerts go out at once; a full (daily) run also sends the
 * medium-risk digest, and on the shop's Monday the weekly low-risk report.
 */
export async function queueNotificationsAfterScoring(
  shop: string,
  result: ScoreShopResult,
  timezone: string | null,
  now: Date = new Date(),
): Promise<number> {
  let queued = await queueAlertNotifications(shop, now);
  if (result.key?.startsWith("full:")) {
    if (await queueDailyDigest(shop, now)) queued++;
    if (localWeekday(now, timezone) === 1 && (await queueWeeklyReport(shop, now))) queued++;
  }
  return queued;
}

export { localDay };
