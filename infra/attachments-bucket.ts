/**
 * The attachments bucket and its access-log bucket: private (every public
 * access blocked, ACLs off), encrypted at rest (SSE-S3) and in transit (TLS
 * 1.2+ enforced by the bucket policy), versioned, with access logs, and with
 * lifecycle rules from the topology's BUCKET. Browsers reach it only through
 * presigned URLs, from the origins given (CORS).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BUCKET, type BucketAccess } from './topology.ts';

/** Object reads only: no listing, no ACLs, no versions. */
export const ATTACHMENT_READ_ACTIONS = ['s3:GetObject'] as const;
export const ATTACHMENT_WRITE_ACTIONS = ['s3:PutObject'] as const;

/** How long S3's access logs are kept. */
export const ACCESS_LOG_DAYS = 365;

export interface AttachmentsBucketProps {
  /** Origins whose pages upload and show files (the admin page's, the tracking page's). */
  readonly allowedOrigins: readonly string[];
}

export class AttachmentsBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: AttachmentsBucketProps) {
    super(scope, id);
    const locked = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...locked,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(ACCESS_LOG_DAYS) }],
    });
    this.bucket = new Bucket(this, 'Files', {
      ...locked,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'attachments/',
      lifecycleRules: [
        // Uploads are checked at once; whatever is left (refused, abandoned) goes after a day.
        { id: 'expire-unchecked-uploads', prefix: BUCKET.uploadPrefix, expiration: Duration.days(BUCKET.uploadExpiryDays), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(BUCKET.noncurrentVersionDays) },
        {
          id: 'files-to-infrequent-access',
          prefix: BUCKET.filePrefix,
          transitions: [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(BUCKET.infrequentAccessDays) }],
        },
      ],
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
          allowedOrigins: [...props.allowedOrigins],
          allowedHeaders: ['content-type'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
    });
  }

  /**
   * `read`: presign downloads of kept files. `readWrite`: also presign uploads,
   * read and remove them, and keep files. Nothing may list the bucket.
   */
  grant(grantee: IGrantable, access: BucketAccess): void {
    const files = this.bucket.arnForObjects(`${BUCKET.filePrefix}*`);
    const uploads = this.bucket.arnForObjects(`${BUCKET.uploadPrefix}*`);
    const allow = (actions: string[], resourceArns: string[]) => Grant.addToPrincipal({ grantee, actions, resourceArns });
    allow([...ATTACHMENT_READ_ACTIONS], [files]);
    if (access !== 'readWrite') return;
    allow([...ATTACHMENT_READ_ACTIONS], [uploads]);
    allow([...ATTACHMENT_WRITE_ACTIONS], [files, uploads]);
    allow(['s3:DeleteObject'], [uploads]);
  }
}
