import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkJpeg, checkJpegYielding } from '../../drivers/cctv/jpeg.ts';
import { authorizationHeader, parseChallenges } from '../../drivers/cctv/auth.ts';
import { decodeResponse, encodeGetRequest } from '../../drivers/cctv/snmp.ts';
import { videoCodecOf } from '../../drivers/cctv/rtsp-client.ts';
import { cameraUtcMs } from '../../drivers/cctv/probes/onvif.ts';
import { Secret } from '../../core/secret.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'cctv');

describe('checkJpeg', () => {
  const street = readFileSync(join(fixtures, 'street.jpg'));
  const flat = readFileSync(join(fixtures, 'flat.jpg'));

  it('a camera-like picture is valid, with its size and a wide brightness spread', () => {
    const check = checkJpeg(street);
    expect(check).toMatchObject({ valid: true, width: 320, height: 240, progressive: false });
    expect(check.spread).toBeGreaterThan(20);
  });

  it('the yielding check (used by the probe) gives the same answers', async () => {
    expect(await checkJpegYielding(street)).toEqual(checkJpeg(street));
    expect(await checkJpegYielding(street.subarray(0, 5000))).toEqual(checkJpeg(street.subarray(0, 5000)));
  });

  it('a one-colour picture is valid but has no spread', () => {
    const check = checkJpeg(flat);
    expect(check.valid).toBe(true);
    expect(check.spread).toBeLessThan(1);
  });

  it('a picture cut short is invalid', () => {
    expect(checkJpeg(street.subarray(0, street.length - 200)).valid).toBe(false);
    expect(checkJpeg(street.subarray(0, 300))).toMatchObject({ valid: false });
  });

  it('an HTML error page served as image/jpeg is invalid', () => {
    expect(checkJpeg(Buffer.from('<html><body>401</body></html>'))).toMatchObject({ valid: false, problem: expect.stringMatching(/not a JPEG/) });
  });
});

describe('HTTP/RTSP authentication', () => {
  it('digest MD5 with qop=auth matches RFC 2617 section 3.5', () => {
    const [challenge] = parseChallenges(['Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"']);
    const header = authorizationHeader(challenge!, { username: 'Mufasa', password: new Secret('Circle Of Life', 'test') }, 'GET', '/dir/index.html', 1, '0a4f113b');
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    expect(header).toContain('nc=00000001');
  });

  it('digest SHA-256 matches RFC 7616 section 3.9.1', () => {
    const [challenge] = parseChallenges(['Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"']);
    const header = authorizationHeader(challenge!, { username: 'Mufasa', password: new Secret('Circle of Life', 'test') }, 'GET', '/dir/index.html', 1, 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
    expect(header).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
  });

  it('basic is base64 of user:password, and digest is preferred when both are offered', () => {
    const challenges = parseChallenges(['Basic realm="cam"', 'Digest realm="cam", nonce="abc"']);
    expect(challenges.map((c) => c.scheme)).toEqual(['digest', 'basic']);
    expect(authorizationHeader(challenges[1]!, { username: 'admin', password: new Secret('12345', 'test') }, 'GET', '/')).toBe('Basic YWRtaW46MTIzNDU=');
  });
});

describe('SNMPv2c BER', () => {
  it('encodes a GetRequest byte for byte', () => {
    const packet = encodeGetRequest('public', 1, ['1.3.6.1.2.1.1.1.0']);
    expect(packet.toString('hex')).toBe('302602010104067075626c6963a019020101020100020100300e300c06082b060102010101000500');
  });

  it('decodes a response: integers (also negative), gauges, large OID arcs, noSuchInstance', () => {
    // Response to request 77: pethPsePortDetectionStatus.1.7 = 3, enterprise .99999.1.7 = Gauge32 6500,
    // .99999.2 = INTEGER -2, .99999.3 = noSuchInstance. Built with an independent little BER writer.
    const fixed = responsePacket();
    const { requestId, varbinds } = decodeResponse(Buffer.from(fixed, 'hex'));
    expect(requestId).toBe(77);
    expect(varbinds).toEqual([
      { oid: '1.3.6.1.2.1.105.1.1.1.6.1.7', value: 3, type: 0x02 },
      { oid: '1.3.6.1.4.1.99999.1.7', value: 6500, type: 0x42 },
      { oid: '1.3.6.1.4.1.99999.2', value: -2, type: 0x02 },
      { oid: '1.3.6.1.4.1.99999.3', value: null, type: 0x81 },
    ]);
  });

  it('an error status is an error', () => {
    const packet = encodeGetRequest('public', 5, ['1.3.6.1.2.1.1.1.0']);
    packet[13] = 0xa2; // make it a Response
    packet[20] = 2; // error-status noSuchName
    expect(() => decodeResponse(packet)).toThrow(/error 2/);
  });
});

/** A Response PDU written by hand, TLV by TLV (short lengths only), as hex. */
function responsePacket(): string {
  const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag, content.length]), content]);
  const int = (n: number): Buffer => tlv(0x02, Buffer.from(n < 0 ? [n & 0xff] : [n]));
  const oid = (hex: string): Buffer => tlv(0x06, Buffer.from(hex, 'hex'));
  const varbind = (o: Buffer, v: Buffer): Buffer => tlv(0x30, Buffer.concat([o, v]));
  const varbinds = Buffer.concat([
    varbind(oid('2b0601020169010101060107'), Buffer.from('020103', 'hex')),
    varbind(oid('2b06010401868d1f0107'), Buffer.from('42021964', 'hex')),
    varbind(oid('2b06010401868d1f02'), int(-2)),
    varbind(oid('2b06010401868d1f03'), Buffer.from('8100', 'hex')),
  ]);
  const pdu = tlv(0xa2, Buffer.concat([int(77), int(0), int(0), tlv(0x30, varbinds)]));
  return tlv(0x30, Buffer.concat([int(1), tlv(0x04, Buffer.from('public')), pdu])).toString('hex');
}

describe('SDP and ONVIF parsing', () => {
  it('takes the codec of the first video track, with dynamic and static payload types', () => {
    const sdp = ['v=0', 'm=audio 0 RTP/AVP 97', 'a=rtpmap:97 MPEG4-GENERIC/16000', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=fmtp:96 packetization-mode=1'].join('\r\n');
    expect(videoCodecOf(sdp)).toBe('H264');
    expect(videoCodecOf('v=0\r\nm=video 0 RTP/AVP 26\r\n')).toBe('JPEG');
    expect(videoCodecOf('v=0\nm=video 0 RTP/AVP 98\na=rtpmap:98 H265/90000\n')).toBe('H265');
    expect(videoCodecOf('v=0\r\nm=audio 0 RTP/AVP 0\r\n')).toBeUndefined();
  });

  it('reads the UTC clock of a GetSystemDateAndTimeResponse whatever the namespace prefix', () => {
    const xml =
      '<env:Envelope><env:Body><tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:LocalDateTime><tt:Time><tt:Hour>1</tt:Hour></tt:Time></tt:LocalDateTime>' +
      '<tt:UTCDateTime><tt:Time><tt:Hour>7</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>9</tt:Second></tt:Time>' +
      '<tt:Date><tt:Year>2026</tt:Year><tt:Month>3</tt:Month><tt:Day>14</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></env:Body></env:Envelope>';
    expect(new Date(cameraUtcMs(xml)!).toISOString()).toBe('2026-03-14T07:05:09.000Z');
    expect(cameraUtcMs('<Envelope><Body/></Envelope>')).toBeUndefined();
  });
});
