/**
 * The S3 side of FileStore (storage.ts): the client, its commands and the
 * presigner, in a module of their own so a function loads them at the first
 * file it touches, not at its cold start (infra/bundling.ts puts them in a chunk).
 */
export { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
export { getSignedUrl } from '@aws-sdk/s3-request-presigner';
