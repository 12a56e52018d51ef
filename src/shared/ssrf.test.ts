import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  assertPublicUrl,
  isPrivateAddress,
  type LookupFn,
  MAX_URL_LENGTH,
  parseOutboundUrl,
  UnsafeUrlError,
} from './ssrf.js';

/** A resolver answering from a table; tests never do real DNS. Records every call. */
function fakeDns(table: Record<string, string[]>, calls: unknown[] = []): LookupFn {
  return (hostname, options, callback) => {
    calls.push({ hostname, options });
    const ips = table[hostname];
    setImmediate(() =>
      ips === undefined
        ? callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])
        : callback(
            null,
            ips.map((address) => ({ address, family: net.isIP(address) })),
          ),
    );
  };
}

function refusedWith(reason: string, address?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof UnsafeUrlError, `expected UnsafeUrlError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    if (address !== undefined) assert.equal(err.address, address);
    return true;
  };
}

const PRIVATE = {
  loopback: ['127.0.0.1', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1'],
  private: ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '192.168.255.255'],
  linkLocal: ['169.254.0.1', '169.254.255.255', 'fe80::1', 'febf::1', 'fe80::1%eth0'],
  cgnat: ['100.64.0.1', '100.127.255.255'],
  multicast: ['224.0.0.1', '239.255.255.255', 'ff02::1', 'ff0e::1'],
  unspecified: ['0.0.0.0', '0.1.2.3', '::', '0:0:0:0:0:0:0:0'],
  broadcast: ['255.255.255.255'],
  metadata: ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'],
  uniqueLocal: ['fc00::1', 'fd12:3456::1', 'fdff:ffff::1'],
  mapped: ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::ffff:0.0.0.0'],
  compatible: ['::127.0.0.1', '::7f00:1', '::8.8.8.8'],
  nat64: ['64:ff9b::127.0.0.1', '64:ff9b::a00:1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::8.8.8.8'],
  sixToFour: ['2002:7f00:1::', '2002:a00:1::1', '2002:c0a8:101::1', '2002:a9fe:a9fe::'],
  reserved: [
    '240.0.0.1',
    '250.1.2.3',
    '192.0.0.1',
    '192.0.0.170',
    '198.18.0.1',
    '198.19.255.255',
    '192.88.99.1',
  ],
  documentation: ['192.0.2.1', '198.51.100.1', '203.0.113.1', '2001:db8::1', '3fff::1'],
  otherV6: ['2001::1', '2001:0:4136:e378::1', '2001:2::1', 'fec0::1', '100::1', '5f00::1'],
  otherForms: ['[::1]', '0x7f.1', '2130706433', '017700000001', '127.1', '0177.0.0.1', '0x7f000001'],
  notAnAddress: ['localhost', 'example.com', '', '1.2.3.4.5', '::g', '8.8.8.8/32', 'evil.com@8.8.8.8'],
};

const PUBLIC = [
  '93.184.215.14',
  '8.8.8.8',
  '1.1.1.1',
  '100.63.255.255', // just below CGNAT
  '100.128.0.0', // just above CGNAT
  '172.15.255.255',
  '172.32.0.0',
  '169.253.255.255',
  '192.0.1.255',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '11.0.0.1',
  '2606:4700::1111',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001::1',
  '2001:200::1', // just above 2001::/23
  '::ffff:93.184.215.14',
  '64:ff9b::8.8.8.8',
  '2002:808:808::1',
  '[2606:4700::1111]',
];

describe('isPrivateAddress', () => {
  for (const [kind, ips] of Object.entries(PRIVATE)) {
    it(`refuses ${kind}: ${ips.join(', ')}`, () => {
      for (const ip of ips) assert.equal(isPrivateAddress(ip), true, ip);
    });
  }

  it('accepts public unicast addresses in v4, v6 and v4-carrying v6 forms', () => {
    for (const ip of PUBLIC) assert.equal(isPrivateAddress(ip), false, ip);
  });
});

describe('parseOutboundUrl', () => {
  it('accepts http and https, and normalises the host as a URL does', () => {
    assert.equal(parseOutboundUrl('https://Example.COM/hook?a=1').href, 'https://example.com/hook?a=1');
    assert.equal(parseOutboundUrl('http://0x7f.1/').hostname, '127.0.0.1');
    assert.equal(parseOutboundUrl('http://2130706433/').hostname, '127.0.0.1');
    assert.equal(parseOutboundUrl('http://017700000001/').hostname, '127.0.0.1');
    assert.equal(parseOutboundUrl('http://[::ffff:127.0.0.1]/').hostname, '[::ffff:7f00:1]');
  });

  it('refuses other schemes', () => {
    for (const raw of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'gopher://x/',
      'ws://x/',
    ]) {
      assert.throws(() => parseOutboundUrl(raw), refusedWith('scheme'), raw);
    }
  });

  it('refuses credentials in the URL', () => {
    for (const raw of [
      'https://user:pass@example.com/',
      'https://user@example.com/',
      'https://:pw@example.com/',
    ]) {
      assert.throws(() => parseOutboundUrl(raw), refusedWith('credentials'), raw);
    }
  });

  it(`refuses a URL longer than ${MAX_URL_LENGTH} characters, and keeps one at the limit`, () => {
    const base = 'https://example.com/';
    assert.doesNotThrow(() => parseOutboundUrl(base + 'a'.repeat(MAX_URL_LENGTH - base.length)));
    assert.throws(
      () => parseOutboundUrl(base + 'a'.repeat(MAX_URL_LENGTH - base.length + 1)),
      refusedWith('too_long'),
    );
  });

  it('refuses what is not a URL', () => {
    for (const raw of ['', 'example.com', 'http://', 'http://[::1/', 'http://1.2.3.4.5/']) {
      assert.throws(() => parseOutboundUrl(raw), refusedWith('invalid'), raw);
    }
  });

  it('never puts the URL into the error message', () => {
    assert.throws(
      () => parseOutboundUrl('ftp://secret-token@example.com/'),
      (err: Error) => !err.message.includes('secret-token'),
    );
  });
});

describe('assertPublicUrl', () => {
  it('refuses private IP-literal hosts in every spelling, without DNS', async () => {
    const calls: unknown[] = [];
    const lookup = fakeDns({}, calls);
    const cases: Array<[string, string]> = [
      ['http://127.0.0.1/', '127.0.0.1'],
      ['http://10.0.0.1/', '10.0.0.1'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://[::1]/', '::1'],
      ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
      ['http://0x7f.1/', '127.0.0.1'],
      ['http://2130706433/', '127.0.0.1'],
      ['http://017700000001/', '127.0.0.1'],
      ['http://0/', '0.0.0.0'],
      ['https://[fd00:ec2::254]/', 'fd00:ec2::254'],
      ['http://100.100.100.200/', '100.100.100.200'],
      ['http://[64:ff9b::10.0.0.1]/', '64:ff9b::a00:1'],
      ['http://[2002:7f00:1::]/', '2002:7f00:1::'],
    ];
    for (const [raw, address] of cases) {
      await assert.rejects(
        assertPublicUrl(raw, { allowPrivate: false, lookup }),
        refusedWith('private_address', address),
        raw,
      );
    }
    assert.equal(calls.length, 0);
  });

  it('accepts public IP-literal hosts', async () => {
    const url = await assertPublicUrl('https://93.184.215.14/hook', {
      allowPrivate: false,
      lookup: fakeDns({}),
    });
    assert.equal(url.href, 'https://93.184.215.14/hook');
    await assertPublicUrl('https://[2606:4700::1111]/', { allowPrivate: false, lookup: fakeDns({}) });
  });

  it('resolves every address of a name and accepts it when all are public', async () => {
    const calls: Array<{ hostname: string; options: unknown }> = [];
    const lookup = fakeDns({ 'hooks.example.test': ['93.184.215.14', '2606:4700::1111'] }, calls);
    const url = await assertPublicUrl('https://hooks.example.test/in', { allowPrivate: false, lookup });
    assert.equal(url.hostname, 'hooks.example.test');
    assert.deepEqual(calls, [{ hostname: 'hooks.example.test', options: { all: true } }]);
  });

  it('refuses a name resolving to a private address', async () => {
    const lookup = fakeDns({
      'evil.test': ['10.0.0.1'],
      'loop.test': ['127.0.0.1'],
      'meta.test': ['169.254.169.254'],
    });
    for (const [host, ip] of [
      ['evil.test', '10.0.0.1'],
      ['loop.test', '127.0.0.1'],
      ['meta.test', '169.254.169.254'],
    ]) {
      await assert.rejects(
        assertPublicUrl(`https://${host}/`, { allowPrivate: false, lookup }),
        refusedWith('private_address', ip),
      );
    }
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const lookup = fakeDns({ 'mixed.test': ['93.184.215.14', '::1'] });
    await assert.rejects(
      assertPublicUrl('https://mixed.test/', { allowPrivate: false, lookup }),
      refusedWith('private_address', '::1'),
    );
  });

  it('refuses a name that does not resolve', async () => {
    const lookup = fakeDns({ 'empty.test': [] });
    for (const host of ['nowhere.test', 'empty.test']) {
      await assert.rejects(
        assertPublicUrl(`https://${host}/`, { allowPrivate: false, lookup }),
        refusedWith('unresolvable'),
      );
    }
  });

  it('still refuses bad schemes and credentials when private addresses are allowed', async () => {
    await assert.rejects(
      assertPublicUrl('file:///etc/passwd', { allowPrivate: true }),
      refusedWith('scheme'),
    );
    await assert.rejects(
      assertPublicUrl('http://a:b@localhost/', { allowPrivate: true }),
      refusedWith('credentials'),
    );
  });

  it('allowPrivate lets private hosts through without resolving them', async () => {
    const calls: unknown[] = [];
    const lookup = fakeDns({}, calls);
    await assertPublicUrl('http://127.0.0.1:3000/', { allowPrivate: true, lookup });
    await assertPublicUrl('http://localhost:3000/', { allowPrivate: true, lookup });
    assert.equal(calls.length, 0);
  });

  it('allowAddresses lets exactly the listed addresses through, in any spelling', async () => {
    const lookup = fakeDns({ 'internal.test': ['10.1.2.3'], 'other.test': ['10.1.2.4'] });
    const options = { allowPrivate: false, lookup, allowAddresses: ['10.1.2.3', '0:0:0:0:0:0:0:1'] };
    await assertPublicUrl('http://internal.test/', options);
    await assertPublicUrl('http://[::1]/', options);
    await assert.rejects(
      assertPublicUrl('http://other.test/', options),
      refusedWith('private_address', '10.1.2.4'),
    );
    await assert.rejects(assertPublicUrl('http://127.0.0.1/', options), refusedWith('private_address'));
  });
});
