import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

import { dayFromIso } from "~/churn/dates";
import { PurchaseLedger } from "~/churn/transactions";
import { readOnlineRetailRows, splitCsvLine } from "~/lib/online-retail.server";

/**
 * Loads the benchmark's purchases from the shipped UCI Online Retail file, following steps 1-2 of
 * data/online-retail/README.md: rows without a customer and cancellations are dropped, non-positive
 * quantities too, zero prices are kept; the day's lines are summed per customer. Each kept row is
 * one line item of its invoice, so a day also gets what the app stores per order: how many orders
 * (distinct invoices) and how many line items (Order.lineItemsCount) it holds.
 */
export async function loadOnlineRetailLedger(file?: string): Promise<PurchaseLedger> {
  const ledger = new PurchaseLedger();
  const invoicesSeen = new Set<string>();
  for await (const row of readOnlineRetailRows(file)) {
    if (row.customerId === null || row.invoiceNo.startsWith("C") || !(row.quantity > 0)) continue;
    const newInvoice = !invoicesSeen.has(row.invoiceNo);
    if (newInvoice) invoicesSeen.add(row.invoiceNo);
    ledger.add(row.customerId, dayFromIso(row.invoiceDate), row.quantity * row.unitPrice, row.country, {
      orders: newInvoice ? 1 : 0,
      lineItems: 1,
    });
  }
  return ledger;
}

export class TransactionFileError extends Error {
  override readonly name = "TransactionFileError";
}

/**
 * Reads `customer_id,date,amount[,country][,items][,orders]` (any column order, `.gz` allowed).
 * Several rows per customer and day are summed. `items` is the row's line-item count (feeds the
 * basket-size inputs; without it they stay neutral) and `orders` how many orders the row stands
 * for (1 when the column is absent, so one row per order needs no `orders` column). A malformed
 * row stops the load with its line number rather than being skipped silently, because a skipped
 * purchase would change the labels.
 */
export async function loadTransactionsCsv(file: string): Promise<PurchaseLedger> {
  const input = createReadStream(file);
  const lines = createInterface({
    input: file.endsWith(".gz") ? input.pipe(createGunzip()) : input,
    crlfDelay: Infinity,
  });
  const ledger = new PurchaseLedger();
  let columns: { id: number; date: number; amount: number; country: number; items: number; orders: number } | null =
    null;
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.replace(/^\uFEFF/, "");
    if (line.trim() === "") continue;
    const fields = splitCsvLine(line).map((f) => f.trim());
    if (columns === null) {
      const header = fields.map((f) => f.toLowerCase());
      columns = {
        id: header.indexOf("customer_id"),
        date: header.indexOf("date"),
        amount: header.indexOf("amount"),
        country: header.indexOf("country"),
        items: header.indexOf("items"),
        orders: header.indexOf("orders"),
      };
      if (columns.id < 0 || columns.date < 0 || columns.amount < 0) {
        throw new TransactionFileError(
          `${file}:1: expected a header with customer_id,date,amount[,country], found ${JSON.stringify(line.slice(0, 120))}`,
        );
      }
      continue;
    }
    const day = dayFromIso(fields[columns.date] ?? "");
    const amount = Number(fields[columns.amount]);
    const customerId = fields[columns.id] ?? "";
    if (customerId === "" || !Number.isFinite(day) || !Number.isFinite(amount)) {
      throw new TransactionFileError(`${file}:${lineNo}: expected customer_id, a YYYY-MM-DD date and a numeric amount`);
    }
    const items = columns.items >= 0 ? optionalCount(fields[columns.items]) : undefined;
    const orders = columns.orders >= 0 ? optionalCount(fields[columns.orders]) : 1;
    if (items === null || orders === null) {
      throw new TransactionFileError(`${file}:${lineNo}: items and orders must be whole numbers >= 0 when given`);
    }
    ledger.add(customerId, day, amount, columns.country >= 0 ? fields[columns.country] || null : null, {
      orders,
      lineItems: items,
    });
  }
  if (columns === null) throw new TransactionFileError(`${file}: empty file`);
  return ledger;
}

/** An optional count column: empty is unknown (undefined), a whole number >= 0 is kept, else null. */
function optionalCount(field: string | undefined): number | undefined | null {
  if (field === undefined || field === "") return undefined;
  const value = Number(field);
  return Number.isInteger(value) && value >= 0 ? value : null;
}
