// Runs s3rver (the local S3) on its own thread, as dynalite and fauxqs run on
// theirs. Its files live in `directory` (DATA_DIR/s3), so they are there after
// a restart. Plain JS: worker threads do not inherit the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';

const { port, directory, bucket, accessKeys } = workerData;
// s3rver knows one dummy key; the handlers sign with the local stack's credentials.
for (const [id, secret] of accessKeys) AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);
// Browsers upload straight to the presigned URL from the admin page's origin.
const cors = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
const server = new S3rver({ port, address: '127.0.0.1', directory, silent: true, configureBuckets: [{ name: bucket, configs: [cors] }] });
const address = await server.run();
parentPort.postMessage({ type: 'listening', port: address.port });
parentPort.on('message', (message) => {
  if (message.type === 'close') server.close().then(() => parentPort.postMessage({ type: 'closed' }));
});
