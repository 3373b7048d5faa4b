/**
 * The file store of a function that handles attachments: one S3 client per
 * process, imported only by the functions that touch files, and the S3 SDK
 * loaded only when a file is touched (shared/media/s3.ts).
 */
import { FileStore } from '../media/storage.ts';
import { ATTACHMENTS_BUCKET_ENV } from './config.ts';
import { AttachmentService, UploadTokens } from './attachments.ts';
import { cases, config, store } from './runtime.ts';
import { perSecrets } from './secrets.ts';

export const files = new FileStore(
  ({ S3Client }) =>
    new S3Client({
      // A local S3 (AWS_ENDPOINT_URL_S3) answers on one host, not <bucket>.<host>.
      forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined,
      // Checksums only where S3 requires them: an upload URL carries no checksum a browser could not compute.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  process.env[ATTACHMENTS_BUCKET_ENV] ?? 'maodiaotong-attachments',
);

/** Signed with HASH_SECRET, so made again when it changes. */
export const uploadTokens = perSecrets(() => new UploadTokens(config.hashSecret));
export const attachments = new AttachmentService({ cases, store, files });
