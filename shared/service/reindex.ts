/**
 * Re-indexing after a change of the unit tree: the cases of every moved unit
 * follow it in every list, index and statistic. A case's tree-derived keys
 * (unitPath, originPath, treePk/treeSk, monthPk: codec.ts `pathKeys`) are
 * rewritten where they differ from the tree in force — one conditional
 * UpdateItem per case, on the version read, so a concurrent change of the
 * case is never lost (it is read again and checked again).
 *
 * Why rewrite rather than resolve paths at read time: every list of a subtree
 * is one Query on a materialized path; resolving at read time would cost a
 * Query per unit below on every page, for ever, to spare a write per case
 * once per move — and moves are rare. (Statistics do resolve at read time
 * which cases arose under a unit, since they read the township's month
 * partitions anyway: a move within a township changes them at once.)
 *
 * A background job, resumable and with its progress recorded (TREE/JOB#v):
 * the flip of the tree records what is owed, the sweeper runs this every
 * minute within a time budget, and each page read saves where it got to, so a
 * crash only repeats a page. It starts once every function has seen the new
 * tree (settleMs after the flip), so no write with the old tree can follow it.
 *   phase `current`: the cases whose unit lay under a moved unit's old path
 *     (bySubtree, from that path);
 *   phase `origin`: the cases that arose there and sit elsewhere now
 *     (byMonth of the township, every month since FIRST_MONTH, by originPath).
 * Every case a page reads is counted again where the tree now puts it (the
 * statistics counters, stat-counters.ts; a case counted so already costs one
 * GetItem), and GET /v1/stats sums the cases themselves until the job is done.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { UnitTree } from '../domain/index.ts';
import { lastUnitOf, pathKeys } from '../store/codec.ts';
import { monthsBetween } from '../store/case-queries.ts';
import { FIRST_MONTH, INDEXES, PK, SK, STATE_SK } from '../store/schema.ts';
import type { MovedPath, TreeStamp, UnitTreeStore } from '../store/unit-tree.ts';

export interface JobProgress {
  readonly version: number;
  readonly status: 'waiting' | 'running' | 'done';
  readonly phase: 'current' | 'origin';
  /** Where the job is: the moved path (phase current) or the township and month (phase origin), and the key in it. */
  readonly step: number;
  readonly month?: string;
  readonly cursor?: string;
  /** Cases looked at, and those whose keys were rewritten. */
  readonly examined: number;
  readonly rewritten: number;
  readonly startedAt?: string;
  readonly updatedAt?: string;
}

export interface ReindexDeps {
  readonly db: DynamoDBClient;
  readonly table: string;
  readonly trees: UnitTreeStore;
  readonly now: () => Date;
  readonly settleMs: number;
  /** Count these cases in the statistics counters where `units` puts them (idempotent). */
  readonly count: (caseIds: readonly string[], units: UnitTree) => Promise<void>;
}

export interface ReindexResult {
  /** Jobs still owed after this run, and cases looked at / rewritten in it. */
  readonly owed: number;
  readonly examined: number;
  readonly rewritten: number;
}

const PAGE = 100;
const KEYS = ['version', 'unitPath', 'originPath', 'treePk', 'treeSk', 'monthPk', 'createdAt'] as const;
type KeyItem = Record<(typeof KEYS)[number] | typeof PK, unknown>;
const jobKey = (version: number) => ({ [PK]: 'TREE', [SK]: `JOB#${String(version).padStart(10, '0')}` });

export class Reindexer {
  constructor(private readonly deps: ReindexDeps) {}

  /** The re-indexing owed now, with how far each job got. */
  async progress(stamp?: TreeStamp): Promise<JobProgress[]> {
    const owed = Object.keys((stamp ?? (await this.deps.trees.stamp(true))).reindex).map(Number).sort((a, b) => a - b);
    return Promise.all(owed.map(async (version) => (await this.job(version)) ?? fresh(version)));
  }

