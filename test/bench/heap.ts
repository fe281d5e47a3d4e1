/** Collects garbage until the heap stops shrinking, so a difference measures what is still held; returns the heap used. */
export async function settledHeap(): Promise<number> {
  let previous = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10 && global.gc; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    global.gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous) {
      break;
    }
    previous = used;
  }
  return process.memoryUsage().heapUsed;
}
