/**
 * Location data out of photos before they are stored (a resident's photo of
 * a leak is taken at home). Hand-written because no well-kept JavaScript
 * library cleans all four formats a phone sends: exif-be-gone and exifremove
 * handle JPEG only, and sharp re-encodes (losing quality), is native code and
 * cannot read HEIC. The independent check is exifr (and the fixtures are
 * written by exiftool): see test/unit/media.test.ts.
 *
 * Every format carries EXIF as a TIFF structure; its GPS directory is emptied
 * in place (entries and the values they point to zeroed), which keeps every
 * length and offset of the container valid and keeps the rest of EXIF — the
 * orientation above all, without which a phone photo shows on its side. XMP,
 * which may repeat the location, and free-text metadata are dropped (blanked
 * inside HEIC, whose item offsets must not move). What cannot be parsed with
 * certainty is refused rather than stored: CannotClean.
 */
import { crc32 } from 'node:zlib';

export class CannotClean extends Error {
  override readonly name = 'CannotClean';
}

export interface Cleaned {
  readonly bytes: Buffer;
  /** A GPS directory or XMP packet was found and removed. */
  readonly locationRemoved: boolean;
}

const fail = (why: string): never => {
  throw new CannotClean(why);
};

/** Bytes of one value of each TIFF field type (1 BYTE … 13 IFD). */
const TYPE_SIZE: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
const GPS_IFD_TAG = 0x8825;

/**
 * Empty the GPS directory of the TIFF at buf[start, end), in place. Answers
 * whether there was one. Offsets are relative to `start`; any that points
 * outside the TIFF makes it unreadable, hence refused.
 */
export function scrubTiffGps(buf: Buffer, start: number, end: number): boolean {
  const len = end - start;
  if (len < 8) return fail('EXIF too short');
  const order = buf.toString('latin1', start, start + 2);
  if (order !== 'II' && order !== 'MM') return fail('EXIF has no byte order');
  const le = order === 'II';
  const at = (off: number, size: number) => {
    if (off < 0 || off + size > len) fail('EXIF points outside itself');
    return start + off;
  };
  const u16 = (off: number) => (le ? buf.readUInt16LE(at(off, 2)) : buf.readUInt16BE(at(off, 2)));
  const u32 = (off: number) => (le ? buf.readUInt32LE(at(off, 4)) : buf.readUInt32BE(at(off, 4)));
  if (u16(2) !== 42) return fail('EXIF is not TIFF');
  let found = false;
  const seen = new Set<number>();
  // IFD0, IFD1 (the thumbnail's): either may point to a GPS directory.
  for (let ifd = u32(4); ifd !== 0; ifd = u32(ifd + 2 + u16(ifd) * 12)) {
    if (seen.has(ifd) || seen.size > 8) return fail('EXIF directories loop');
    seen.add(ifd);
    const count = u16(ifd);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * 12;
      if (u16(entry) !== GPS_IFD_TAG) continue;
      emptyDirectory(u32(entry + 8));
      found = true;
    }
  }
  return found;

  function emptyDirectory(gps: number) {
    const count = u16(gps);
    for (let i = 0; i < count; i++) {
      const entry = gps + 2 + i * 12;
      const size = (TYPE_SIZE[u16(entry + 2)] ?? 1) * u32(entry + 4);
      // Values over four bytes (the coordinates: rationals) live elsewhere; zero them there.
      if (size > 4) buf.fill(0, at(u32(entry + 8), size), at(u32(entry + 8), size) + size);
    }
    buf.fill(0, at(gps, 2 + count * 12 + 4), at(gps, 2 + count * 12 + 4) + 2 + count * 12 + 4);
  }
}

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const XMP_HEADERS = ['http://ns.adobe.com/xap/1.0/\0', 'http://ns.adobe.com/xmp/extension/\0'].map((h) => Buffer.from(h, 'latin1'));