  /** Work on the jobs owed, oldest first, until they are done or `budgetMs` has passed. */
  async run(budgetMs: number): Promise<ReindexResult> {
    const started = performance.now();
    const stamp = await this.deps.trees.stamp(true);
    const owed = Object.entries(stamp.reindex).sort(([a], [b]) => Number(a) - Number(b));
    let examined = 0;
    let rewritten = 0;
    let done = 0;
    let tree: UnitTree | undefined;
    for (const [version, entry] of owed) {
      if (this.deps.now().getTime() < Date.parse(entry.at) + this.deps.settleMs) break;
      const meta = await this.deps.trees.meta(entry.snapshot);
      tree ??= (await this.deps.trees.tree(stamp)).units;
      let job: JobProgress = (await this.job(Number(version))) ?? fresh(Number(version));
      if (job.status !== 'running') job = { ...job, status: 'running', startedAt: this.deps.now().toISOString() };
      const moved = meta?.moved ?? [];
      while (job.status === 'running' && performance.now() - started < budgetMs) {
        const page = await this.page(job, moved, tree);
        examined += page.examined;
        rewritten += page.rewritten;
        job = { ...page.next, examined: job.examined + page.examined, rewritten: job.rewritten + page.rewritten, updatedAt: this.deps.now().toISOString() };
        await this.save(job);
      }
      if (job.status !== 'done') break;
      await this.deps.trees.settled(job.version);
      done++;
    }
    return { owed: owed.length - done, examined, rewritten };
  }

