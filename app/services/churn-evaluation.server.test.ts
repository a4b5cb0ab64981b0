import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { dayFromIso } from "~/churn/dates";
import { evaluateChurn } from "~/churn/evaluation";
import { scoreMetrics } from "~/churn/metrics";
import { probabilityNoPurchase } from "~/churn/risk/bgnbd";
import { bgNbdSummary, snapshotAt } from "~/churn/risk/training";
import { churnedAfter } from "~/churn/transactions";

import { loadOnlineRetailLedger, loadTransactionsCsv, TransactionFileError } from "./churn-evaluation.server";

describe("churn evaluation on the shipped UCI Online Retail data", () => {
  it("reproduces the README's task and its recency and RFM baseline rows exactly", async () => {
    const histories = (await loadOnlineRetailLedger()).histories();
    expect(histories.length).toBe(4339);
    expect(histories.reduce((n, h) => n + h.purchases.length, 0)).toBe(16766);
    // What the app stores per order: every kept row is a line item of one of 18,536 invoices.
    const sum = (read: (p: { orders?: number; lineItems?: number }) => number | undefined) =>
      histories.reduce((n, h) => n + h.purchases.reduce((m, p) => m + (read(p) ?? 0), 0), 0);
    expect(sum((p) => p.lineItems)).toBe(397924);
    expect(sum((p) => p.orders)).toBe(18536);
    const cutoff = dayFromIso("2011-09-09");
    const { result } = evaluateChurn(histories, cutoff, 90);
    expect(result).not.toBeNull();
    expect(result!.n).toBe(3370);
    expect(result!.base_rate).toBeCloseTo(1451 / 3370, 10);
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    const rounded = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)]));
    expect(rounded({ ...result!.baselines.recency })).toEqual({
      roc_auc: 0.6831,
      pr_auc: 0.5902,
      precision_at_10: 0.6588,
      brier: 0.2398,
    });
    expect(rounded({ ...result!.baselines.rfm })).toEqual({
      roc_auc: 0.7359,
      pr_auc: 0.6133,
      precision_at_10: 0.6617,
      brier: 0.2122,
    });
    // BG/NBD alone, fitted by our code on the same customers, reproduces the README's row too.
    const snapshot = snapshotAt(histories, cutoff);
    const labels = snapshot.histories.map((h) => churnedAfter(h, cutoff, 90));
    const bgNbdScores = snapshot.features.map((f) => {
      const { x, tx, T } = bgNbdSummary(f);
      return probabilityNoPurchase(snapshot.bgNbd!, x, tx, T, 90);
    });
    const bgNbdMetrics = scoreMetrics(
      bgNbdScores,
      labels,
      snapshot.features.map((f) => f.customerId),
    );
    expect(rounded({ ...bgNbdMetrics })).toEqual({
      roc_auc: 0.7327,
      pr_auc: 0.6184,
      precision_at_10: 0.6766,
      brier: 0.2177,
    });
    // The measured row of docs/decisions/0002-churn-risk-model.md: a change here must update it.
    expect(rounded({ ...result!.model })).toEqual({
      roc_auc: 0.7469,
      pr_auc: 0.6422,
      precision_at_10: 0.7033,
      brier: 0.2025,
    });
    // The model must at least beat the best of the two baselines it is measured against.
    expect(result!.model.roc_auc).toBeGreaterThan(result!.baselines.rfm.roc_auc);
    expect(result!.model.brier).toBeLessThan(result!.baselines.rfm.brier);
  }, 60_000);
});

describe("loadTransactionsCsv", () => {
  it("sums rows per customer and day, in any column order, with an optional country", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "churn-eval-"));
    const file = path.join(dir, "tx.csv");
    await writeFile(
      file,
      "date,amount,customer_id,country\n2024-01-02,10,a,DE\n2024-01-02,5.5,a,DE\n2024-01-09,1,b,\n",
    );
    const histories = (await loadTransactionsCsv(file)).histories();
    expect(histories).toEqual([
      { customerId: "a", market: "DE", purchases: [{ day: dayFromIso("2024-01-02"), amount: 15.5 }] },
      { customerId: "b", market: null, purchases: [{ day: dayFromIso("2024-01-09"), amount: 1 }] },
    ]);
  });

  it("reads optional line-item and order counts: one order per row unless an orders column says otherwise", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "churn-eval-"));
    const items = path.join(dir, "items.csv");
    await writeFile(items, "customer_id,date,amount,items\na,2024-01-02,10,3\na,2024-01-02,5,1\na,2024-01-05,5,\n");
    expect((await loadTransactionsCsv(items)).histories()[0].purchases).toEqual([
      { day: dayFromIso("2024-01-02"), amount: 15, orders: 2, lineItems: 4 },
      { day: dayFromIso("2024-01-05"), amount: 5 },
    ]);
    const daily = path.join(dir, "daily.csv");
    await writeFile(daily, "customer_id,date,amount,orders,items\na,2024-01-02,15,3,9\n");
    expect((await loadTransactionsCsv(daily)).histories()[0].purchases).toEqual([
      { day: dayFromIso("2024-01-02"), amount: 15, orders: 3, lineItems: 9 },
    ]);
    const broken = path.join(dir, "broken.csv");
    await writeFile(broken, "customer_id,date,amount,items\na,2024-01-02,15,2.5\n");
    await expect(loadTransactionsCsv(broken)).rejects.toThrow(":2: items and orders");
  });

  it("refuses a malformed row with its line number", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "churn-eval-"));
    const file = path.join(dir, "tx.csv");
    await writeFile(file, "customer_id,date,amount\na,2024-01-02,10\na,02/01/2024,10\n");
    await expect(loadTransactionsCsv(file)).rejects.toThrow(TransactionFileError);
    await expect(loadTransactionsCsv(file)).rejects.toThrow(":3:");
  });
});
