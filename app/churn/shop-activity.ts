import type { DayNumber } from "./dates";
import type { CustomerActivity } from "./types";

export interface ShopActivity {
  /** Customers active (visit or order) on the as-of day, in the last 7 and the last 30 days. */
  dau: number;
  wau: number;
  mau: number;
  /** DAU / MAU: how habitual the shop is; NaN with no monthly users. */
  stickiness: number;
  /** Customers reaching each step in the last 30 days: product view -> cart -> checkout -> paid. */
  funnel: { viewedProduct: number; addedToCart: number; startedCheckout: number; paid: number };
  /** Step-to-step conversion rates; NaN where the previous step is empty. */
  conversion: { viewToCart: number; cartToCheckout: number; checkoutToPaid: number };
}

/**
 * Shop-level activity, accumulated one customer at a time so a scoring job can stream the shop in
 * batches. "Active" means any visit or paid order.
 */
export class ShopActivityAccumulator {
  private dau = 0;
  private wau = 0;
  private mau = 0;
  private viewed = 0;
  private carted = 0;
  private checkedOut = 0;
  private paid = 0;

  constructor(private readonly asOf: DayNumber) {}

  add(activity: CustomerActivity): void {
    let lastActive = Number.NEGATIVE_INFINITY;
    let viewed = false;
    let carted = false;
    let checkedOut = false;
    let paid = false;
    for (const d of activity.storefront ?? []) {
      const age = this.asOf - d.day;
      if (!(age >= 0 && age < 30)) continue;
      if (d.visits > 0 || d.sessions > 0) lastActive = Math.max(lastActive, d.day);
      viewed ||= d.productViews > 0;
      carted ||= d.cartAdds > 0;
      checkedOut ||= d.checkoutsStarted > 0;
    }
    for (const p of activity.recentPurchases ?? []) {
      const age = this.asOf - p.day;
      if (!(age >= 0 && age < 30)) continue;
      lastActive = Math.max(lastActive, p.day);
      paid = true;
    }
    const age = this.asOf - lastActive;
    if (age < 1) this.dau++;
    if (age < 7) this.wau++;
    if (age < 30) this.mau++;
    // A customer who paid went through every step, even if the tracker missed one (consent, ad blockers).
    if (viewed || carted || checkedOut || paid) this.viewed++;
    if (carted || checkedOut || paid) this.carted++;
    if (checkedOut || paid) this.checkedOut++;
    if (paid) this.paid++;
  }

  result(): ShopActivity {
    const rate = (part: number, whole: number) => (whole > 0 ? part / whole : Number.NaN);
    return {
      dau: this.dau,
      wau: this.wau,
      mau: this.mau,
      stickiness: rate(this.dau, this.mau),
      funnel: {
        viewedProduct: this.viewed,
        addedToCart: this.carted,
        startedCheckout: this.checkedOut,
        paid: this.paid,
      },
      conversion: {
        viewToCart: rate(this.carted, this.viewed),
        cartToCheckout: rate(this.checkedOut, this.carted),
        checkoutToPaid: rate(this.paid, this.checkedOut),
      },
    };
  }
}