  /** One page of a job: the cases it reads there are brought into line; where it goes next. */
  private async page(job: JobProgress, moved: readonly MovedPath[], tree: UnitTree): Promise<{ next: JobProgress; examined: number; rewritten: number }> {
    const start = job.cursor === undefined ? undefined : (JSON.parse(job.cursor) as Record<string, never>);
    if (job.phase === 'current') {
      const path = moved[job.step];
      if (!path) return { next: { ...job, phase: 'origin', step: 0, month: FIRST_MONTH, cursor: undefined }, examined: 0, rewritten: 0 };
      const result = await this.deps.db.send(
        new QueryCommand({
          TableName: this.deps.table,
          IndexName: INDEXES.subtree.name,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :path)',
          ExpressionAttributeNames: { '#pk': INDEXES.subtree.pk, '#sk': INDEXES.subtree.sk },
          ExpressionAttributeValues: marshall({ ':pk': `T#${path.rootId}`, ':path': path.path }),
          Limit: PAGE,
          ExclusiveStartKey: start,
        }),
      );
      const ids = (result.Items ?? []).map((i) => String(unmarshall(i)[PK]));
      const rewritten = await this.bringIntoLine(ids, tree);
      await this.deps.count(ids.map((pk) => pk.slice('CASE#'.length)), tree);
      const cursor = result.LastEvaluatedKey ? JSON.stringify(result.LastEvaluatedKey) : undefined;
      return { next: cursor ? { ...job, cursor } : { ...job, step: job.step + 1, cursor: undefined }, examined: ids.length, rewritten };
    }
    const roots = [...new Set(moved.map((m) => m.rootId))];
    const rootId = roots[job.step];
    const months = monthsBetween(`${FIRST_MONTH}-01`, this.deps.now().toISOString());
    const month = job.month ?? FIRST_MONTH;
    if (rootId === undefined) return { next: { ...job, status: 'done', cursor: undefined }, examined: 0, rewritten: 0 };
    const result = await this.deps.db.send(
      new QueryCommand({
        TableName: this.deps.table,
        IndexName: INDEXES.month.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': INDEXES.month.pk },
        ExpressionAttributeValues: marshall({ ':pk': `M#${rootId}#${month}` }),
        Limit: PAGE * 5,
        ExclusiveStartKey: start,
      }),
    );
    const items = (result.Items ?? []).map((i) => unmarshall(i));
    const under = moved.filter((m) => m.rootId === rootId).map((m) => m.path);
    const ids = items.filter((i) => under.some((p) => String(i.originPath ?? '').startsWith(p))).map((i) => String(i[PK]));
    const rewritten = await this.bringIntoLine(ids, tree);
    await this.deps.count(ids.map((pk) => pk.slice('CASE#'.length)), tree);
    const cursor = result.LastEvaluatedKey ? JSON.stringify(result.LastEvaluatedKey) : undefined;
    const nextMonth = months[months.indexOf(month) + 1];
    const next: JobProgress = cursor
      ? { ...job, cursor }
      : nextMonth !== undefined
        ? { ...job, month: nextMonth, cursor: undefined }
        : { ...job, step: job.step + 1, month: FIRST_MONTH, cursor: undefined };
    return { next, examined: items.length, rewritten };
  }

  /** Rewrite the tree-derived keys of these cases (`CASE#…`) where the tree in force says otherwise; how many were. */
  private async bringIntoLine(pks: readonly string[], tree: UnitTree): Promise<number> {
    let rewritten = 0;
    let pending = await this.keyItems(pks);
    for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
      const conflicted: string[] = [];
      await Promise.all(
        pending.map(async (item) => {
          const unitId = lastUnitOf(String(item.unitPath ?? ''));
          const originUnitId = lastUnitOf(String(item.originPath ?? ''));
          const [, createdAt = String(item.createdAt ?? ''), id = ''] = String(item.treeSk ?? '').split('|');
          if (!tree.get(unitId) || !tree.get(originUnitId) || !id) return;
          const keys = pathKeys({ id, unitId, originUnitId, createdAt }, tree);
          if (Object.entries(keys).every(([name, value]) => item[name as keyof KeyItem] === value)) return;
          try {
            await this.deps.db.send(
              new UpdateItemCommand({
                TableName: this.deps.table,
                Key: marshall({ [PK]: item[PK], [SK]: STATE_SK }),
                UpdateExpression: `SET ${Object.keys(keys).map((_, i) => `#k${i} = :k${i}`).join(', ')}`,
                ConditionExpression: '#version = :version',
                ExpressionAttributeNames: { '#version': 'version', ...Object.fromEntries(Object.keys(keys).map((k, i) => [`#k${i}`, k])) },
                ExpressionAttributeValues: marshall({ ':version': item.version, ...Object.fromEntries(Object.values(keys).map((v, i) => [`:k${i}`, v])) }),
              }),
            );
            rewritten++;
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            conflicted.push(String(item[PK]));
          }
        }),
      );
      // Changed meanwhile: read again (a writer with the tree in force may already have set the keys).
      pending = await this.keyItems(conflicted);
    }
    return rewritten;
  }

  /** The STATE items' version and tree-derived keys, by BatchGet. */
  private async keyItems(pks: readonly string[]): Promise<KeyItem[]> {
    const out: KeyItem[] = [];
    for (let i = 0; i < pks.length; i += PAGE) {
      let keys: Record<string, unknown>[] | undefined = pks.slice(i, i + PAGE).map((pk) => marshall({ [PK]: pk, [SK]: STATE_SK }));
      while (keys && keys.length > 0) {
        const names = [PK, ...KEYS].map((_, n) => `#a${n}`);
        const result = await this.deps.db.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.deps.table]: {
                Keys: keys as never,
                ConsistentRead: true,
                ProjectionExpression: names.join(', '),
                ExpressionAttributeNames: Object.fromEntries([PK, ...KEYS].map((name, n) => [`#a${n}`, name])),
              },
            },
          }),
        );
        out.push(...(result.Responses?.[this.deps.table] ?? []).map((r) => unmarshall(r) as KeyItem));
        keys = result.UnprocessedKeys?.[this.deps.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    }
    return out;
  }

  private async job(version: number): Promise<JobProgress | undefined> {
    const result = await this.deps.db.send(new GetItemCommand({ TableName: this.deps.table, Key: marshall(jobKey(version)), ConsistentRead: true }));
    if (!result.Item) return undefined;
    const { [PK]: _pk, [SK]: _sk, ...job } = unmarshall(result.Item);
    return job as JobProgress;
  }

  private async save(job: JobProgress): Promise<void> {
    await this.deps.db.send(new PutItemCommand({ TableName: this.deps.table, Item: marshall({ ...jobKey(job.version), ...job }, { removeUndefinedValues: true }) }));
  }
}

const fresh = (version: number): JobProgress => ({ version, status: 'waiting', phase: 'current', step: 0, examined: 0, rewritten: 0 });
