import { describe, expect, it } from 'vitest';
import { ARENA_ALIGN, planMemory, type BufferRequest } from '../../codegen/memory_plan.js';

/** No two buffers live at one kernel share a byte (in-place pairs may meet at their shared kernel). */
function checkNoOverlap(bufs: readonly BufferRequest[], plan: ReturnType<typeof planMemory>): void {
  const pairs = new Set(plan.inPlace.map(([a, b]) => `${a},${b}`));
  for (const a of bufs) {
    for (const b of bufs) {
      if (a.id >= b.id) continue;
      const liveTogether = a.first <= b.last && b.first <= a.last;
      if (!liveTogether) continue;
      const oa = plan.offsets.get(a.id)!;
      const ob = plan.offsets.get(b.id)!;
      const overlap = oa < ob + b.bytes && ob < oa + a.bytes;
      if (!overlap) continue;
      const meetOnly = (a.last === b.first && pairs.has(`${a.id},${b.id}`)) || (b.last === a.first && pairs.has(`${b.id},${a.id}`));
      expect(meetOnly, `buffers ${a.id} [${a.first},${a.last}] and ${b.id} [${b.first},${b.last}] overlap`).toBe(true);
    }
    expect(plan.offsets.get(a.id)! % ARENA_ALIGN).toBe(0);
    expect(plan.offsets.get(a.id)! + a.bytes).toBeLessThanOrEqual(plan.peak);
  }
}

describe('memory plan', () => {
  it('reuses the bytes of dead buffers', () => {
    const bufs = [
      { id: 0, bytes: 1000, first: 0, last: 1 },
      { id: 1, bytes: 1000, first: 1, last: 2 },
      { id: 2, bytes: 1000, first: 2, last: 3 },
    ];
    const plan = planMemory(bufs);
    expect(plan.offsets.get(2)).toBe(plan.offsets.get(0));
    expect(plan.peak).toBe(2 * 1024);
    expect(plan.total).toBe(3 * 1024);
    checkNoOverlap(bufs, plan);
  });

  it('writes in place when the input dies at the kernel that writes the output', () => {
    const bufs = [
      { id: 0, bytes: 256, first: 0, last: 1 },
      { id: 1, bytes: 256, first: 1, last: 2 },
    ];
    const plan = planMemory(bufs, [[0, 1]]);
    expect(plan.inPlace).toEqual([[0, 1]]);
    expect(plan.offsets.get(1)).toBe(plan.offsets.get(0));
    expect(plan.peak).toBe(256);
    checkNoOverlap(bufs, plan);
  });

  it('refuses in place when the input is still read later', () => {
    const bufs = [
      { id: 0, bytes: 256, first: 0, last: 2 },
      { id: 1, bytes: 256, first: 1, last: 2 },
    ];
    const plan = planMemory(bufs, [[0, 1]]);
    expect(plan.inPlace).toEqual([]);
    expect(plan.peak).toBe(512);
    checkNoOverlap(bufs, plan);
  });

  it('never overlaps live buffers: 300 random schedules, checked pairwise', () => {
    let s = 12345;
    const r = (n: number): number => {
      s = (s * 1103515245 + 12345) >>> 0;
      return (s >>> 8) % n;
    };
    for (let trial = 0; trial < 300; trial++) {
      const kernels = 2 + r(12);
      const bufs: BufferRequest[] = Array.from({ length: 1 + r(20) }, (_, id) => {
        const first = r(kernels);
        return { id, bytes: 1 + r(5000), first, last: first + r(kernels - first) };
      });
      const inPlace: [number, number][] = [];
      for (let k = 0; k < 5; k++) inPlace.push([r(bufs.length), r(bufs.length)]);
      const plan = planMemory(bufs, inPlace);
      checkNoOverlap(bufs, plan);
      expect(plan.peak).toBeLessThanOrEqual(plan.total);
    }
  });
});
