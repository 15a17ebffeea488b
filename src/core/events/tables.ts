// Column-oriented, growable tables of records: the in-memory form of a dataset (struct of typed arrays).

/** Interactions as columns. `createdAtS` is unix seconds. */
export interface InteractionTable {
  length: number;
  userIds: Int32Array;
  itemIds: Int32Array;
  types: Uint8Array;
  createdAtS: Float64Array;
}

/** Impressions expanded to (user, item, ISO year×100+week) triples, in file order; repeats are kept. */
export interface ImpressionTable {
  length: number;
  userIds: Int32Array;
  itemIds: Int32Array;
  yearWeeks: Int32Array;
}

/**
 * Profiles of users.csv or items.csv restricted to the contextual fields: `ids` ascending, `values` row-major
 * (`ids.length × fieldCount`), NULL/empty already mapped to 0 and country encoded (method.md §4).
 */
export interface ProfileTable {
  fieldCount: number;
  ids: Int32Array;
  values: Int32Array;
}

/** A whole RecSys 2016 dataset in memory, with what reading it dropped. */
export interface Dataset {
  interactions: InteractionTable;
  impressions: ImpressionTable;
  /** null when users.csv is missing: contextual user features are then 0. */
  users: ProfileTable | null;
  /** null when items.csv is missing: contextual item features are then 0. */
  items: ProfileTable | null;
  droppedDeletes: number;
  badRows: number;
}

function grow<T extends Int32Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length);
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Appends interactions to a growable InteractionTable. */
export class InteractionTableBuilder {
  private t: InteractionTable;

  constructor(capacity = 1024) {
    this.t = {
      length: 0,
      userIds: new Int32Array(capacity),
      itemIds: new Int32Array(capacity),
      types: new Uint8Array(capacity),
      createdAtS: new Float64Array(capacity),
    };
  }

  /** Appends one interaction. */
  push(userId: number, itemId: number, type: number, createdAtS: number): void {
    const t = this.t;
    const i = t.length;
    if (i === t.userIds.length) {
      t.userIds = grow(t.userIds, i + 1);
      t.itemIds = grow(t.itemIds, i + 1);
      t.types = grow(t.types, i + 1);
      t.createdAtS = grow(t.createdAtS, i + 1);
    }
    t.userIds[i] = userId;
    t.itemIds[i] = itemId;
    t.types[i] = type;
    t.createdAtS[i] = createdAtS;
    t.length = i + 1;
  }

  /** The table, trimmed to its length. The builder must not be used afterwards. */
  finish(): InteractionTable {
    const t = this.t;
    return {
      length: t.length,
      userIds: t.userIds.slice(0, t.length),
      itemIds: t.itemIds.slice(0, t.length),
      types: t.types.slice(0, t.length),
      createdAtS: t.createdAtS.slice(0, t.length),
    };
  }
}

/** Appends impression triples to a growable ImpressionTable. */
export class ImpressionTableBuilder {
  private t: ImpressionTable;

  constructor(capacity = 1024) {
    this.t = {
      length: 0,
      userIds: new Int32Array(capacity),
      itemIds: new Int32Array(capacity),
      yearWeeks: new Int32Array(capacity),
    };
  }

  /** Appends one (user, item, year×100+week) triple. */
  push(userId: number, itemId: number, yearWeek: number): void {
    const t = this.t;
    const i = t.length;
    if (i === t.userIds.length) {
      t.userIds = grow(t.userIds, i + 1);
      t.itemIds = grow(t.itemIds, i + 1);
      t.yearWeeks = grow(t.yearWeeks, i + 1);
    }
    t.userIds[i] = userId;
    t.itemIds[i] = itemId;
    t.yearWeeks[i] = yearWeek;
    t.length = i + 1;
  }

  /** The table, trimmed to its length. The builder must not be used afterwards. */
  finish(): ImpressionTable {
    const t = this.t;
    return {
      length: t.length,
      userIds: t.userIds.slice(0, t.length),
      itemIds: t.itemIds.slice(0, t.length),
      yearWeeks: t.yearWeeks.slice(0, t.length),
    };
  }
}
