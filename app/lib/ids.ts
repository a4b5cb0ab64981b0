import { randomBytes } from "node:crypto";

// Row ids for bulk inserts done without Prisma's cuid(): time-ordered, so a million-row import
// appends to the primary-key index instead of scattering writes across it as random UUIDs would.
let counter = 0;
const node = randomBytes(4).toString("hex");

export function sortableId(): string {
  counter = (counter + 1) % 2_176_782_336; // 36^6
  return `c${Date.now().toString(36).padStart(9, "0")}${counter.toString(36).padStart(6, "0")}${node}`;
}
