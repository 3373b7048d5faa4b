/** The CDK app: `npx cdk synth` / `npm run deploy` run this through tsx (see cdk.json). */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { MaodiaotongStack } from './stack.ts';
import { acknowledgeNagFindings } from './nag.ts';
import { regionOf } from './stages.ts';

const app = new App();
const stackName: unknown = app.node.tryGetContext('stackName');
const region = regionOf(app.node);

const stack = new MaodiaotongStack(app, typeof stackName === 'string' && stackName ? stackName : 'Maodiaotong', {
  ...(region ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region } } : {}),
});
// The same packs as test/infra/nag.test.ts: a synth with an unacknowledged finding fails.
acknowledgeNagFindings(stack);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
