import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

import { dayFromIso } from "~/churn/dates";
import { PurchaseLedger } from "~/churn/transactions";
import { readOnlineRetailRows, splitCsvLine } from "~/lib/online-retail.server";

/**
 * Loads the benchmark's purchases from the shipped UCI Online Retail file, following steps 1-2 of
 * data/online-retail/README.md: rows without a customer and cancellations are dropped, non-positive
 * quantities too, zero prices are kept; the day's lines are summed per customer.
 */
export async function loadOnlineRetailLedger(file?: string): Promise<PurchaseLedger> {
  const ledger = new PurchaseLedger();
  for await (const row of readOnlineRetailRows(file)) {
    if (row.customerId === null || row.invoiceNo.startsWith("C") || !(row.quantity > 0)) continue;
    ledger.add(row.customerId, dayFromIso(row.invoiceDate), row.quantity * row.unitPrice, row.country);
  }
  return ledger;
}

export class TransactionFileError extends Error {
  override readonly name = "TransactionFileError";
}

/**
 * Reads `customer_id,date,amount[,country]` (any column order, `.gz` allowed). Several rows per
 * customer and day are summed. A malformed row stops the load with its line number rather than
 * being skipped silently, because a skipped purchase would change the labels.
 */
export async function loadTransactionsCsv(file: string): Promise<PurchaseLedger> {
  const input = createReadStream(file);
  const lines = createInterface({
    input: file.endsWith(".gz") ? input.pipe(createGunzip()) : input,
    crlfDelay: Infinity,
  });
  const ledger = new PurchaseLedger();
  let columns: { id: number; date: number; amount: number; country: number } | null = null;
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
    ledger.add(customerId, day, amount, columns.country >= 0 ? fields[columns.country] || null : null);
  }
  if (columns === null) throw new TransactionFileError(`${file}: empty file`);
  return ledger;
}
