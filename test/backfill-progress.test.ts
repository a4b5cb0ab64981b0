import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { BackfillProgress } from "~/components/BackfillProgress";
import prisma from "~/db.server";
import { getBackfillProgress, type BackfillProgress as Progress } from "~/models/backfill-run.server";

import { uniqueShop } from "./support/shopify-webhooks";

const render = (progress: Progress) =>
  renderToStaticMarkup(createElement(AppProvider, { i18n: en }, createElement(BackfillProgress, { progress })));

describe("backfill progress", () => {
  it("reports no import for a shop that never started one", async () => {
    const progress = await getBackfillProgress(uniqueShop());
    expect(progress).toMatchObject({ status: "none", percent: 0 });
    expect(render(progress)).toContain("has not been imported yet");
  });

  it("shows the share of the result file imported, and 100% when done", async () => {
    const shop = uniqueShop();
    const run = await prisma.backfillRun.create({
      data: {
        shop,
        status: "importing",
        objectCount: 2_000,
        linesDone: 500,
        customersImported: 40,
        ordersImported: 460,
      },
    });
    const importing = await getBackfillProgress(shop);
    expect(importing).toMatchObject({ status: "importing", percent: 25, customersImported: 40, ordersImported: 460 });
    const html = render(importing);
    expect(html).toContain("40 customers and 460 orders so far (25%)");
    expect(html).toMatch(/<progress[^>]*value="25"/);

    await prisma.backfillRun.update({ where: { id: run.id }, data: { status: "completed", linesDone: 2_000 } });
    const done = await getBackfillProgress(shop);
    expect(done).toMatchObject({ status: "completed", percent: 100 });
    expect(render(done)).toMatch(/<progress[^>]*value="100"/);
  });

  it("keeps the bar below 100% until the import has really finished", async () => {
    const shop = uniqueShop();
    await prisma.backfillRun.create({ data: { shop, status: "importing", objectCount: 10, linesDone: 10 } });
    expect((await getBackfillProgress(shop)).percent).toBe(99);
  });
});
