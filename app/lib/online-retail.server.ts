import { createReadStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

/** The UCI Online Retail data set shipped in data/online-retail (CC BY 4.0, see its README). */
export const ONLINE_RETAIL_PATH = path.resolve(process.cwd(), "data/online-retail/online_retail.csv.gz");

export interface OnlineRetailRow {
  invoiceNo: string;
  stockCode: string;
  description: string;
  quantity: number;
  /** `YYYY-MM-DD HH:MM:SS`, UK local time as in the source. */
  invoiceDate: string;
  /** GBP per unit. */
  unitPrice: number;
  /** `17850` (the source writes `17850.0`); null where the source has none. */
  customerId: string | null;
  country: string;
}

const HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

/** Splits one RFC 4180 line (quoted fields may hold commas and doubled quotes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

/**
 * Streams the rows of the Online Retail file one at a time, so that callers never hold the
 * whole file (541,909 rows) in memory.
 */
export async function* readOnlineRetailRows(file: string = ONLINE_RETAIL_PATH): AsyncGenerator<OnlineRetailRow> {
  const lines = createInterface({
    input: createReadStream(file).pipe(createGunzip()),
    crlfDelay: Infinity,
  });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (lineNo === 1) {
      if (line.replace(/^\uFEFF/, "").trim() !== HEADER) {
        throw new Error(`${file}: unexpected header ${JSON.stringify(line.slice(0, 120))}`);
      }
      continue;
    }
    if (line.length === 0) continue;
    const f = splitCsvLine(line);
    if (f.length !== 8) {
      throw new Error(`${file}:${lineNo}: expected 8 fields, found ${f.length}`);
    }
    const customer = f[6].trim();
    yield {
      invoiceNo: f[0],
      stockCode: f[1],
      description: f[2],
      quantity: Number(f[3]),
      invoiceDate: f[4],
      unitPrice: Number(f[5]),
      customerId: customer === "" ? null : customer.replace(/\.0+$/, ""),
      country: f[7],
    };
  }
}
