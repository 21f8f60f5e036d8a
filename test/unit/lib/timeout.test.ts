import { expect } from 'chai';
import { withTimeout } from '../../../lib/retry';

describe('withTimeout', () => {
  it('settles as the promise does when it is first', async () => {
    expect(await withTimeout(Promise.resolve(7), 1_000, () => 0)).to.equal(7);
    const err = await withTimeout(Promise.reject(new Error('boom')), 1_000, () => 0).catch((e: Error) => e.message);
    expect(err).to.equal('boom');
  });

  it('settles as onTimeout does when the time passes first: its value, or what it throws', async () => {
    const never = new Promise<number>(() => undefined);
    expect(await withTimeout(never, 10, () => null)).to.equal(null);
    const err = await withTimeout(never, 10, () => {
      throw new Error('late');
    }).catch((e: Error) => e.message);
    expect(err).to.equal('late');
  });
});