/** JPEG: EXIF's GPS emptied in APP1; XMP (APP1), IPTC (APP13) and comments dropped; everything else copied. */
function cleanJpeg(input: Buffer): Cleaned {
  const buf = Buffer.from(input);
  const out: Buffer[] = [buf.subarray(0, 2)];
  let removed = false;
  let i = 2;
  while (i < buf.length) {
    if (buf[i] !== 0xff) return fail('JPEG segment does not start with a marker');
    const marker = buf[i + 1] ?? fail('JPEG ends inside a marker');
    if (marker === 0xff) {
      i++;
      continue;
    }
    // Markers without a length: RSTn, TEM, and the end of the image (whatever follows is copied as it is).
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      out.push(buf.subarray(i, i + 2));
      i += 2;
      continue;
    }
    if (marker === 0xd9) {
      out.push(buf.subarray(i));
      break;
    }
    if (i + 4 > buf.length) return fail('JPEG ends inside a segment');
    const end = i + 2 + buf.readUInt16BE(i + 2);
    if (end > buf.length) return fail('JPEG segment runs past the end');
    const data = buf.subarray(i + 4, end);
    if (marker === 0xe1 && data.subarray(0, 6).equals(EXIF_HEADER)) {
      removed = scrubTiffGps(buf, i + 10, end) || removed;
      out.push(buf.subarray(i, end));
    } else if (marker === 0xe1 && XMP_HEADERS.some((h) => data.subarray(0, h.length).equals(h))) {
      removed = true;
    } else if (marker !== 0xed && marker !== 0xfe) {
      out.push(buf.subarray(i, end));
    }
    i = end;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      let j = i;
      while (j + 1 < buf.length && !(buf[j] === 0xff && buf[j + 1] !== 0x00 && !(buf[j + 1]! >= 0xd0 && buf[j + 1]! <= 0xd7))) j++;
      out.push(buf.subarray(i, j));
      i = j;
      if (j + 1 >= buf.length) {
        out.push(buf.subarray(j));
        break;
      }
    }
  }
  return { bytes: Buffer.concat(out), locationRemoved: removed };
}

const PNG_TEXT = new Set(['tEXt', 'zTXt', 'iTXt']);

/** PNG: eXIf's GPS emptied (its CRC recomputed); text chunks — where XMP and ImageMagick's raw EXIF live — dropped. */
function cleanPng(input: Buffer): Cleaned {
  const buf = Buffer.from(input);
  const out: Buffer[] = [buf.subarray(0, 8)];
  let removed = false;
  let i = 8;
  while (i < buf.length) {
    if (i + 12 > buf.length) return fail('PNG ends inside a chunk');
    const length = buf.readUInt32BE(i);
    const type = buf.toString('latin1', i + 4, i + 8);
    const end = i + 12 + length;
    if (end > buf.length) return fail('PNG chunk runs past the end');
    if (type === 'eXIf') {
      removed = scrubTiffGps(buf, i + 8, i + 8 + length) || removed;
      buf.writeUInt32BE(crc32(buf.subarray(i + 4, i + 8 + length)), i + 8 + length);
    }
    if (PNG_TEXT.has(type)) removed = true;
    else out.push(buf.subarray(i, end));
    i = end;
    if (type === 'IEND') break;
  }
  return { bytes: Buffer.concat(out), locationRemoved: removed };
}

/** WebP: the EXIF chunk's GPS emptied, the XMP chunk dropped (and its flag in VP8X cleared). */
function cleanWebp(input: Buffer): Cleaned {
  const buf = Buffer.from(input);
  if (buf.length < 12 || buf.toString('latin1', 8, 12) !== 'WEBP') return fail('not a WebP');
  const chunks: Buffer[] = [];
  let removed = false;
  let vp8x: Buffer | undefined;
  for (let i = 12; i < buf.length; ) {
    if (i + 8 > buf.length) return fail('WebP ends inside a chunk');
    const type = buf.toString('latin1', i, i + 4);
    const size = buf.readUInt32LE(i + 4);
    const end = i + 8 + size + (size % 2);
    if (i + 8 + size > buf.length) return fail('WebP chunk runs past the end');
    const chunk = buf.subarray(i, Math.min(end, buf.length));
    if (type === 'EXIF') {
      const tiff = buf.subarray(i + 8, i + 14).equals(EXIF_HEADER) ? i + 14 : i + 8;
      removed = scrubTiffGps(buf, tiff, i + 8 + size) || removed;
    }
    if (type === 'XMP ') removed = true;
    else chunks.push(chunk);
    if (type === 'VP8X') vp8x = chunk;
    i = end;
  }
  // The flag says an XMP chunk follows; a reader may look for one that is gone.
  if (vp8x && vp8x.length > 8) vp8x[8] = vp8x[8]! & ~0x04;
  const body = Buffer.concat(chunks);
  const header = Buffer.from(buf.subarray(0, 12));
  header.writeUInt32LE(4 + body.length, 4);
  return { bytes: Buffer.concat([header, body]), locationRemoved: removed };
}

interface Box {
  readonly type: string;
  /** Where its content starts (after the header) and where the box ends. */
  readonly start: number;
  readonly end: number;
}

function boxes(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let i = from; i < to; ) {
    if (i + 8 > to) return fail('HEIC ends inside a box header');
    let size = buf.readUInt32BE(i);
    let header = 8;
    if (size === 1) {
      if (i + 16 > to) return fail('HEIC ends inside a box header');
      size = Number(buf.readBigUInt64BE(i + 8));
      header = 16;
    } else if (size === 0) {
      size = to - i;
    }
    if (size < header || i + size > to) return fail('HEIC box runs past its parent');
    out.push({ type: buf.toString('latin1', i + 4, i + 8), start: i + header, end: i + size });
    i += size;
  }
  return out;
}

