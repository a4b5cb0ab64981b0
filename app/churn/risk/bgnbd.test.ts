import { describe, expect, it } from "vitest";

import { seededRandom } from "../synthetic";
import { bgNbdLogLikelihood, type BgNbdSummary, fitBgNbd, probabilityAlive, probabilityNoPurchase } from "./bgnbd";
import { CDNOW_SUMMARY } from "./fixtures/cdnow-summary";
import { logGamma } from "./special";

const cdnow: BgNbdSummary[] = CDNOW_SUMMARY.map(([x, tx, T, weight]) => ({ x, tx, T, weight }));
const published = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

describe("BG/NBD", () => {
  it("reproduces Fader, Hardie & Lee (2005) on the CDNOW sample within 1e-3 relative", () => {
    expect(cdnow.reduce((n, row) => n + (row.weight ?? 1), 0)).toBe(2357);
    const fitted = fitBgNbd(cdnow, { tolerance: 1e-13 });
    for (const key of ["r", "alpha", "a", "b"] as const) {
      expect(Math.abs(fitted[key] - published[key]) / published[key]).toBeLessThan(1e-3);
    }
    // The paper's maximised log-likelihood is -9582.4.
    expect(bgNbdLogLikelihood(fitted, cdnow)).toBeCloseTo(-9582.43, 1);
  });

  it("computes ln Γ accurately, including near zero where r and a live", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(0.01)).toBeCloseTo(4.5994798780420219, 10);
  });

  it("recovers the parameters of a seeded BG/NBD simulation", () => {
    const truth = { r: 0.8, alpha: 20, a: 0.9, b: 3.5 };
    const random = seededRandom(7);
    const gamma = (shape: number, scale: number): number => {
      // Marsaglia-Tsang, with the shape < 1 boost.
      if (shape < 1) return gamma(shape + 1, scale) * Math.pow(random(), 1 / shape);
      const d = shape - 1 / 3;
      const c = 1 / Math.sqrt(9 * d);
      for (;;) {
        const u1 = random();
        const u2 = random();
        const z = Math.sqrt(-2 * Math.log(u1 || 1e-12)) * Math.cos(2 * Math.PI * u2);
        const v = (1 + c * z) ** 3;
        if (v > 0 && Math.log(random() || 1e-12) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v * scale;
      }
    };
    const rows: BgNbdSummary[] = [];
    for (let i = 0; i < 6000; i++) {
      const rate = gamma(truth.r, 1 / truth.alpha);
      const x1 = gamma(truth.a, 1);
      const p = x1 / (x1 + gamma(truth.b, 1));
      const T = 200 + Math.floor(random() * 165);
      let t = 0;
      let x = 0;
      let tx = 0;
      for (;;) {
        t += -Math.log(1 - random()) / rate;
        if (t > T) break;
        x++;
        tx = t;
        if (random() < p) break;
      }
      rows.push({ x, tx, T });
    }
    const fitted = fitBgNbd(rows);
    expect(fitted.r).toBeGreaterThan(truth.r * 0.85);
    expect(fitted.r).toBeLessThan(truth.r * 1.15);
    expect(fitted.alpha / fitted.r).toBeCloseTo(truth.alpha / truth.r, -1);
    // The fit is a maximum: the truth cannot explain the sample better than the estimate.
    expect(bgNbdLogLikelihood(fitted, rows)).toBeGreaterThanOrEqual(bgNbdLogLikelihood(truth, rows));
  });

  it("has P(alive) = 1 for one-time buyers, which is why the ranking uses P(no purchase) instead", () => {
    expect(probabilityAlive(published, 0, 0, 30)).toBe(1);
    expect(probabilityAlive(published, 0, 0, 3000)).toBe(1);
    // But the chance of no purchase still grows with how long they have been quiet.
    expect(probabilityNoPurchase(published, 0, 0, 300, 13)).toBeGreaterThan(
      probabilityNoPurchase(published, 0, 0, 10, 13),
    );
  });

  it("gives probabilities that behave: more quiet time, more risk; a longer horizon, less", () => {
    const recent = probabilityNoPurchase(published, 4, 30, 32, 13);
    const stale = probabilityNoPurchase(published, 4, 5, 32, 13);
    expect(stale).toBeGreaterThan(recent);
    expect(probabilityNoPurchase(published, 4, 30, 32, 52)).toBeLessThan(recent);
    for (const p of [recent, stale]) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  });
});
