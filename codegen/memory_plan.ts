/**
 * memory_plan: places every intermediate buffer of an executable in one arena (the module's
 * workspace) from buffer lifetimes over the kernel schedule.
 *
 *   kernel:    0    1    2    3    4
 *   buf a      [====]                       a and c never live at once:
 *   buf b           [=========]             c takes a's bytes
 *   buf c                     [====]
 *
 * Lifetimes are closed intervals of kernel positions [first, last]: a buffer is written by
 * kernel `first` and read until kernel `last`. Two buffers may share bytes only when their
 * intervals are disjoint, except an in-place pair: an elementwise kernel whose input dies there
 * may write its output over it (each element is read before it is written), so the pair is
 * merged into one slot first.
 *
 * Placement is greedy by size (as TFLite's arena planner): slots sorted by bytes descending,
 * each put at the lowest 64-byte-aligned offset that does not overlap any placed slot whose
 * lifetime intersects its own. Peak = the end of the highest slot.
 */

export const ARENA_ALIGN = 64;

export interface BufferRequest {
  id: number;
  bytes: number;
  first: number;
  last: number;
}

export interface MemoryPlan {
  /** Byte offset of each buffer by id. */
  offsets: Map<number, number>;
  /** Workspace bytes needed (a multiple of ARENA_ALIGN). */
  peak: number;
  /** Sum of all buffers' (aligned) bytes: what a plan without reuse would need. */
  total: number;
  /** In-place pairs that were applied (input id, output id). */
  inPlace: [number, number][];
}

const align = (n: number): number => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

/**
 * Plans `buffers`. `inPlace` lists (input, output) pairs an emitter allows; a pair is applied
 * when the input's last use is the kernel that produces the output, the output fits in the
 * input's bytes, and neither is already part of another pair.
 */
export function planMemory(buffers: readonly BufferRequest[], inPlace: readonly [number, number][] = []): MemoryPlan {
  const byId = new Map(buffers.map((b) => [b.id, b]));
  const slotOf = new Map<number, number>(); // buffer id -> slot root id
  const slots = new Map<number, { ids: number[]; bytes: number; first: number; last: number }>();
  for (const b of buffers) {
    slotOf.set(b.id, b.id);
    slots.set(b.id, { ids: [b.id], bytes: align(b.bytes), first: b.first, last: b.last });
  }
  const applied: [number, number][] = [];
  const paired = new Set<number>();
  for (const [i, o] of inPlace) {
    const bi = byId.get(i);
    const bo = byId.get(o);
    if (!bi || !bo || paired.has(i) || paired.has(o)) continue;
    if (bi.last !== bo.first || align(bo.bytes) > align(bi.bytes)) continue;
    const rootI = slotOf.get(i)!;
    const rootO = slotOf.get(o)!;
    const si = slots.get(rootI)!;
    const so = slots.get(rootO)!;
    if (rootI === rootO || si.last !== bo.first) continue;
    // Merge o's slot into i's: the slot now lives until o dies.
    si.ids.push(...so.ids);
    si.bytes = Math.max(si.bytes, so.bytes);
    si.last = Math.max(si.last, so.last);
    for (const id of so.ids) slotOf.set(id, rootI);
    slots.delete(rootO);
    paired.add(i);
    paired.add(o);
    applied.push([i, o]);
  }
  const order = [...slots.values()].sort((a, b) => b.bytes - a.bytes || a.first - b.first);
  const placed: { off: number; bytes: number; first: number; last: number }[] = [];
  const offsets = new Map<number, number>();
  let peak = 0;
  for (const s of order) {
    const clash = placed.filter((p) => p.first <= s.last && s.first <= p.last).sort((a, b) => a.off - b.off);
    let off = 0;
    for (const p of clash) {
      if (off + s.bytes <= p.off) break;
      off = Math.max(off, p.off + p.bytes);
    }
    placed.push({ off, bytes: s.bytes, first: s.first, last: s.last });
    for (const id of s.ids) offsets.set(id, off);
    peak = Math.max(peak, off + s.bytes);
  }
  const total = buffers.reduce((acc, b) => acc + align(b.bytes), 0);
  return { offsets, peak, total, inPlace: applied };
}
