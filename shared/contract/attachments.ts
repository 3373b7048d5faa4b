/** Bodies of the attachment routes, and the files of an intake (attachments by URL). */
import * as z from 'zod/mini';
import './zod.ts';
import { ATTACHMENT_LIMITS, ATTACHMENT_PURPOSE_CODES, ATTACHMENT_VISIBILITIES } from '../domain/index.ts';
import { text } from './fields.ts';

/**
 * Types a client may declare for an upload: ours, the names browsers and
 * phones also use for them, and octet-stream for "unknown" — the content
 * decides in the end, whatever was declared.
 */
export const DECLARABLE_TYPES = [
  'image/jpeg', 'image/jpg', 'image/png', 'image/webp', 'image/heic', 'image/heif',
  'audio/amr', 'audio/mpeg', 'audio/mp3', 'audio/mp4', 'audio/x-m4a', 'audio/m4a', 'application/pdf', 'application/octet-stream',
] as const;

export const uploadRequestSchema = z.lazy(() => z.strictObject({
  /** The file's name as the person chose it; kept cleaned (no path, the extension of what it is). */
  name: text(1, 255),
  /** What the client believes it is (Content-Type of the upload); checked again by content. */
  mediaType: z.string().check(z.maxLength(100)),
  /** Exactly the bytes the upload will carry (S3 refuses another length). */
  size: z.int().check(z.gte(1)),
}));

const fileFacts = () => ({
  caption: z.optional(text(0, ATTACHMENT_LIMITS.captionChars)),
  visibility: z._default(z.enum(ATTACHMENT_VISIBILITIES), 'internal'),
  purpose: z._default(z.enum(ATTACHMENT_PURPOSE_CODES), 'evidence'),
});

export const completeUploadSchema = z.lazy(() => z.strictObject({
  /** The `uploadId` the upload request answered. */
  uploadId: z.string().check(z.minLength(1), z.maxLength(2000), z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII')),
  ...fileFacts(),
}));

/** A file of an intake, fetched by the media worker from an allow-listed host. */
export const intakeAttachmentSchema = z.lazy(() => {
  const { caption, visibility } = fileFacts();
  return z.strictObject({
    url: z.string().check(z.minLength(1), z.maxLength(2000), z.regex(/^https?:\/\/[\x21-\x7e]+$/, 'must be an http(s) URL of printable ASCII')),
    name: z.optional(text(1, 255)),
    caption,
    visibility,
  });
});
