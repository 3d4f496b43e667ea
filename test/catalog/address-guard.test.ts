import { describe, expect, it } from 'vitest';
import {
  addressRefusal, embeddedIPv4, EMPTY_ALLOW_LIST, isAllowListEntry, parseAllowList, refusalReason,
} from '../../src/catalog/address-guard.js';
import { loadConfig } from '../../src/config.js';

describe('refusalReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['::', 'unspecified'],
    ['10.0.0.1', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'], ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'], ['169.254.0.1', 'link-local'], ['fe80::1', 'link-local'], ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'], ['fd12:3456::1', 'unique-local'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'], ['240.0.0.1', 'reserved'],
  ])('refuses %s as %s', (address, reason) => {
    expect(refusalReason(address)).toBe(reason);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a00:1', 'private'], ['::ffff:192.168.0.1', 'private'], ['::127.0.0.1', 'loopback'], ['::7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'link-local'],
  ])('refuses the IPv6 form %s of an IPv4 address as %s', (address, reason) => {
    expect(refusalReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '223.255.255.255', '2606:4700::1111', '::ffff:8.8.8.8', '2001:db8::1'])(
    'lets the public address %s through',
    (address) => expect(refusalReason(address)).toBeNull(),
  );

  it('refuses decimal, octal and hex spellings of 127.0.0.1 once the URL parser has normalised them', () => {
    for (const url of ['http://2130706433/', 'http://0177.0.0.1/', 'http://0x7f.1/', 'http://0x7f000001/', 'http://127.1/']) {
      const { hostname } = new URL(url);
      expect(hostname).toBe('127.0.0.1');
      expect(refusalReason(hostname)).toBe('loopback');
    }
    expect(refusalReason(new URL('http://0xa9.0xfe.0xa9.0xfe/').hostname)).toBe('link-local');
  });

  it('reads the address carried by an IPv4-mapped or compatible IPv6 address', () => {
    expect(embeddedIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIPv4('::ffff:192.168.0.1')).toBe('192.168.0.1');
    expect(embeddedIPv4('::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIPv4('::1')).toBeNull();
    expect(embeddedIPv4('2001:db8::1')).toBeNull();
  });
});

describe('addressRefusal with FETCH_ALLOWED_PRIVATE', () => {
  it('refuses everything internal when the allow-list is empty', () => {
    expect(addressRefusal('127.0.0.1', EMPTY_ALLOW_LIST, 'localhost')).toBe('loopback');
    expect(addressRefusal('93.184.215.14', EMPTY_ALLOW_LIST, 'example.com')).toBeNull();
  });

  it('lets through the addresses inside an allowed CIDR, and only those', () => {
    const allow = parseAllowList(['127.0.0.1/32', '10.20.0.0/16', 'fd00:1::/32']);
    expect(addressRefusal('127.0.0.1', allow)).toBeNull();
    expect(addressRefusal('127.0.0.2', allow)).toBe('loopback');
    expect(addressRefusal('10.20.3.4', allow)).toBeNull();
    expect(addressRefusal('10.21.0.1', allow)).toBe('private');
    expect(addressRefusal('fd00:1::5', allow)).toBeNull();
    expect(addressRefusal('fd00:2::5', allow)).toBe('unique-local');
    expect(addressRefusal('169.254.169.254', allow)).toBe('link-local');
  });

  it('applies an IPv4 CIDR to the IPv6 forms of its addresses', () => {
    const allow = parseAllowList(['127.0.0.0/8']);
    expect(addressRefusal('::ffff:127.0.0.1', allow)).toBeNull();
    expect(addressRefusal('::ffff:a00:1', allow)).toBe('private');
  });

  it('takes a single address as a CIDR of its own length', () => {
    const allow = parseAllowList(['192.168.1.10', '::1']);
    expect(addressRefusal('192.168.1.10', allow)).toBeNull();
    expect(addressRefusal('192.168.1.11', allow)).toBe('private');
    expect(addressRefusal('::1', allow)).toBeNull();
  });

  it('lets every address of an allowed host name through, matching the name exactly', () => {
    const allow = parseAllowList(['Catalog.Internal.', 'localhost']);
    expect(addressRefusal('10.0.0.5', allow, 'catalog.internal')).toBeNull();
    expect(addressRefusal('10.0.0.5', allow, 'CATALOG.internal.')).toBeNull();
    expect(addressRefusal('127.0.0.1', allow, 'localhost')).toBeNull();
    expect(addressRefusal('10.0.0.5', allow, 'evil.catalog.internal')).toBe('private');
    expect(addressRefusal('10.0.0.5', allow, 'catalog.internal.evil.example')).toBe('private');
    expect(addressRefusal('10.0.0.5', allow)).toBe('private');
  });

  it('accepts CIDRs, addresses and host names as entries, nothing else', () => {
    for (const entry of ['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::1', 'localhost', 'catalog.internal']) expect(isAllowListEntry(entry)).toBe(true);
    for (const entry of ['10.0.0.0/33', '10.0.0.0/', '10.0.0/8', '*.internal', 'http://10.0.0.1', '10.0.0', 'fd00::/129', 'a b']) {
      expect(isAllowListEntry(entry)).toBe(false);
    }
    expect(() => parseAllowList(['*.internal'])).toThrow(TypeError);
  });

  it('reads the setting as a comma-separated list, empty by default, and stops on a bad entry', () => {
    expect(loadConfig({}).FETCH_ALLOWED_PRIVATE).toEqual([]);
    expect(loadConfig({ FETCH_ALLOWED_PRIVATE: ' 127.0.0.1/32, localhost ,' }).FETCH_ALLOWED_PRIVATE).toEqual(['127.0.0.1/32', 'localhost']);
    expect(() => loadConfig({ FETCH_ALLOWED_PRIVATE: '10.0.0.0/8,*.internal' })).toThrow(/Invalid setting FETCH_ALLOWED_PRIVATE/);
  });
});
