import prisma from "../db.server";
import { intParam, param, type SqlExecutor, sqlTimestamp, timestampParam } from "./sql.server";

export type ScoreRunKind = "full" | "incremental";

export interface ScoreRunRow {
  id: string;
  shop: string;
  key: string;
  kind: string;
  runDate: string;
  status: string;
  since: Date | null;
  cursor: string | null;
  context: string | null;
  scored: number;
  changed: number;
  alertsOpened: number;
  alertsResolved: number;
  attempts: number;
  startedAt: Date;
  completedAt: Date | null;
}

/**
 * The run with this key, created when missing. An existing one (crashed or failed) is taken up
 * again with its cursor and context; a completed one is returned as it is, so a second run for
 * the same shop day does nothing.
 */
export async function openScoreRun(
  shop: string,
  key: string,
  fields: { kind: ScoreRunKind; runDate: string; since: Date | null },
): Promise<ScoreRunRow> {
  const run = await prisma.scoreRun.upsert({
    where: { shop_key: { shop, key } },
    create: { shop, key, ...fields, status: "running", attempts: 1 },
    update: {},
  });
  if (run.status === "completed") return run;
  if (run.attempts === 1 && run.status === "running" && run.scored === 0 && run.context === null) return run;
  return prisma.scoreRun.update({
    where: { id: run.id },
    data: { status: "running", attempts: { increment: 1 }, error: null },
  });
}

export async function saveScoreRunContext(id: string, context: string): Promise<void> {
  await prisma.scoreRun.update({ where: { id }, data: { context } });
}

/** Commits a batch's position and counts inside the batch's own transaction. */
export async function advanceScoreRun(
  sql: SqlExecutor,
  id: string,
  progress: { cursor: string; scored: number; changed: number; alertsOpened: number; alertsResolved: number },
  at: Date,
): Promise<void> {
  await sql.run(
    `UPDATE "ScoreRun" SET "cursor" = ${param(1)}, "scored" = "scored" + ${intParam(2)},
       "changed" = "changed" + ${intParam(3)}, "alertsOpened" = "alertsOpened" + ${intParam(4)},
       "alertsResolved" = "alertsResolved" + ${intParam(5)}, "updatedAt" = ${timestampParam(6)}
     WHERE "id" = ${param(7)}`,
    [
      progress.cursor,
      progress.scored,
      progress.changed,
      progress.alertsOpened,
      progress.alertsResolved,
      sqlTimestamp(at),
      id,
    ],
  );
}

export async function completeScoreRun(id: string, at: Date = new Date()): Promise<ScoreRunRow> {
  return prisma.scoreRun.update({ where: { id }, data: { status: "completed", completedAt: at } });
}

export async function failScoreRun(id: string, error: string): Promise<void> {
  await prisma.scoreRun.update({ where: { id }, data: { status: "failed", error: error.slice(0, 300) } });
}

/** The latest completed run of the shop (any kind): incremental runs start from it. */
export async function latestCompletedScoreRun(shop: string, kind?: ScoreRunKind): Promise<ScoreRunRow | null> {
  return prisma.scoreRun.findFirst({
    where: { shop, status: "completed", ...(kind ? { kind } : {}) },
    orderBy: { startedAt: "desc" },
  });
}

export async function getScoreRun(shop: string, key: string): Promise<ScoreRunRow | null> {
  return prisma.scoreRun.findUnique({ where: { shop_key: { shop, key } } });
}

export async function listScoreRuns(shop: string, limit = 10): Promise<ScoreRunRow[]> {
  return prisma.scoreRun.findMany({ where: { shop }, orderBy: { startedAt: "desc" }, take: limit });
}
