/**
 * The file store of a function that handles attachments: one S3 client per
 * process, imported only by the functions that touch files (so the others do
 * not carry the S3 client; the tracking page imports it only when asked for files).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { FileStore } from '../media/storage.ts';
import { ATTACHMENTS_BUCKET_ENV } from './config.ts';
import { AttachmentService, UploadTokens } from './attachments.ts';
import { cases, config, store } from './runtime.ts';
import { perSecrets } from './secrets.ts';

export const s3 = new S3Client({
  // A local S3 (AWS_ENDPOINT_URL_S3) answers on one host, not <bucket>.<host>.
  forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined,
  // Checksums only where S3 requires them: an upload URL carries no checksum a browser could not compute.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

export const files = new FileStore(s3, process.env[ATTACHMENTS_BUCKET_ENV] ?? 'maodiaotong-attachments');

/** Signed with HASH_SECRET, so made again when it changes. */
export const uploadTokens = perSecrets(() => new UploadTokens(config.hashSecret));
export const attachments = new AttachmentService({ cases, store, files });
