/**
 * `npm run migrate -- <command>`: changes of stored data that a code change
 * asks for. Runs against the local data (DATA_DIR, with `npm start` stopped),
 * any DynamoDB at DYNAMODB_ENDPOINT, or AWS itself with `--aws` (AWS_REGION,
 * AWS_PROFILE or keys); TABLE_NAME names the table (default maodiaotong).
 *
 *   insert-level <code> [--settle-seconds N]
 *     After a level was added to LEVELS in shared/domain/registry.ts (as
 *     `optional: true`, so the stored tree stays valid meanwhile): under every
 *     unit with children below the new level, one unit of that level takes
 *     them; the tree is replaced as one change, and the cases under the units
 *     that moved are re-indexed (their paths in lists, indexes and statistics),
 *     with progress printed. Running it again finds nothing to do.
 *     N: seconds to wait for running functions to see the new tree before
 *     re-indexing (default TREE_SETTLE_SECONDS, 70; 0 on local data).
 *
 *   count-stats
 *     Count every case in the statistics counters (STATS#<unit> <day>, kept by
 *     the relay from then on), where the tree in force puts it: for data from
 *     before the counters, or to check them. A case counted so already costs a
 *     GetItem and writes nothing, so it can run while the system runs, and again.
 */
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import pLimit from 'p-limit';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LEVELS, LEVEL_CODES, insertLevel, type LevelCode } from '../shared/domain/index.ts';
import { configFromEnv } from '../shared/service/config.ts';
import { Reindexer } from '../shared/service/reindex.ts';
import { CaseStore } from '../shared/store/case-store.ts';
import { Directory } from '../shared/store/directory.ts';
import { PK, SK, STATE_SK } from '../shared/store/schema.ts';
import { StatCounters } from '../shared/store/stat-counters.ts';
import { dynamoBackend, startDynamo, type LocalServer } from './local/servers.ts';

const log = (line: string) => console.log(`[migrate] ${line}`);

async function insertLevelCommand(code: string, directory: Directory, reindexer: Reindexer, settleMs: number): Promise<void> {
  if (!(LEVEL_CODES as readonly string[]).includes(code)) {
    throw new Error(`"${code}" is not a level of shared/domain/registry.ts (${LEVEL_CODES.join(', ')}): add it to LEVELS first`);
  }
  const level = code as LevelCode;
  const name = LEVELS.find((l) => l.code === level)?.name ?? level;
  const base = await directory.treeSnapshot();
  const { records, added } = insertLevel(base.records, level, name);
  if (added.length === 0) {
    log(`every unit already has its ${name} (${code}); nothing to change (tree version ${base.stamp.version})`);
  } else {
    const moved = records.filter((r) => added.some((a) => a.id === r.parentId)).length;
    const stamp = await directory.replaceTree(base, records);
    log(`tree version ${base.stamp.version} → ${stamp.version}: ${added.length} units of ${name} (${code}) added, ${moved} units moved under them`);
    for (const unit of added) log(`  + ${unit.id} ${unit.name} (under ${unit.parentId})`);
  }
  if (settleMs > 0) {
    log(`waiting ${settleMs / 1000} s for running functions to see the new tree`);
    await new Promise((r) => setTimeout(r, settleMs));
  }
  let examined = 0;
  let rewritten = 0;
  for (;;) {
    const run = await reindexer.run(30_000);
    examined += run.examined;
    rewritten += run.rewritten;
    log(`re-indexing: ${examined} cases looked at, ${rewritten} rewritten, ${run.owed} change(s) of the tree still owed`);
    if (run.owed === 0) break;
  }
  log('done');
}

async function countStatsCommand(db: DynamoDBClient, table: string, directory: Directory): Promise<void> {
  const units = await directory.units();
  const store = new CaseStore(db, table, () => ({ units, reporterKey: () => undefined }));
  const counters = new StatCounters(db, table);
  const limit = pLimit(8);
  let counted = 0;
  for await (const page of paginateScan(
    { client: db },
    { TableName: table, ProjectionExpression: '#pk', FilterExpression: '#sk = :state', ExpressionAttributeNames: { '#pk': PK, '#sk': SK }, ExpressionAttributeValues: { ':state': { S: STATE_SK } } },
  )) {
    const ids = (page.Items ?? []).map((i) => String(unmarshall(i)[PK]).slice('CASE#'.length));
    const states = await store.getMany(ids);
    await Promise.all(states.map((state) => limit(() => counters.count(state, units))));
    counted += states.length;
    if (states.length > 0) log(`counted ${counted} cases`);
  }
  log(`done: ${counted} cases counted in the statistics counters (tree version of ${units.all().length} units)`);
}

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { aws: { type: 'boolean', default: false }, 'settle-seconds': { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  const config = configFromEnv();
  const endpoint = process.env.DYNAMODB_ENDPOINT || undefined;
  let local: LocalServer | undefined;
  if (!endpoint && !values.aws) {
    // The data `npm start` keeps: its own DynamoDB, started here on the same files (npm start must be stopped).
    const backend = dynamoBackend();
    const dataDir = resolve(process.env.DATA_DIR ?? '.data');
    local = await startDynamo({ backend, path: resolve(dataDir, backend === 'dynalite' ? 'dynamodb' : 'dynamodb-local') });
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local', AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' });
    process.env.AWS_REGION ??= 'cn-north-1';
    log(`local data in ${dataDir} (${backend})`);
  }
  const db = new DynamoDBClient({ ...(endpoint || local ? { endpoint: endpoint ?? local?.endpoint } : {}) });
  const directory = new Directory(db, config.tableName);
  const settle = values['settle-seconds'] === undefined ? (local ? 0 : config.treeSettleMs) : Number(values['settle-seconds']) * 1000;
  if (!Number.isFinite(settle) || settle < 0) throw new Error('--settle-seconds must be a number of seconds');
  const counters = new StatCounters(db, config.tableName);
  const caseStore = new CaseStore(db, config.tableName, async () => ({ units: await directory.units(), reporterKey: () => undefined }));
  const reindexer = new Reindexer({
    db,
    table: config.tableName,
    trees: directory.trees,
    now: () => new Date(),
    settleMs: settle,
    count: async (ids, units) => {
      const limit = pLimit(8);
      await Promise.all((await caseStore.getMany(ids)).map((state) => limit(() => counters.count(state, units))));
    },
  });
  try {
    switch (command) {
      case 'insert-level':
        if (rest.length !== 1) throw new Error('usage: npm run migrate -- insert-level <code>');
        await insertLevelCommand(rest[0] as string, directory, reindexer, settle);
        break;
      case 'count-stats':
        await countStatsCommand(db, config.tableName, directory);
        break;
      default:
        throw new Error(`unknown migration "${command ?? ''}"; there are: insert-level <code>, count-stats`);
    }
  } finally {
    db.destroy();
    await local?.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`[migrate] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
