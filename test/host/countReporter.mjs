// @ts-check
// A node:test reporter that prints the layer's closing line: "<layer>: N passed, N failed[, N skipped]".
// The layer name comes from SAIL_LAYER. Use it beside the spec reporter.

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* countReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    const isSuite = event.data?.details?.type === 'suite';
    if (event.type === 'test:pass' && !isSuite) {
      if (event.data.skip || event.data.todo) {
        skipped += 1;
      } else {
        passed += 1;
      }
    } else if (event.type === 'test:fail' && !isSuite) {
      failed += 1;
    }
  }
  const layer = process.env.SAIL_LAYER ?? 'tests';
  yield `${layer}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
