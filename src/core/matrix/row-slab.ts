// Variable-length rows (one per user or item) stored in segmented typed-array slabs.
//
// Each row has an offset, a length and a capacity inside one segment; a row that outgrows its capacity
// moves to free space (or grows in place when it is the last allocation of its segment), leaving a hole.
// Segments are independent typed arrays (sizes double up to `segmentSize`, a row larger than half a
// segment gets a segment of its own), so the store grows without ever copying all of it: a state of a few
// GB never needs twice its size while growing. Holes are reclaimed by compacting the segment with the
// most holes, in place, whenever holes exceed a bound (`maxHoleShare` of all capacity).
// Subclasses own the columns (one typed array per column per segment) and copy slots.

/** Smallest segment: states in tests stay small; real ones double up to `segmentSize`. */
const FIRST_SEGMENT = 256;

/** Base of a slab of rows; subclasses hold the columns. Only the owner of the rows calls the mutators. */
export abstract class RowSlab {
  /** Per row: segment, offset in it, length (slots used), capacity (slots reserved). */
  rowSeg: Int32Array = new Int32Array(16);
  rowOff: Int32Array = new Int32Array(16);
  rowLen: Int32Array = new Int32Array(16);
  rowCap: Int32Array = new Int32Array(16);
  /** Number of rows. */
  rowCount = 0;
  /** Slots of all segments (used, slack, holes and free tails), i.e. what the columns cost. */
  capacity = 0;
  /** Slots in holes (freed by rows that moved), reclaimed by compaction. */
  holes = 0;
  /** Slots in use by all rows (Σ rowLen). */
  used = 0;

  protected readonly segCap: number[] = [];
  protected readonly segTop: number[] = [];
  protected readonly segHoles: number[] = [];
  /** Whether a segment was made for one large row (its memory is given back when the row leaves). */
  protected readonly segDedicated: boolean[] = [];
  private active = 0;
  private nextSegSize = FIRST_SEGMENT;

  /** Set by `relocate`: where the row was before (the caller copies from there, then `release`s it). */
  oldSeg = 0;
  oldOff = 0;
  oldCap = 0;

  protected constructor(
    readonly segmentSize: number,
    readonly growth: number,
    readonly maxHoleShare: number,
  ) {}

  /** Creates the first segment: subclasses call this at the end of their constructor. */
  protected init(): void {
    this.addSegment(Math.min(FIRST_SEGMENT, this.segmentSize));
  }

  /** Allocates the column arrays of a new segment of `cap` slots (at index segCap.length − 1). */
  protected abstract createColumns(cap: number): void;
  /** Replaces a segment's columns by empty ones (its rows are gone). */
  protected abstract dropColumns(seg: number): void;
  /** Copies n slots of every column (ranges may overlap only within one segment, moving down). */
  protected abstract copySlots(fromSeg: number, fromOff: number, toSeg: number, toOff: number, n: number): void;

  private addSegment(cap: number, dedicated = false): number {
    this.segDedicated.push(dedicated);
    this.segCap.push(cap);
    this.segTop.push(0);
    this.segHoles.push(0);
    this.capacity += cap;
    this.createColumns(cap);
    return this.segCap.length - 1;
  }

