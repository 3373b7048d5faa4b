/**
 * Files by their content, and location data out of photos — checked against
 * implementations no one here wrote: the fixtures were written by exiftool,
 * ImageMagick, libheif, cwebp and ffmpeg, and exifr reads the result.
 */
import exifr from 'exifr';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileRefused, prepareFile, sniff } from '../../shared/media/content.ts';
import { CannotClean, removeLocation, scrubTiffGps } from '../../shared/media/strip.ts';
import { ATTACHMENT_LIMITS } from '../../shared/domain/index.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/media/${name}`, import.meta.url));

/**
 * exifr reads JPEG, PNG and HEIC but not WebP: a WebP's EXIF chunk is a TIFF
 * of its own, which exifr reads; an XMP chunk left would count as a location.
 */
function webpExif(bytes: Buffer, xmpAllowed: boolean): Buffer {
  for (let i = 12; i + 8 <= bytes.length; ) {
    const type = bytes.toString('latin1', i, i + 4);
    const size = bytes.readUInt32LE(i + 4);
    if (type === 'XMP ' && !xmpAllowed) throw new Error('an XMP chunk is still there');
    if (type === 'EXIF') return bytes.subarray(i + 8, i + 8 + size);
    i += 8 + size + (size % 2);
  }
  throw new Error('no EXIF chunk');
}

/** What exifr finds of a location and of the rest of EXIF. */
async function read(original: Buffer, webp: boolean, xmpAllowed: boolean) {
  const bytes = webp ? webpExif(original, xmpAllowed) : original;
  const all = (await exifr.parse(bytes, { gps: true, xmp: true, tiff: true, ifd0: {}, exif: true, mergeOutput: true }).catch(() => undefined)) as Record<string, unknown> | undefined;
  const gps = await exifr.gps(bytes).catch(() => undefined);
  return { gps, make: all?.Make, orientation: all?.Orientation, xmpGps: all && Object.keys(all).some((k) => /^GPS/i.test(k) && all[k] !== undefined && all[k] !== 0) };
}

describe('types by their content, not their name', () => {
  it.each([
    ['gps.jpg', 'image/jpeg', 'image'],
    ['gps.png', 'image/png', 'image'],
    ['gps.webp', 'image/webp', 'image'],
    ['gps.heic', 'image/heic', 'image'],
    ['voice.amr', 'audio/amr', 'audio'],
    ['voice.mp3', 'audio/mpeg', 'audio'],
    ['voice.m4a', 'audio/mp4', 'audio'],
    ['doc.pdf', 'application/pdf', 'document'],
  ])('%s is %s', async (name, mediaType, kind) => {
    const file = await prepareFile(fixture(name), `上传的文件.exe`);
    expect(file).toMatchObject({ mediaType, kind });
    // The name keeps what the person called it, with the extension of what it is.
    expect(file.name.endsWith(`.${name.split('.')[1]}`)).toBe(true);
  });

  it('refuses HTML named .jpg, an empty file, and a file over 10 MB', async () => {
    await expect(prepareFile(fixture('not-an-image.jpg'), 'photo.jpg')).rejects.toMatchObject({ code: 'unsupported_media_type' });
    await expect(prepareFile(Buffer.alloc(0), 'x.jpg')).rejects.toBeInstanceOf(FileRefused);
    const big = Buffer.concat([fixture('gps.jpg'), Buffer.alloc(ATTACHMENT_LIMITS.maxBytes)]);
    await expect(prepareFile(big, 'big.jpg')).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  it('a ZIP, an executable or a GIF is none of the types a case takes', async () => {
    expect(await sniff(Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1'))).toBeUndefined();
    expect(await sniff(Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'))).toBeUndefined();
    expect(await sniff(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'))).toBeUndefined();
  });
});

describe('location out of photos (exiftool wrote it; exifr reads what is left)', () => {
  it.each(['gps.jpg', 'gps.png', 'gps.webp', 'gps.heic'])('%s: GPS gone, the rest of EXIF kept, still the same type', async (name) => {
    const original = fixture(name);
    const webp = name.endsWith('.webp');
    const before = await read(original, webp, true);
    expect(before.gps?.latitude).toBeCloseTo(30.5928, 3);
    const file = await prepareFile(original, name);
    expect(file.locationRemoved).toBe(true);
    const after = await read(file.bytes, webp, false);
    expect(after.gps).toBeUndefined();
    expect(after.xmpGps).toBe(false);
    // Orientation and the camera stay (a phone photo would otherwise show on its side).
    expect(after.make).toBe('TestCam');
    expect(after.orientation).toBe(before.orientation);
    expect(before.orientation).toBeDefined();
    expect(await sniff(file.bytes)).toBe(file.mediaType);
    expect(file.bytes.length).toBeLessThanOrEqual(original.length);
  });

  it('keeps the JPEG image data byte for byte', async () => {
    const original = fixture('gps.jpg');
    const { bytes } = removeLocation(original, 'image/jpeg');
    const scan = (b: Buffer) => b.subarray(b.lastIndexOf(Buffer.from([0xff, 0xda])));
    expect(scan(bytes).equals(scan(original))).toBe(true);
  });

  it('leaves audio and PDF as they are', async () => {
    for (const name of ['voice.amr', 'voice.mp3', 'doc.pdf']) {
      const file = await prepareFile(fixture(name), name);
      expect(file.bytes.equals(fixture(name))).toBe(true);
      expect(file.locationRemoved).toBe(false);
    }
  });

  it('refuses a photo whose metadata points outside itself rather than store it uncleaned', async () => {
    const broken = Buffer.from(fixture('gps.jpg'));
    const exif = broken.indexOf('Exif\0\0', 0, 'latin1') + 6;
    // IFD0's offset, set far past the end of the segment.
    broken.writeUInt32BE(0x7fff0000, exif + 4);
    expect(() => removeLocation(broken, 'image/jpeg')).toThrow(CannotClean);
    await expect(prepareFile(broken, 'x.jpg')).rejects.toMatchObject({ code: 'unsupported_media_type' });
  });

  it('never throws anything but CannotClean, whatever bytes follow the TIFF header (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (tail, le) => {
        const tiff = Buffer.concat([Buffer.from(le ? 'II*\0\x08\0\0\0' : 'MM\0*\0\0\0\x08', 'latin1'), Buffer.from(tail)]);
        try {
          scrubTiffGps(tiff, 0, tiff.length);
        } catch (error) {
          expect(error).toBeInstanceOf(CannotClean);
        }
      }),
    );
  });

  it('never throws anything but CannotClean on a damaged photo of any format (property)', () => {
    const originals = ['gps.jpg', 'gps.png', 'gps.webp', 'gps.heic'].map((n) => [n, fixture(n)] as const);
    const types: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic' };
    fc.assert(
      fc.property(fc.constantFrom(...originals), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), ([name, bytes], flips, cut) => {
        const damaged = Buffer.from(bytes);
        for (const [at, value] of flips) damaged[at % damaged.length] = value;
        const truncated = damaged.subarray(0, Math.max(4, damaged.length - (cut % 64)));
        try {
          removeLocation(truncated, types[name.split('.')[1]!]!);
        } catch (error) {
          expect(error).toBeInstanceOf(CannotClean);
        }
      }),
    );
  });
});
