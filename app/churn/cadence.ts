import type { PurchaseDay, ShopCadence } from "./types";

/** Used when a shop has no repeat purchases yet: a month is the common e-commerce repurchase gap. */
export const DEFAULT_INTERVAL_DAYS = 30;

/**
 * Streams customers' inter-purchase intervals into a bounded histogram so that the shop's and each
 * market's median cadence can be computed without holding every customer in memory.
 */
export class CadenceAccumulator {
  private static readonly MAX_DAYS = 730;
  private readonly shop = new Uint32Array(CadenceAccumulator.MAX_DAYS + 1);
  private readonly markets = new Map<string, Uint32Array>();
  private readonly buyersByMarket = new Map<string, number>();

  add(market: string | null, intervalDays: number): void {
    if (!Number.isFinite(intervalDays) || intervalDays <= 0) return;
    const bin = Math.min(CadenceAccumulator.MAX_DAYS, Math.round(intervalDays));
    this.shop[bin]++;
    if (market !== null) {
      let histogram = this.markets.get(market);
      if (!histogram) {
        histogram = new Uint32Array(CadenceAccumulator.MAX_DAYS + 1);
        this.markets.set(market, histogram);
      }
      histogram[bin]++;
    }
  }

  /** One customer's purchase days (call once per customer: buyers are counted per market too). */
  addPurchases(market: string | null, purchases: readonly PurchaseDay[]): void {
    if (market !== null && purchases.length > 0) {
      this.buyersByMarket.set(market, (this.buyersByMarket.get(market) ?? 0) + 1);
    }
    for (let i = 1; i < purchases.length; i++) this.add(market, purchases[i].day - purchases[i - 1].day);
  }

  /** Markets with fewer intervals than `minMarketIntervals` fall back to the shop's cadence. */
  result(minMarketIntervals = 30): ShopCadence {
    const byMarket: Record<string, number> = {};
    for (const [market, histogram] of this.markets) {
      const value = histogramMedian(histogram, minMarketIntervals);
      if (Number.isFinite(value)) byMarket[market] = value;
    }
    const shopMedian = histogramMedian(this.shop, 1);
    let mainMarket: string | null = null;
    let mainBuyers = 0;
    for (const [market, buyers] of this.buyersByMarket) {
      // Ties go to the alphabetically first market, so the answer never depends on input order.
      if (buyers > mainBuyers || (buyers === mainBuyers && mainMarket !== null && market < mainMarket)) {
        mainMarket = market;
        mainBuyers = buyers;
      }
    }
    return {
      medianIntervalDays: Number.isFinite(shopMedian) ? shopMedian : DEFAULT_INTERVAL_DAYS,
      byMarket,
      mainMarket,
    };
  }
}

function histogramMedian(histogram: Uint32Array, minCount: number): number {
  let total = 0;
  for (const c of histogram) total += c;
  if (total < minCount || total === 0) return Number.NaN;
  const half = total / 2;
  let seen = 0;
  for (let bin = 0; bin < histogram.length; bin++) {
    seen += histogram[bin];
    if (seen >= half) return Math.max(1, bin);
  }
  return Number.NaN;
}