  /** Makes rows [rowCount, n) exist (empty). */
  ensureRows(n: number): void {
    if (n <= this.rowCount) return;
    if (n > this.rowSeg.length) {
      let cap = this.rowSeg.length * 2;
      while (cap < n) cap *= 2;
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      };
      this.rowSeg = grow(this.rowSeg);
      this.rowOff = grow(this.rowOff);
      this.rowLen = grow(this.rowLen);
      this.rowCap = grow(this.rowCap);
    }
    this.rowCount = n;
  }

  /** The capacity a row of `need` slots gets when it moves: `growth` times it, at least 2. */
  capacityFor(need: number): number {
    return Math.max(2, Math.ceil(need * this.growth));
  }

  /** Reserves `cap` free slots; returns the segment and sets `allocOff`. */
  private allocate(cap: number): number {
    const segCap = this.segCap;
    const segTop = this.segTop;
    let s = this.active;
    if (segTop[s]! + cap > segCap[s]!) {
      s = -1;
      if (cap <= this.segmentSize >> 1) {
        for (let t = 0; t < segCap.length; t++) {
          if (segTop[t]! + cap <= segCap[t]!) {
            s = t;
            break;
          }
        }
      }
      if (s < 0) {
        if (cap > this.segmentSize >> 1) {
          // A row of its own: exact size, never the active segment.
          s = this.addSegment(cap, true);
        } else {
          while (this.nextSegSize < cap) this.nextSegSize *= 2;
          s = this.addSegment(Math.min(this.nextSegSize, this.segmentSize));
          this.nextSegSize = Math.min(this.nextSegSize * 2, this.segmentSize);
          this.active = s;
        }
      } else if (cap <= this.segmentSize >> 1) {
        this.active = s;
      }
    }
    this.allocOff = segTop[s]!;
    segTop[s]! += cap;
    return s;
  }

  /** Offset of the last `allocate`. */
  private allocOff = 0;

  /**
   * Gives row r a capacity of at least `need` slots, keeping its `rowLen` slots. Grows in place when the row is
   * the last allocation of its segment and there is room; otherwise moves it (the old place becomes a hole).
   */
  reserve(r: number, need: number): void {
    if (need <= this.rowCap[r]!) return;
    const newCap = this.capacityFor(need);
    if (this.growInPlace(r, newCap)) return;
    this.relocate(r, newCap);
    if (this.rowLen[r]! > 0) this.copySlots(this.oldSeg, this.oldOff, this.rowSeg[r]!, this.rowOff[r]!, this.rowLen[r]!);
    this.release(this.oldSeg, this.oldOff, this.oldCap);
  }

  /** Extends row r to `newCap` slots where it is, if it is the last allocation of its segment and there is room. */
  growInPlace(r: number, newCap: number): boolean {
    const cap = this.rowCap[r]!;
    const seg = this.rowSeg[r]!;
    const off = this.rowOff[r]!;
    if (cap === 0 || off + cap !== this.segTop[seg] || off + newCap > this.segCap[seg]! || this.segDedicated[seg]) return false;
    this.segTop[seg] = off + newCap;
    this.rowCap[r] = newCap;
    return true;
  }

  /**
   * Moves row r to a fresh place of `newCap` slots without copying: `oldSeg/oldOff/oldCap` say where its
   * slots still are; the caller fills the new place and then calls `release(oldSeg, oldOff, oldCap)`.
   */
  relocate(r: number, newCap: number): void {
    this.oldSeg = this.rowSeg[r]!;
    this.oldOff = this.rowOff[r]!;
    this.oldCap = this.rowCap[r]!;
    const s = this.allocate(newCap);
    this.rowSeg[r] = s;
    this.rowOff[r] = this.allocOff;
    this.rowCap[r] = newCap;
  }

  /** Frees slots a row left: the segment's top comes down if they were its last allocation, else a hole. */
  release(seg: number, off: number, cap: number): void {
    if (cap === 0) return;
    if (off + cap === this.segTop[seg]) {
      this.segTop[seg] = off;
    } else {
      this.segHoles[seg]! += cap;
      this.holes += cap;
    }
    if (this.segTop[seg] === this.segHoles[seg] && seg !== this.active && seg !== 0) {
      // Every slot of the segment is a hole: give its memory back.
      this.holes -= this.segHoles[seg]!;
      this.segHoles[seg] = 0;
      this.segTop[seg] = 0;
      if (this.segDedicated[seg]) {
        this.capacity -= this.segCap[seg]!;
        this.segCap[seg] = 0;
        this.dropColumns(seg);
      }
    }
  }

  /** Sets a row's length (slots [0, len) are the caller's to have filled); len ≤ capacity. */
  setLength(r: number, len: number): void {
    this.used += len - this.rowLen[r]!;
    this.rowLen[r] = len;
  }

  /** Whether holes exceed the bound, i.e. `compactSome` would do something. */
  needsCompaction(): boolean {
    return this.holes > this.capacity * this.maxHoleShare;
  }

  /**
   * Compacts segments, most holes first, until holes are at most half the bound or `maxWork` slots were
   * scanned and moved; returns the work done (rows scanned plus slots moved).
   */
  compactSome(maxWork: number): number {
    let work = 0;
    while (work < maxWork && this.holes > (this.capacity * this.maxHoleShare) / 2) {
      let worst = -1;
      for (let s = 0; s < this.segHoles.length; s++) if (worst < 0 || this.segHoles[s]! > this.segHoles[worst]!) worst = s;
      if (worst < 0 || this.segHoles[worst] === 0) break;
      work += this.compactSegment(worst);
    }
    return work;
  }

  /** Slides the rows of one segment down over its holes (in place); returns rows scanned plus slots moved. */
  compactSegment(seg: number): number {
    const n = this.rowCount;
    const rowSeg = this.rowSeg;
    const rowOff = this.rowOff;
    const rowCap = this.rowCap;
    let count = 0;
    for (let r = 0; r < n; r++) if (rowSeg[r] === seg && rowCap[r]! > 0) count++;
    // The segment's rows by offset: offset·n + row is an exact double key while it stays below 2^53.
    const keys = new Float64Array(count);
    let i = 0;
    for (let r = 0; r < n; r++) if (rowSeg[r] === seg && rowCap[r]! > 0) keys[i++] = rowOff[r]! * n + r;
    if (this.segCap[seg]! * n < Number.MAX_SAFE_INTEGER) {
      keys.sort();
      for (let j = 0; j < count; j++) keys[j] = keys[j]! % n;
    } else {
      for (let j = 0; j < count; j++) keys[j] = keys[j]! % n;
      keys.sort((a, b) => rowOff[a]! - rowOff[b]!);
    }
    let at = 0;
    let moved = 0;
    for (let j = 0; j < count; j++) {
      const r = keys[j]!;
      const off = rowOff[r]!;
      if (off !== at) {
        const len = this.rowLen[r]!;
        if (len > 0) this.copySlots(seg, off, seg, at, len);
        moved += len;
        rowOff[r] = at;
      }
      at += rowCap[r]!;
    }
    this.holes -= this.segHoles[seg]!;
    this.segHoles[seg] = 0;
    this.segTop[seg] = at;
    // Rows scanned, the sort of this segment's rows (~20 units each) and the slots moved (~2 each).
    return n + 20 * count + 2 * moved;
  }
}

