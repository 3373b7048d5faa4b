/**
 * dynalite 4.0.0 ends a query's or a scan's LevelDB iterator through
 * `iterator.return()` (its streams' destroy), but abstract-level's iterators
 * have `close()` and no `return`: every query and scan left a native iterator
 * open until the database closed, each pinning LevelDB's memory. Under the
 * county bench the local DynamoDB's thread grew ~0.4 GB a minute (13 GB of
 * native memory beside a 1.3 GB JavaScript heap at 34,000 cases). Giving the
 * iterators `return` lets dynalite's own clean-up close them. Plain JS: the
 * dynalite worker thread has no TypeScript loader.
 */
import { createRequire } from 'node:module';

/** Patches the iterators of the abstract-level dynalite uses (once; idempotent) and returns their common prototype. */
export function closeLevelIteratorsOnReturn() {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const fromLevel = createRequire(fromDynalite.resolve('level'));
  const { AbstractIterator } = createRequire(fromLevel.resolve('classic-level'))('abstract-level');
  const common = Object.getPrototypeOf(AbstractIterator.prototype);
  if (typeof common.close !== 'function') throw new Error('abstract-level iterators have no close(): see infra/local/level-iterators.mjs');
  if (typeof common.return !== 'function') {
    common.return = function () {
      return this.close();
    };
  }
  return common;
}
