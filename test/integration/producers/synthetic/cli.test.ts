import { expect } from 'chai';
import { runPcc } from '../../../helpers';
import { SynthFixture } from './fixture';

function pcc(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PCC_') || k === 'PCC_MODEL_DIR'));
  return runPcc(args, { ...base, ...env });
}

describe('pcc synth (real Postgres, Kafka, registry)', function () {
  this.timeout(120_000);
  const fx = new SynthFixture();
  before(() => fx.setup());
  after(() => fx.teardown());

  it('generates and publishes a batch, lists it and replays it by id', async () => {
    const gen = await pcc(fx.env, ['synth', 'generate', '--count', '25', '--seed', '11', '--publish', '--json']);
    expect(gen.code, gen.stderr).to.equal(0);
    const batch = JSON.parse(gen.stdout);
    expect(batch).to.include({ status: 'published', seed: 11, backend: 'template' });
    expect(batch.counts.accepted + batch.counts.flagged).to.equal(25);
    expect(batch.achieved.label_fidelity.agreement).to.be.within(0, 1);

    const list = await pcc(fx.env, ['synth', 'list']);
    expect(list.code).to.equal(0);
    expect(list.stdout).to.contain(batch.batch_id).and.contain('published');

    const replay = await pcc(fx.env, ['synth', 'replay', batch.batch_id]);
    expect(replay.code, replay.stderr).to.equal(0);
    expect(JSON.parse(replay.stdout)).to.include({ kind: 'replay', cases: 25 });
    expect(await fx.topicSize(fx.config.topics.casesSynthetic)).to.equal(50);
  });

  it('answers an unknown batch with its error code and exit code 1', async () => {
    const r = await pcc(fx.env, ['synth', 'replay', 'syn-batch-20000101-00000000']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('PCC_BATCH_NOT_FOUND');
  });

  it('refuses a bad count with exit code 2', async () => {
    const r = await pcc(fx.env, ['synth', 'generate', '--count', 'lots']);
    expect(r.code).to.equal(2);
  });
});
