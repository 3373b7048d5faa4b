/**
 * The one esbuild configuration for the Lambda bundles. The CDK stack and the
 * bench (which measures bundle sizes) both read it, so what is measured is
 * what is deployed.
 */
import type { BuildOptions } from 'esbuild';
import { Charset, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Node version esbuild emits for; it runs unchanged on the Lambda runtime (22). */
export const BUNDLE_TARGET = 'node20';

/**
 * The AWS SDK is bundled (a pinned, tree-shaken SDK loads faster than the
 * runtime's copy). These modules are left out because the credential chain
 * only imports them dynamically for profile/SSO/IMDS sources; Lambda hands
 * credentials over in environment variables, and the runtime ships them anyway.
 */
export const EXTERNAL_MODULES: readonly string[] = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-login',
  '@smithy/credential-provider-imds',
  '@aws-sdk/token-providers',
  '@aws-sdk/nested-clients',
];

/** CommonJS dependencies inside an ESM bundle still call `require`. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const MAIN_FIELDS = ['module', 'main'];

/** Bundling options for `NodejsFunction`. */
export function bundlingOptions(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    minify: true,
    sourceMap: true,
    // Stack traces need only the mappings; the sources would double the asset.
    sourcesContent: false,
    target: BUNDLE_TARGET,
    mainFields: [...MAIN_FIELDS],
    externalModules: [...EXTERNAL_MODULES],
    banner: ESM_REQUIRE_BANNER,
    // Chinese text as UTF-8 (3 bytes a character) rather than \uXXXX escapes (6).
    charset: Charset.UTF8,
  };
}

/** The same build as plain esbuild options, for building one entry outside CDK. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    target: BUNDLE_TARGET,
    mainFields: [...MAIN_FIELDS],
    external: [...EXTERNAL_MODULES],
    banner: { js: ESM_REQUIRE_BANNER },
    charset: 'utf8',
    logLevel: 'warning',
  };
}
