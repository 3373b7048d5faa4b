/**
 * Hardened XML for the channels (WeChat bodies, Open311 and TwiML output).
 * Inbound XML comes from the internet, so a body is refused before parsing if
 * it is too large or declares a DOCTYPE/ENTITY (XXE, billion laughs), and
 * values are never coerced: `00123` and a 19-digit MsgId stay exact strings.
 */
import type { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { BadPayload } from './errors.ts';

export const DEFAULT_MAX_XML_BYTES = 64 * 1024;

/** The body tries something XML can be made to do against us (DOCTYPE, ENTITY). */
export class UnsafeXml extends BadPayload {
  override readonly name: string = 'UnsafeXml';
}

/** Bigger than the cap: refused unread (a handler may answer 413, like any body over 64 KB). */
export class XmlTooLarge extends UnsafeXml {
  override readonly name = 'XmlTooLarge';
}

export class MalformedXml extends BadPayload {
  override readonly name = 'MalformedXml';
}

export type XmlValue = string | XmlTree | XmlValue[];
export interface XmlTree {
  [name: string]: XmlValue;
}

const CDATA = '#cdata';
const TEXT = '#text';

interface Xml {
  readonly parser: XMLParser;
  readonly builder: XMLBuilder;
  readonly validate: typeof XMLValidator.validate;
}
let xml: Xml | undefined;

/**
 * Loads the XML library (a chunk of its own in the Lambda bundle): only the
 * paths that read or write XML pay for it. Await it before the functions below.
 */
export async function xmlReady(): Promise<void> {
  if (xml) return;
  const { XMLBuilder, XMLParser, XMLValidator } = await import('fast-xml-parser');
  xml = { parser: new XMLParser(PARSER_OPTIONS), builder: new XMLBuilder(BUILDER_OPTIONS), validate: XMLValidator.validate };
}

function loaded(): Xml {
  if (!xml) throw new Error('the XML library is not loaded: await xmlReady() on this path first');
  return xml;
}

const PARSER_OPTIONS = {
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  // Kept apart so entity references are decoded in text but never inside CDATA.
  cdataPropName: CDATA,
  maxNestedTags: 32,
};

const UNSAFE = /<!\s*(DOCTYPE|ENTITY)/i;

/** Parse a whole document into strings and nested objects (repeated elements become arrays). */
export function parseXml(body: string, maxBytes = DEFAULT_MAX_XML_BYTES): XmlTree {
  if (Buffer.byteLength(body, 'utf8') > maxBytes) throw new XmlTooLarge(`XML body is over ${maxBytes} bytes`);
  if (UNSAFE.test(body)) throw new UnsafeXml('XML with a DOCTYPE or ENTITY declaration is refused');
  const { parser, validate } = loaded();
  const valid = validate(body);
  if (valid !== true) throw new MalformedXml(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch (error) {
    throw new MalformedXml(error instanceof Error ? error.message : String(error));
  }
  const tree = normalize(parsed);
  if (typeof tree !== 'object' || Array.isArray(tree) || Object.keys(tree).length === 0) {
    throw new MalformedXml('XML has no root element');
  }
  return tree;
}

/**
 * A WeChat-style `<xml>…</xml>` as a flat map of its leaf children. Nested
 * elements (some event payloads have them) are left out; a repeated element
 * keeps its first value.
 */
export function parseFlatXml(body: string, root = 'xml', maxBytes = DEFAULT_MAX_XML_BYTES): Record<string, string> {
  const tree = parseXml(body, maxBytes);
  const top = Object.hasOwn(tree, root) ? tree[root] : undefined;
  if (top === undefined) throw new MalformedXml(`expected a <${root}> root element`);
  if (typeof top !== 'object' || Array.isArray(top)) return {};
  const flat = new Map<string, string>();
  for (const [name, value] of Object.entries(top)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') flat.set(name, first);
  }
  return Object.fromEntries(flat);
}

/** Leaf text becomes one trimmed string (entities decoded, CDATA verbatim); elements stay objects. */
function normalize(node: unknown): XmlValue {
  if (typeof node === 'string') return decodeEntities(node).trim();
  if (Array.isArray(node)) return node.map(normalize);
  if (node === null || typeof node !== 'object') return '';
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([k]) => k === CDATA || k === TEXT)) {
    const record = node as Record<string, unknown>;
    const text = typeof record[TEXT] === 'string' ? decodeEntities(record[TEXT]) : '';
    const cdata = record[CDATA];
    return (text + (Array.isArray(cdata) ? cdata.join('') : String(cdata ?? ''))).trim();
  }
  // defineProperty: an element named __proto__ is data like any other, never the object's prototype.
  const out: XmlTree = {};
  for (const [k, v] of entries) {
    if (k !== TEXT && k !== CDATA) Object.defineProperty(out, k, { value: normalize(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Hand-written because processEntities is off (so the library's entity
 * machinery never runs on hostile input): only XML's five predefined entities
 * and character references are decoded; anything else stays literal.
 */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (!ref.startsWith('#')) return PREDEFINED[ref] ?? whole;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

/** Characters XML 1.0 cannot carry at all (escaped or not): dropped so a reply always parses. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const BUILDER_OPTIONS = {
  ignoreAttributes: true,
  cdataPropName: CDATA,
  suppressEmptyNode: true,
  processEntities: true,
  format: false,
  tagValueProcessor: (_name: string, value: unknown) => (typeof value === 'string' ? value.replace(NOT_XML_CHAR, '') : value),
};

/** A text value written as CDATA (what WeChat expects for strings); a `]]>` inside is split safely by the builder. */
export function cdata(text: string): { readonly [CDATA]: string } {
  return { [CDATA]: text.replace(NOT_XML_CHAR, '') };
}

export type BuildValue = string | number | boolean | null | undefined | { readonly [CDATA]: string } | BuildTree | readonly BuildValue[];
export interface BuildTree {
  readonly [name: string]: BuildValue;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Serialize a tree (text escaped, `cdata()` values as CDATA, empty elements as `<x/>`), no whitespace added. */
export function buildXml(tree: BuildTree, options: { declaration?: boolean } = {}): string {
  const xml = loaded().builder.build(tree) as string;
  return options.declaration ? DECLARATION + xml : xml;
}
