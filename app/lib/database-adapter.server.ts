import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

import type { DatabaseTarget } from "./database-url";

/** The driver adapter factory for a database target: the app never uses Prisma's Rust engines. */
export function createAdapterFactory(target: DatabaseTarget) {
  if (target.provider === "sqlite") {
    return new SerializedSqliteFactory(new PrismaBetterSQLite3({ url: target.location, timeout: 10_000 }));
  }
  return new PrismaPg({ connectionString: target.location, max: poolSize() });
}

function poolSize(): number {
  const size = Number(process.env.DATABASE_POOL_SIZE ?? 10);
  return Number.isInteger(size) && size > 0 ? size : 10;
}

type SqliteAdapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;
type SqliteTransaction = Awaited<ReturnType<SqliteAdapter["startTransaction"]>>;

/**
 * Prisma's better-sqlite3 adapter has one connection and makes transactions wait for each other,
 * but not plain statements: a statement issued while an interactive transaction is open runs
 * inside that transaction and is rolled back with it. This factory's adapter puts every plain
 * statement and every transaction behind one lock, so a statement waits for the open transaction
 * to end instead of joining it.
 */
export class SerializedSqliteFactory {
  readonly provider = "sqlite" as const;
  readonly adapterName: string;

  constructor(private readonly inner: PrismaBetterSQLite3) {
    this.adapterName = inner.adapterName;
  }

  async connect(): Promise<SqliteAdapter> {
    return serialized(await this.inner.connect());
  }

  async connectToShadowDb(): Promise<SqliteAdapter> {
    return serialized(await this.inner.connectToShadowDb());
  }
}

function createLock() {
  let tail: Promise<void> = Promise.resolve();
  return async function acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = tail;
    tail = previous.then(() => released);
    await previous;
    return release;
  };
}

function serialized(adapter: SqliteAdapter): SqliteAdapter {
  const acquire = createLock();
  const exclusive = async <T>(work: () => Promise<T>): Promise<T> => {
    const release = await acquire();
    try {
      return await work();
    } finally {
      release();
    }
  };
  const startTransaction: SqliteAdapter["startTransaction"] = async (isolationLevel) => {
    const release = await acquire();
    let transaction: SqliteTransaction;
    try {
      transaction = await adapter.startTransaction(isolationLevel);
    } catch (error) {
      release();
      throw error;
    }
    let ended = false;
    const end = async (finish: () => Promise<void>) => {
      try {
        await finish();
      } finally {
        if (!ended) {
          ended = true;
          release();
        }
      }
    };
    return Object.assign(Object.create(transaction) as SqliteTransaction, {
      commit: () => end(() => transaction.commit()),
      rollback: () => end(() => transaction.rollback()),
    });
  };
  return Object.assign(Object.create(adapter) as SqliteAdapter, {
    queryRaw: (query: Parameters<SqliteAdapter["queryRaw"]>[0]) => exclusive(() => adapter.queryRaw(query)),
    executeRaw: (query: Parameters<SqliteAdapter["executeRaw"]>[0]) => exclusive(() => adapter.executeRaw(query)),
    executeScript: (script: string) => exclusive(() => adapter.executeScript(script)),
    startTransaction,
  });
}
