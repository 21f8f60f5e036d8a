import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createWebhookNotifier, type WebhookOutcome } from '../../../../sinks/drift/webhook';
import { testLogger } from '../../../helpers';

/** A loopback webhook answering each post with the next status of `statuses` (then 200); 0 = never answer. */
async function hook(statuses: number[]) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push(body);
      const status = statuses.shift() ?? 200;
      if (status !== 0) res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, close: () => { server.closeAllConnections(); server.close(); } };
}

describe('alert webhook', () => {
  it('retries 503 and 429, then delivers', async () => {
    const h = await hook([503, 429]);
    const outcomes: WebhookOutcome[] = [];
    const n = createWebhookNotifier({ url: h.url, maxQueue: 10, logger: testLogger(), onOutcome: (o) => outcomes.push(o), initialDelayMs: 10, maxDelayMs: 20 });
    n.enqueue({ text: 'drift firing' });
    await n.close(5_000);
    h.close();
    expect(outcomes).to.deep.equal(['sent']);
    expect(h.seen).to.have.length(3);
    expect(JSON.parse(h.seen[2])).to.deep.equal({ text: 'drift firing' });
  });

  it('does not retry a 404 (a revoked or mistyped hook)', async () => {
    const h = await hook([404]);
    const outcomes: WebhookOutcome[] = [];
    const n = createWebhookNotifier({ url: h.url, maxQueue: 10, logger: testLogger(), onOutcome: (o) => outcomes.push(o), initialDelayMs: 10 });
    n.enqueue({ text: 'a' });
    await n.close(5_000);
    h.close();
    expect(outcomes).to.deep.equal(['failed']);
    expect(h.seen).to.have.length(1);
  });

  it('never makes the caller wait on a hung webhook, and drops the oldest message from a full queue', async () => {
    const h = await hook([0, 0, 0, 0, 0, 0]);
    const outcomes: WebhookOutcome[] = [];
    const n = createWebhookNotifier({ url: h.url, maxQueue: 2, logger: testLogger(), onOutcome: (o) => outcomes.push(o), timeoutMs: 200, retries: 0 });
    for (let i = 0; i < 5; i++) n.enqueue({ text: `alert ${i}` }); // returns at once: no await
    // The first is in flight; of the four queued behind it, the two oldest were dropped.
    expect(n.queued()).to.equal(2);
    expect(outcomes.filter((o) => o === 'dropped')).to.have.length(2);
    await n.close(100);
    h.close();
  });
});
