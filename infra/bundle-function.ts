/**
 * `node --import tsx infra/bundle-function.ts <outdir> <entry> [files…]`: the
 * CDK asset's final build (see bundlingOptions in infra/bundling.ts), run from
 * the repository root.
 */
import { buildFunction } from './bundling.ts';

const [outdir, entry, ...files] = process.argv.slice(2);
if (!outdir || !entry) throw new Error('usage: bundle-function.ts <outdir> <entry> [files…]');
await buildFunction(process.cwd(), { entry, files }, outdir);
