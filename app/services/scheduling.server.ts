import { Cron } from "croner";

import { logger } from "../lib/logger.server";
import { isKnownTimeZone, localDay, localWeekday } from "../lib/time-zones";
import { getScoreRun } from "../models/score-run.server";
import { installedShops } from "../models/shop.server";
import { queueAlertNotifications, queueDailyDigest, queueWeeklyReport } from "./notifications.server";
import type { ScoreShopResult } from "./scoring.server";

// When each shop is due: its own cron schedule (default 03:00) in its own time zone. The
// scheduler tick asks every minute; a full run is keyed by shop day, so asking again (or a
// process that was down at 03:00 catching up later) never scores a shop twice in a day.

const DEFAULT_SCHEDULE = "0 3 * * *";

/**
 * The shops whose latest scheduled time has passed without a completed full run for that day.
 * A run is keyed by the shop day it actually ran on (see scoreShop), so a catch-up run made
 * after midnight, before today's scheduled time, settles yesterday's missed time too: without
 * that, the shop would stay due (and be re-enqueued every minute) until today's time came.
 */
export async function shopsDueForScoring(now: Date = new Date()): Promise<string[]> {
  const due: string[] = [];
  for (const shop of await installedShops()) {
    const { settings } = shop;
    const timezone = shop.timezone && isKnownTimeZone(shop.timezone) ? shop.timezone : "UTC";
    const last = latestScheduledTime(shop.domain, settings.scoring.schedule, timezone, now);
    if (!last) continue;
    const days = new Set([localDay(last, timezone), localDay(now, timezone)]);
    let completed = false;
    for (const day of days) {
      if ((await getScoreRun(shop.domain, `full:${day}`))?.status === "completed") completed = true;
    }
    if (!completed) due.push(shop.domain);
  }
  return due;
}

function latestScheduledTime(shop: string, schedule: string, timezone: string, now: Date): Date | undefined {
  try {
    return new Cron(schedule, { timezone, paused: true }).previousRuns(1, now)[0];
  } catch {
    logger.warn({ shop }, "scoring schedule is not a valid cron expression; using 03:00");
    return new Cron(DEFAULT_SCHEDULE, { timezone, paused: true }).previousRuns(1, now)[0];
  }
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
