import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DOCS } from '../../lib/config';

const root = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('documents every configuration variable with its default', () => {
    for (const [name, spec] of Object.entries(CONFIG_DOCS)) {
      expect(readme, name).to.contain(`| \`${name}\` | \`${spec.default}\` |`);
    }
  });

  it('gives the two commands of a fresh machine, and .ci/run calls the test one', () => {
    expect(readme).to.contain('make demo');
    expect(readme).to.contain('make test');
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci).to.match(/^make test$/m);
  });
});
