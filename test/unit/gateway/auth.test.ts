import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadKeys, parseKeys } from '../../../gateway/auth';

describe('gateway API keys', () => {
  it('reads "key:role" entries from PCC_API_KEYS and from a file with comments and blank lines', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-keys-')), 'keys');
    fs.writeFileSync(file, '# team keys\nfile-read-key-000000001:read\n\nfile-admin-key-00000001:admin\r\n');
    const keys = loadKeys({ apiKeys: 'env-ingest-key-00000001:ingest', apiKeysFile: file });
    expect(keys.size).to.equal(3);
    expect(keys.authenticate('env-ingest-key-00000001')?.role).to.equal('ingest');
    expect(keys.authenticate('file-read-key-000000001')?.role).to.equal('read');
    expect(keys.authenticate('file-admin-key-00000001')?.role).to.equal('admin');
    expect(keys.authenticate('file-admin-key-0000000')).to.equal(null);
    expect(keys.authenticate('')).to.equal(null);
  });

  it('names a key by a digest prefix, never by the key', () => {
    const p = parseKeys(['a-secret-key-000000000001:read']).authenticate('a-secret-key-000000000001')!;
    expect(p.keyId).to.match(/^[0-9a-f]{8}$/);
    expect(p.keyId).not.to.include('secret');
  });

  it('refuses an unknown role, a missing role and a short key, naming the entry by position only', () => {
    expect(() => parseKeys(['good-key-0000000000001:read', 'another-key-00000000001:owner'])).to.throw(/entry 2 is not "key:role"/);
    expect(() => parseKeys(['just-a-key-without-role'])).to.throw(/entry 1/);
    expect(() => parseKeys(['short:read'])).to.throw(/shorter than 16/);
    try {
      parseKeys(['leaky-secret-000000000001:boss']);
    } catch (err) {
      expect((err as Error).message).not.to.include('leaky-secret');
      expect((err as { code?: string }).code).to.equal('PCC_CONFIG_INVALID');
    }
  });

  it('refuses an unreadable key file with a config error', () => {
    expect(() => loadKeys({ apiKeys: '', apiKeysFile: '/nonexistent/pcc-keys' })).to.throw(/PCC_API_KEYS_FILE cannot be read/);
  });
});
