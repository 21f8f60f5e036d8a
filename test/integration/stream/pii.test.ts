import { expect } from 'chai';
import { waitFor } from '../../helpers';
import { makeCases, StreamHarness } from './harness';

describe('personal data stays out of logs and Postgres (real services)', function () {
  this.timeout(300_000);
  let h: StreamHarness;

  before(async () => {
    h = await new StreamHarness().setup();
  });

  after(async () => {
    await h.teardown();
  });

  it('leaves no case body, e-mail address or phone number in any log line or in the predictions table', async () => {
    const planted = {
      email: 'zelda.quintanilla@example.com',
      phone: '+1 555 0199 4477',
      card: '4111 1111 1111 1111',
      iban: 'DE89 3704 0044 0532 0130 00',
      sentence: 'my neighbour Ambrose keeps reading my parcels',
    };
    const cases = makeCases(50).map((c, i) => ({
      ...c,
      subject: i % 2 ? `Contact ${planted.email}` : null,
      body: `${c.body} ${planted.sentence}. Reach me at ${planted.email} or ${planted.phone}. Card ${planted.card}, IBAN ${planted.iban}.`,
    }));
    // One of them is dead-lettered (bad channel cannot be produced as Avro, so an empty body with data in the subject).
    cases[0] = { ...cases[0], body: ' ', subject: `call ${planted.phone} or ${planted.email}` };
    const child = h.start('run', ['--no-drift'], { PCC_LOG_LEVEL: 'debug' });
    await h.publishReal(cases);
    await h.waitForPredictions(49, 120_000);
    await waitFor(async () => (await h.pool.query('SELECT 1 FROM pcc.dead_letters')).rowCount, { timeoutMs: 60_000, what: 'the dead letter' });
    await child.kill('SIGTERM');

    const logs = child.output.join('\n');
    expect(child.output.length, 'the process logged something').to.be.greaterThan(3);
    const { rows } = await h.pool.query(`SELECT row_to_json(p)::text AS j FROM pcc.predictions p`);
    const table = rows.map((r) => r.j).join('\n');
    const dl = await h.pool.query(`SELECT convert_from(payload, 'UTF8') AS p, reason FROM pcc.dead_letters`);
    const deadLetters = dl.rows.map((r) => `${r.p} ${r.reason}`).join('\n');
    for (const [kind, value] of Object.entries(planted)) {
      if (kind === 'sentence') {
        expect(logs, 'case text in logs').to.not.contain(value);
      } else {
        for (const [where, text] of [['logs', logs], ['predictions', table], ['dead letters', deadLetters]] as const) {
          expect(text, `${kind} in ${where}`).to.not.contain(value);
        }
      }
    }
    expect(table).to.contain('[EMAIL]');
    expect(table).to.contain('[PHONE]');
    expect(table).to.contain('[CARD]');
    expect(table).to.contain('[IBAN]');
  });
});
