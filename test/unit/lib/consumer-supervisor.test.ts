import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { superviseConsumer } from '../../../lib/consumer-supervisor';
import { createLogger } from '../../../lib/logger';

// The supervisor's own logic, with a stand-in for the kafkajs consumer object (the behaviour
// against a real broker restart is covered by the gateway and stream integration tests).
class FakeConsumer extends EventEmitter {
  events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' };
  disconnected = false;
  async disconnect() {
    this.disconnected = true;
  }
  join() {
    this.emit(this.events.GROUP_JOIN, { payload: {} });
  }
  crash(restart: boolean) {
    this.emit(this.events.CRASH, { payload: { error: new Error('Failed to find group coordinator'), restart } });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger({ level: 'error', component: 'supervisor-test' });

function setup(opts: { joinOnRun: boolean; maxRebuilds?: number }) {
  const made: FakeConsumer[] = [];
  const gaveUp: string[] = [];
  let rebuilt = 0;
  const sup = superviseConsumer({
    name: 'test',
    logger,
    create: () => {
      const c = new FakeConsumer();
      made.push(c);
      return c as unknown as Consumer;
    },
    run: async (c) => {
      if (opts.joinOnRun) (c as unknown as FakeConsumer).join();
    },
    beforeRebuild: () => {
      rebuilt++;
    },
    onGiveUp: (reason) => gaveUp.push(reason),
    rejoinTimeoutMs: 60,
    backoffMs: 5,
    maxRebuilds: opts.maxRebuilds,
  });
  return { sup, made, gaveUp, rebuilt: () => rebuilt };
}

describe('consumer supervisor', () => {
  it('makes a new consumer when kafkajs will not restart the crashed one', async () => {
    const s = setup({ joinOnRun: true });
    await s.sup.start();
    s.made[0].crash(false);
    expect(s.sup.crashed).to.include('group coordinator');
    await sleep(100);
    expect(s.made).to.have.length(2);
    expect(s.made[0].disconnected).to.equal(true);
    expect(s.sup.current).to.equal(s.made[1]);
    expect(s.sup.crashed).to.equal(null);
    expect(s.rebuilt()).to.equal(1);
    await s.sup.stop();
    expect(s.made[1].disconnected).to.equal(true);
  });

  it('leaves a restarting consumer alone when it rejoins in time, and replaces it when it does not', async () => {
    const s = setup({ joinOnRun: true });
    await s.sup.start();
    s.made[0].crash(true);
    await sleep(20);
    s.made[0].join();
    await sleep(100);
    expect(s.made).to.have.length(1);
    s.made[0].crash(true);
    await sleep(150);
    expect(s.made).to.have.length(2);
    expect(s.sup.crashed).to.equal(null);
    await s.sup.stop();
  });

  it('gives up after rebuilds that never join, so that the process can be restarted', async () => {
    const s = setup({ joinOnRun: false, maxRebuilds: 2 });
    await s.sup.start();
    s.made[0].crash(false);
    await sleep(500);
    expect(s.made).to.have.length(3);
    expect(s.gaveUp).to.have.length(1);
    expect(s.gaveUp[0]).to.match(/2 rebuilds without joining/);
    await s.sup.stop();
  });

  it('makes nothing after stop', async () => {
    const s = setup({ joinOnRun: true });
    await s.sup.start();
    await s.sup.stop();
    s.made[0].crash(false);
    await sleep(50);
    expect(s.made).to.have.length(1);
  });
});
