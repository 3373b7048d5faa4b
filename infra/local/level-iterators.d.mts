/** Types of infra/local/level-iterators.mjs (plain JS: it runs in the dynalite worker thread). */
export declare function closeLevelIteratorsOnReturn(): { close(): Promise<void>; return?: () => Promise<void> };