/** Rows of (item, entry index), sorted by item: a user's entries. */
export class EntrySlab extends RowSlab {
  readonly item: Int32Array[] = [];
  readonly entry: Int32Array[] = [];

  constructor(segmentSize = 1 << 21, growth = 1.25, maxHoleShare = 0.125) {
    super(segmentSize, growth, maxHoleShare);
    this.init();
  }

  protected createColumns(cap: number): void {
    this.item.push(new Int32Array(cap));
    this.entry.push(new Int32Array(cap));
  }

  protected dropColumns(seg: number): void {
    this.item[seg] = new Int32Array(0);
    this.entry[seg] = new Int32Array(0);
  }

  protected copySlots(fromSeg: number, fromOff: number, toSeg: number, toOff: number, n: number): void {
    if (fromSeg === toSeg) {
      this.item[toSeg]!.copyWithin(toOff, fromOff, fromOff + n);
      this.entry[toSeg]!.copyWithin(toOff, fromOff, fromOff + n);
    } else {
      this.item[toSeg]!.set(this.item[fromSeg]!.subarray(fromOff, fromOff + n), toOff);
      this.entry[toSeg]!.set(this.entry[fromSeg]!.subarray(fromOff, fromOff + n), toOff);
    }
  }

  /** Bytes of the typed arrays of all segments. */
  get bytes(): number {
    return this.capacity * 8;
  }
}

/**
 * Rows of (user, IM value, entry index): an item's users, the positive ones first (the owner keeps the count and
 * swaps an entry to the boundary when it turns positive), so a scan of positives skips impression-only entries.
 */
export class ItemUserSlab extends RowSlab {
  readonly user: Int32Array[] = [];
  readonly im: Int8Array[] = [];
  readonly entry: Int32Array[] = [];

  constructor(segmentSize = 1 << 21, growth = 1.25, maxHoleShare = 0.125) {
    super(segmentSize, growth, maxHoleShare);
    this.init();
  }

  protected createColumns(cap: number): void {
    this.user.push(new Int32Array(cap));
    this.im.push(new Int8Array(cap));
    this.entry.push(new Int32Array(cap));
  }

  protected dropColumns(seg: number): void {
    this.user[seg] = new Int32Array(0);
    this.im[seg] = new Int8Array(0);
    this.entry[seg] = new Int32Array(0);
  }

  protected copySlots(fromSeg: number, fromOff: number, toSeg: number, toOff: number, n: number): void {
    if (fromSeg === toSeg) {
      this.user[toSeg]!.copyWithin(toOff, fromOff, fromOff + n);
      this.im[toSeg]!.copyWithin(toOff, fromOff, fromOff + n);
      this.entry[toSeg]!.copyWithin(toOff, fromOff, fromOff + n);
    } else {
      this.user[toSeg]!.set(this.user[fromSeg]!.subarray(fromOff, fromOff + n), toOff);
      this.im[toSeg]!.set(this.im[fromSeg]!.subarray(fromOff, fromOff + n), toOff);
      this.entry[toSeg]!.set(this.entry[fromSeg]!.subarray(fromOff, fromOff + n), toOff);
    }
  }

  /** Bytes of the typed arrays of all segments. */
  get bytes(): number {
    return this.capacity * 9;
  }
}
