import { expect } from 'chai';
import { waitFor } from '../../helpers';
import { makeCases, StreamHarness } from './harness';

// Small slices, so that every fetched batch is many pipelined transactions (the next slice is
// classified while the previous one commits).
const SLICE = '37';

describe('pipelined slices of a fetched batch (real services, processor killed)', function () {
  this.timeout(600_000);
  let h: StreamHarness;

  beforeEach(async () => {
    h = await new StreamHarness().setup();
  });

  afterEach(async () => {
    await h.teardown();
  });

  it('predicts every case once, in source order per partition, across a SIGKILL mid-stream', async () => {
    const n = 6_000;
    const cases = makeCases(n);
    await h.publishReal(cases);
    const sink = h.start('sink');
    const first = h.start('processor', [], { PCC_PROCESSOR_MAX_BATCH: SLICE });
    await waitFor(async () => (await h.predictionRows()).total >= n / 4, { timeoutMs: 180_000, intervalMs: 100, what: 'a quarter of the predictions' });
    await first.kill('SIGKILL');
    h.start('processor', [], { PCC_PROCESSOR_MAX_BATCH: SLICE });
    await h.waitForPredictions(n);
    const rows = await h.predictionRows();
    expect(rows).to.deep.equal({ total: n, distinct: n });

    const byPartition = await h.predictionSources(n);
    const all = [...byPartition.values()].flat();
    expect(all.length, 'committed predictions on the topic').to.equal(n);
    expect(new Set(all.map((p) => p.caseId)).size, 'distinct cases on the topic').to.equal(n);
    // Within each predictions partition, the cases of one source partition keep their order.
    for (const [partition, list] of byPartition) {
      const last = new Map<number, number>();
      for (const p of list) {
        const before = last.get(p.sourcePartition) ?? -1;
        if (p.sourceOffset <= before) expect.fail(`predictions partition ${partition}: source ${p.sourcePartition} offset ${p.sourceOffset} after ${before}`);
        last.set(p.sourcePartition, p.sourceOffset);
      }
    }
    await sink.kill();
  });
});
