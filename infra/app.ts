/** The CDK app: `npx cdk synth` / `npm run deploy` run this through tsx (see cdk.json). */
import { App } from 'aws-cdk-lib';
import { MaodiaotongStack } from './stack.ts';
import { regionOf } from './stages.ts';

const app = new App();
const stackName: unknown = app.node.tryGetContext('stackName');
const region = regionOf(app.node);

new MaodiaotongStack(app, typeof stackName === 'string' && stackName ? stackName : 'Maodiaotong', {
  ...(region ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region } } : {}),
});
