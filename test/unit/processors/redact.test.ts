import { expect } from 'chai';
import { excerpt, ibanValid, luhnValid, redact } from '../../../processors/redact';


/** The excerpt as first defined: flatten all white space with a regex, then cut. */
function flatAll(t: string, n: number): string {
  const flat = t.replace(/\s+/g, ' ').trim();
  if (flat.length <= n) return flat;
  const cut = flat.lastIndexOf(' ', n);
  return `${flat.slice(0, cut > n * 0.6 ? cut : n)}…`;
}

describe('redact', () => {
  it('replaces e-mail addresses, including obfuscated ones', () => {
    const r = redact('Write to jane.doe@example.com or john (at) example.org please');
    expect(r.text).to.equal('Write to [EMAIL] or [EMAIL] please');
    expect(r.found).to.deep.equal(['email']);
    expect(r.counts.email).to.equal(2);
  });

  it('replaces phone numbers in international and local shapes', () => {
    for (const p of ['+1 555 0100 2233', '(555) 010-2233', '+44 20 7946 0958', '0049 30 1234567', '555.010.2233']) {
      const r = redact(`call me at ${p} today`);
      expect(r.text, p).to.equal('call me at [PHONE] today');
      expect(r.found, p).to.deep.equal(['phone']);
    }
  });

  it('replaces card numbers that pass the Luhn check and leaves other long numbers', () => {
    expect(redact('card 4111 1111 1111 1111 was charged').text).to.equal('card [CARD] was charged');
    expect(redact('card 4111-1111-1111-1111').found).to.deep.equal(['card']);
    const order = redact('order 4111 1111 1111 1112 is late');
    expect(order.found).to.not.include('card');
  });

  it('replaces IBANs with a valid checksum and leaves look-alikes', () => {
    expect(redact('pay to DE89 3704 0044 0532 0130 00 now').text).to.equal('pay to [IBAN] now');
    expect(redact('GB82WEST12345698765432').found).to.deep.equal(['iban']);
    expect(redact('ref DE00 3704 0044 0532 0130 00').found).to.not.include('iban');
  });

  it('replaces national ids: US SSN, UK NI number, Spanish DNI', () => {
    expect(redact('SSN 123-45-6789').text).to.equal('SSN [NATIONAL_ID]');
    expect(redact('NI number QQ 12 34 56 C').text).to.equal('NI number [NATIONAL_ID]');
    expect(redact('DNI 12345678Z').text).to.equal('DNI [NATIONAL_ID]');
  });

  it('leaves dates, prices and short order numbers alone', () => {
    const t = 'On 2026-11-28 at 10:30 I paid 129.99 for order 48213';
    const r = redact(t);
    expect(r.text).to.equal(t);
    expect(r.found).to.deep.equal([]);
  });

  it('checks Luhn and IBAN checksums', () => {
    expect(luhnValid('4111111111111111')).to.equal(true);
    expect(luhnValid('4111111111111112')).to.equal(false);
    expect(ibanValid('DE89370400440532013000')).to.equal(true);
    expect(ibanValid('DE89370400440532013001')).to.equal(false);
  });

  it('cuts an excerpt at a word boundary and flattens white space', () => {
    const e = excerpt('word '.repeat(100), 50);
    expect(e.length).to.be.at.most(51);
    expect(e.endsWith('…')).to.equal(true);
    expect(excerpt('a\n\n b')).to.equal('a b');
  });

  it('finds each kind when it is the only number in a long text, with the fewest digits it can have', () => {
    const filler = 'words without any numbers in them. '.repeat(20);
    const samples: [string, string][] = [
      ['SSN 123-45-6789', 'national_id'], ['NI QQ 12 34 56 C', 'national_id'], ['NIE X1234567L', 'national_id'],
      ['NIR 1 85 05 78 006 084 36', 'national_id'], ['CF RSSMRA85T10A562S', 'national_id'], ['call 555-0100 now', 'phone'],
      ['card 4222222222222 ok', 'card'], ['iban GB82WEST12345698765432 ok', 'iban'], ['mail jane@example.com ok', 'email'],
      ['mail jane [at] example.com ok', 'email'],
    ];
    for (const [pii, kind] of samples) expect(redact(`${filler}${pii} ${filler}`).found, pii).to.deep.equal([kind]);
  });

  it('redacts random texts exactly as running every pattern on every text does', () => {
    // Fragments that glue letters to digits, split ids with spaces and dashes, and hold every kind.
    const parts = [
      'RSSMRA85T10A562S', 'rssmra85t10a562s', '12345678Z', 'X1234567L', '1234567l', 'GB82WEST12345698765432', 'DE89 3704 0044 0532 0130 00',
      'QQ 12 34 56 C', 'AB123456C', '123-45-6789', '1 85 05 78 006 084 36', '4111 1111 1111 1111', '4222222222222', '+44 20 7946 0958',
      '555-0100', '(0)20 7946', '020\u00a07946\u00a00958', '06.12.34.56.78', 'jane@example.com', 'a.b [at] c.org', 'order', '#48213', 'A1', 'b2', '7Z', 'x', 'Q', '0', '9', '12', '345',
      ' ', ' ', '-', '.', '/', '(', ')', '\u00a0', '\n', 'é', 'ß', '日本', '２３',
    ];
    let seed = 11;
    const pick = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return parts[(seed >>> 8) % parts.length];
    };
    for (let i = 0; i < 4000; i++) {
      let t = '';
      const n = 1 + (i % 40);
      for (let j = 0; j < n; j++) t += pick();
      const fast = redact(t);
      const all = redact(t, { allPatterns: true });
      if (fast.text !== all.text) expect.fail(`${JSON.stringify(t)}: ${JSON.stringify(fast.text)} != ${JSON.stringify(all.text)}`);
      expect(fast.counts, JSON.stringify(t)).to.deep.equal(all.counts);
    }
  });

  it('flattens only as much of a long text as the excerpt needs, with the same result', () => {
    const texts = [
      'x'.repeat(300) + ' '.repeat(2000), ' \n '.repeat(400) + 'word '.repeat(300), 'a '.repeat(141) + '\n\n\n' + 'b'.repeat(2000),
      'lorem ipsum dolor '.repeat(100), `${'y'.repeat(279)}  \t z ${'q'.repeat(1200)}`,
    ];
    for (const t of texts) for (const n of [10, 50, 280]) expect(excerpt(t, n)).to.equal(flatAll(t, n));
  });

  it('gives the excerpt of the regex definition for random texts of words and every kind of white space', () => {
    // Every code unit \s matches, and neighbours that it does not.
    const spaces = ' \t\n\v\f\r\u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
    const others = 'ab\u0085\u180e\u200b\u00a1\u2060x.\u1fff';
    let seed = 12345;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    for (let t = 0; t < 2000; t++) {
      let s = '';
      const len = rnd(700);
      for (let i = 0; i < len; i++) s += rnd(4) === 0 ? spaces[rnd(spaces.length)] : others[rnd(others.length)];
      for (const n of [1, 10, 50, 280]) expect(excerpt(s, n), JSON.stringify(s)).to.equal(flatAll(s, n));
    }
  });

  it('gives the excerpt of the regex definition for texts that are flat but for a rare run of other white space', () => {
    const spaces = ['  ', '\n', ' \t', '\u00a0', ' \n ', '\u3000'];
    let seed = 777;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    let slow = 0;
    for (let t = 0; t < 3000; t++) {
      let s = rnd(8) === 0 ? ' ' : '';
      const words = 1 + rnd(90);
      for (let w = 0; w < words; w++) {
        s += 'abcdefghij'.slice(0, 1 + rnd(9)) + (rnd(3) === 0 ? 'é' : '');
        if (w < words - 1) s += rnd(40) === 0 ? spaces[rnd(spaces.length)] : ' ';
      }
      if (rnd(6) === 0) s += spaces[rnd(spaces.length)];
      if (/[^\S ]| {2}|^ | $/.test(s)) slow++;
      for (const n of [1, 2, 10, 50, 279, 280, 281]) expect(excerpt(s, n), JSON.stringify(s)).to.equal(flatAll(s, n));
    }
    // Both paths ran: texts with other white space, and flat ones.
    expect(slow).to.be.within(300, 2700);
  });
});
