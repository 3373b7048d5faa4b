import { describe, expect, it } from 'vitest';
import { ValidationFailed } from '../../../shared/domain/errors.ts';
import { MalformedXml, UnsafeXml, XmlTooLarge, buildXml, cdata, parseFlatXml, parseXml } from '../../../shared/channels/xml.ts';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

describe('hardened XML parsing: refused before parsing', () => {
  it('refuses XXE (an external entity in a DOCTYPE)', () => {
    const body = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>';
    expect(() => parseXml(body)).toThrow(UnsafeXml);
  });

  it('refuses billion laughs', () => {
    const body = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><Content>&lol3;</Content></xml>`;
    expect(() => parseFlatXml(body)).toThrow(UnsafeXml);
  });

  it('refuses a DOCTYPE in any case, and a bare ENTITY declaration', () => {
    expect(() => parseXml('<!doctype xml><xml/>')).toThrow(UnsafeXml);
    expect(() => parseXml('<!DocType xml SYSTEM "http://evil/x.dtd"><xml/>')).toThrow(UnsafeXml);
    expect(() => parseXml('<xml><!entity x "y"></xml>')).toThrow(UnsafeXml);
  });

  it('refuses a body over the cap (64 KB by default, bytes not characters)', () => {
    const big = `<xml><Content>${'a'.repeat(64 * 1024)}</Content></xml>`;
    expect(() => parseXml(big)).toThrow(XmlTooLarge);
    // 22,000 Chinese characters are 66,000 bytes of UTF-8.
    expect(() => parseXml(`<xml><C>${'诉'.repeat(22_000)}</C></xml>`)).toThrow(XmlTooLarge);
    expect(() => parseXml('<xml><C>12345</C></xml>', 20)).toThrow(XmlTooLarge);
    expect(parseXml('<xml><C>12345</C></xml>', 1024)).toEqual({ xml: { C: '12345' } });
  });

  it('refuses malformed XML with a MalformedXml', () => {
    for (const bad of ['<xml><a></xml>', 'not xml', '', '<xml><Content>x</Content>', '<xml a="1></xml>']) {
      expect(() => parseXml(bad), bad).toThrow(MalformedXml);
    }
  });

  it('refusals are ValidationFailed, so a handler answers 400 rather than 500', () => {
    expect(() => parseXml('<!DOCTYPE x><x/>')).toThrow(ValidationFailed);
    expect(() => parseXml('<x>')).toThrow(ValidationFailed);
  });
});

describe('hardened XML parsing: values stay exact strings', () => {
  it('keeps numeric-looking content as written', () => {
    const f = parseFlatXml('<xml><Content>00123</Content><MsgId>4363689963896700987</MsgId><Lat>1e5</Lat><B>true</B><H>0x1F</H></xml>');
    expect(f).toEqual({ Content: '00123', MsgId: '4363689963896700987', Lat: '1e5', B: 'true', H: '0x1F' });
  });

  it('trims values, decodes the predefined entities in text but leaves CDATA verbatim', () => {
    const f = parseFlatXml('<xml><A>  a &amp; b &lt;c&gt; &#20013;&#x6587;  </A><B><![CDATA[x &amp; y]]></B><C>&unknown;</C><D></D></xml>');
    expect(f).toEqual({ A: 'a & b <c> 中文', B: 'x &amp; y', C: '&unknown;', D: '' });
  });

  it('ignores the XML declaration and attributes', () => {
    expect(parseFlatXml('<?xml version="1.0" encoding="UTF-8"?><xml id="1"><A k="v">1</A></xml>')).toEqual({ A: '1' });
  });

  it('flattens only leaf children of the root, keeping the first of repeated ones', () => {
    const f = parseFlatXml('<xml><A>1</A><A>2</A><Nested><X>1</X></Nested><B/></xml>');
    expect(f).toEqual({ A: '1', B: '' });
  });

  it('needs the expected root', () => {
    expect(() => parseFlatXml('<other><A>1</A></other>')).toThrow('<xml>');
    expect(parseFlatXml('<Response><A>1</A></Response>', 'Response')).toEqual({ A: '1' });
  });

  it('refuses prototype-polluting element names', () => {
    expect(() => parseFlatXml('<xml><__proto__><polluted>1</polluted></__proto__></xml>')).toThrow(MalformedXml);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('buildXml', () => {
  it('escapes text, writes cdata() as CDATA, numbers plain and empty or null values as empty elements', () => {
    expect(buildXml({ r: { t: 'a<b>&"c"', c: cdata('中文'), n: 42, e: '', z: null, u: undefined } })).toBe(
      '<r><t>a&lt;b&gt;&amp;&quot;c&quot;</t><c><![CDATA[中文]]></c><n>42</n><e/><z/></r>',
    );
  });

  it('writes arrays as repeated elements and can add the declaration', () => {
    expect(buildXml({ list: { item: [{ k: 1 }, { k: 2 }] } }, { declaration: true })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><list><item><k>1</k></item><item><k>2</k></item></list>',
    );
  });

  it('splits "]]>" so the CDATA section stays well-formed and round-trips', () => {
    const xml = buildXml({ xml: { C: cdata('x]]>y') } });
    expect(xml).toBe('<xml><C><![CDATA[x]]]]><![CDATA[>y]]></C></xml>');
    expect(parseFlatXml(xml).C).toBe('x]]>y');
  });

  it('round-trips escaped text through the hardened parser', () => {
    const text = 'Tom & Jerry <3 "quotes" \'apos\'';
    expect(parseFlatXml(buildXml({ xml: { T: text } })).T).toBe(text);
  });
});
