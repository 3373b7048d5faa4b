/**
 * What a file is, by its content, and the copy of it we keep: one check for
 * every way a file arrives (an upload from the page, a resident's photo, a
 * hotline's URL). The type comes from the magic bytes (file-type), never from
 * the name or the sender's Content-Type; photos lose their location data
 * (strip.ts); the SHA-256 is of the bytes stored.
 */
import { createHash } from 'node:crypto';
import { ATTACHMENT_LIMITS, DomainError, MEDIA_TYPES, mediaTypeInfo, sanitizeFileName, type AttachmentKind, type MediaType } from '../domain/index.ts';
import { CannotClean, removeLocation } from './strip.ts';

/** A file we do not store, and why: `reason` is said to a resident in their channel. */
export class FileRefused extends DomainError {
  constructor(
    readonly code: 'unsupported_media_type' | 'payload_too_large' | 'validation_failed',
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export const ACCEPTED_TYPES = MEDIA_TYPES.map((t) => t.name).join('、');

export const tooLarge = (size: number) =>
  new FileRefused('payload_too_large', `the file is ${size} bytes; at most ${ATTACHMENT_LIMITS.maxBytes} are taken`, `文件超过 ${ATTACHMENT_LIMITS.maxBytes / 1024 / 1024}MB`);

/** file-type's names for what the table calls otherwise (an M4A's brand, HEIF stills). */
const ALIASES: Readonly<Record<string, MediaType>> = { 'audio/x-m4a': 'audio/mp4', 'image/heif': 'image/heic' };

/** The type the content shows, if it is one a case takes. */
export async function sniff(bytes: Uint8Array): Promise<MediaType | undefined> {
  // file-type (and its tokenizers) only when a file is checked, not at the cold start of every function that imports this module.
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(bytes);
  const mime = found && (ALIASES[found.mime] ?? found.mime);
  return mime !== undefined && mediaTypeInfo(mime) ? (mime as MediaType) : undefined;
}

export interface StoredFile {
  readonly bytes: Buffer;
  readonly mediaType: MediaType;
  readonly kind: AttachmentKind;
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  readonly locationRemoved: boolean;
}

/** Check a file and make the copy to store; FileRefused says what is wrong with it. */
export async function prepareFile(input: Buffer, name: string | undefined): Promise<StoredFile> {
  if (input.length === 0) throw new FileRefused('validation_failed', 'the file is empty', '文件是空的');
  if (input.length > ATTACHMENT_LIMITS.maxBytes) throw tooLarge(input.length);
  const mediaType = await sniff(input);
  const info = mediaType && mediaTypeInfo(mediaType);
  if (!mediaType || !info) {
    throw new FileRefused('unsupported_media_type', `the content is not one of the types a case takes (${MEDIA_TYPES.map((t) => t.mediaType).join(', ')})`, `只能接收${ACCEPTED_TYPES}`);
  }
  let cleaned;
  try {
    cleaned = removeLocation(input, mediaType);
  } catch (error) {
    if (!(error instanceof CannotClean)) throw error;
    throw new FileRefused('unsupported_media_type', `the photo's metadata cannot be read to remove its location (${error.message}); send it as JPEG`, '照片的位置信息无法去除，请换一张或截图后发送');
  }
  return {
    bytes: cleaned.bytes,
    mediaType,
    kind: info.kind,
    name: sanitizeFileName(name, info.ext, `${info.kind === 'image' ? '照片' : info.kind === 'audio' ? '录音' : '文件'}`),
    size: cleaned.bytes.length,
    sha256: createHash('sha256').update(cleaned.bytes).digest('hex'),
    locationRemoved: cleaned.locationRemoved,
  };
}
