/**
 * The one esbuild configuration for the Lambda bundles. The CDK stack and the
 * bench (which measures bundle sizes) both read it, so what is measured is
 * what is deployed.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { copyFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
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

/** Bundling options for `NodejsFunction`; `files` (from the repository root) are copied beside the bundle. */
export function bundlingOptions(files: readonly string[] = []): BundlingOptions {
  return {
    ...(files.length > 0 && {
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir: string, outputDir: string) => files.map((file) => `cp "${join(inputDir, file)}" "${outputDir}/"`),
      },
    }),
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

/**
 * Builds one function as the CDK stack does — the bundle, and its `files`
 * beside it — into `dir`, for the bench and the bundle tests.
 */
export async function buildFunction(
  root: string,
  def: { readonly entry: string; readonly files?: readonly string[] },
  dir: string,
): Promise<{ readonly file: string; readonly metafile: Metafile }> {
  const file = join(dir, 'index.mjs');
  const { metafile } = await build({ ...esbuildOptions(join(root, def.entry), file), metafile: true });
  for (const shipped of def.files ?? []) await copyFile(join(root, shipped), join(dir, basename(shipped)));
  return { file, metafile };
}