function cString(buf: Buffer, from: number, to: number): [string, number] {
  const nul = buf.indexOf(0, from);
  const end = nul === -1 || nul >= to ? to : nul;
  return [buf.toString('utf8', from, end), Math.min(end + 1, to)];
}

/**
 * HEIC (ISO BMFF): the `Exif` item's GPS emptied and XMP items blanked, in
 * place, found through `iinf` and `iloc`. Items stored other than as one run
 * of the file's own bytes (in `idat`, or split) cannot be cleaned with
 * certainty here, so the file is refused.
 */
function cleanHeic(input: Buffer): Cleaned {
  const buf = Buffer.from(input);
  const meta = boxes(buf, 0, buf.length).find((b) => b.type === 'meta') ?? fail('HEIC has no meta box');
  const children = boxes(buf, meta.start + 4, meta.end);
  const iinf = children.find((b) => b.type === 'iinf');
  const iloc = children.find((b) => b.type === 'iloc');
  if (!iinf) return { bytes: buf, locationRemoved: false };
  // Items that may carry a location: EXIF, and XMP (a `mime` item of type application/rdf+xml).
  const exif = new Set<number>();
  const xmp = new Set<number>();
  const infeFrom = iinf.start + 4 + (buf[iinf.start] === 0 ? 2 : 4);
  for (const infe of boxes(buf, infeFrom, iinf.end).filter((b) => b.type === 'infe')) {
    const version = buf[infe.start] ?? 0;
    if (version < 2) return fail('HEIC item info of an old version');
    let p = infe.start + 4;
    const id = version === 2 ? buf.readUInt16BE(p) : buf.readUInt32BE(p);
    p += (version === 2 ? 2 : 4) + 2;
    const type = buf.toString('latin1', p, p + 4);
    p += 4;
    if (type === 'Exif') exif.add(id);
    if (type === 'mime') {
      const [, afterName] = cString(buf, p, infe.end);
      const [contentType] = cString(buf, afterName, infe.end);
      if (/xml|xmp/i.test(contentType)) xmp.add(id);
    }
  }
  if (exif.size === 0 && xmp.size === 0) return { bytes: buf, locationRemoved: false };
  if (!iloc) return fail('HEIC has metadata items but no item locations');
  const version = buf[iloc.start] ?? 0;
  let p = iloc.start + 4;
  const sizes = buf.readUInt16BE(p);
  p += 2;
  const [offsetSize, lengthSize, baseSize, indexSize] = [sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15, version > 0 ? sizes & 15 : 0];
  const read = (n: number): number => {
    if (n === 0) return 0;
    if (p + n > iloc.end) fail('HEIC item locations run past their box');
    const value = n === 8 ? Number(buf.readBigUInt64BE(p)) : n === 4 ? buf.readUInt32BE(p) : n === 2 ? buf.readUInt16BE(p) : fail('HEIC field of an odd size');
    p += n;
    return value;
  };
  const count = read(version < 2 ? 2 : 4);
  let removed = false;
  for (let n = 0; n < count; n++) {
    const id = read(version < 2 ? 2 : 4);
    const method = version > 0 ? read(2) & 15 : 0;
    read(2);
    const base = read(baseSize);
    const extents = read(2);
    const runs: [number, number][] = [];
    for (let e = 0; e < extents; e++) {
      if (indexSize > 0) read(indexSize);
      runs.push([base + read(offsetSize), read(lengthSize)]);
    }
    if (!exif.has(id) && !xmp.has(id)) continue;
    const [run] = runs;
    if (method !== 0 || runs.length !== 1 || !run) return fail('HEIC metadata item stored in a way this cleaner does not read');
    const [offset, length] = run;
    if (offset + length > buf.length || length < 4) return fail('HEIC metadata item runs past the end');
    if (xmp.has(id)) {
      buf.fill(0x20, offset, offset + length);
      removed = true;
      continue;
    }
    // An Exif item starts with the offset of the TIFF header within the rest.
    const tiff = offset + 4 + buf.readUInt32BE(offset);
    removed = scrubTiffGps(buf, tiff, offset + length) || removed;
  }
  return { bytes: buf, locationRemoved: removed };
}

const CLEANERS: Readonly<Record<string, (bytes: Buffer) => Cleaned>> = {
  'image/jpeg': cleanJpeg,
  'image/png': cleanPng,
  'image/webp': cleanWebp,
  'image/heic': cleanHeic,
};

/** The photo without location data; other types as they are (their content is not a picture of a place). */
export function removeLocation(bytes: Buffer, mediaType: string): Cleaned {
  const clean = CLEANERS[mediaType];
  return clean ? clean(bytes) : { bytes, locationRemoved: false };
}
