import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE, PccError, toPccError } from '../../../lib/errors';

describe('error catalogue', () => {
  const doc = readFileSync(path.resolve(__dirname, '../../../docs/errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(PCC_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]));

  it('documents every code in docs/errors.md', () => {
    const missing = Object.keys(ERROR_CATALOGUE).filter((c) => !documented.has(c));
    expect(missing).to.deep.equal([]);
  });

  it('documents no code that the catalogue lacks', () => {
    const extra = [...documented].filter((c) => !(c in ERROR_CATALOGUE));
    expect(extra).to.deep.equal([]);
  });

  it('carries the retriable flag of its code', () => {
    expect(new PccError('PCC_KAFKA_UNAVAILABLE', 'x').retriable).to.equal(true);
    expect(new PccError('PCC_DECODE_AVRO', 'x').retriable).to.equal(false);
  });

  it('turns unknown throwables into a non-retriable internal error with the cause kept', () => {
    const cause = new Error('boom');
    const e = toPccError(cause);
    expect(e.code).to.equal('PCC_INTERNAL');
    expect(e.retriable).to.equal(false);
    expect(e.cause).to.equal(cause);
  });
});
