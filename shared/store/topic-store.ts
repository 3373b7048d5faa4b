/**
 * 议事厅 topics, kept like cases: an immutable log and a projection.
 *
 *   TOPIC#<id>      EVT#<seq>               the log (the truth): put only if absent, so racing writers conflict
 *   TOPICS#<root>   TOPIC#<id>              the folded topic, for a township's lists and statistics (one Query)
 *   TOPIC-DUE       <yyyy-mm-dd>#<root>#<id> the day its next open decision falls due (one per topic, sparse)
 *   TOPIC-FX        <root>#<id>#<seq>        a publication not yet recorded on its linked cases (the relay's marker)
 *
 * A topic is read from its log, so a crash between the writes leaves only a
 * stale list entry or due key, which the next write of the topic puts right.
 * The marker is written before the event, so a publication is never left
 * without one: a marker without its event is dropped by the relay.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { VersionConflict, foldTopic, nextTopicDue, type TopicEvent, type TopicState } from '../domain/index.ts';
import { queryAll } from './query.ts';
import { PK, SK, eventSk } from './schema.ts';

export interface TopicRequest {
  readonly key: string;
  readonly hash: string;
}

export interface LoadedTopic {
  readonly state: TopicState;
  readonly events: readonly TopicEvent[];
  /** The requests (Idempotency-Key) that made its events, by seq. */
  readonly requests: ReadonlyMap<number, TopicRequest>;
}

export interface TopicMarker {
  readonly rootId: string;
  readonly topicId: string;
  readonly seq: number;
}

const topicPk = (id: string) => `TOPIC#${id}`;
const listPk = (rootId: string) => `TOPICS#${rootId}`;
const DUE_PK = 'TOPIC-DUE';
const FX_PK = 'TOPIC-FX';

export class TopicStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
  ) {}

  async load(id: string): Promise<LoadedTopic | undefined> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': topicPk(id) }),
    });
    const events = items.map((i) => i.event as TopicEvent);
    const state = foldTopic(events);
    if (!state) return undefined;
    const requests = new Map<number, TopicRequest>();
    for (const i of items) if (i.request) requests.set((i.event as TopicEvent).seq, i.request as TopicRequest);
    return { state, events, requests };
  }

  /**
   * Append one event to the topic `before` is (undefined: a new topic), and
   * bring the list entry and the due key up to date. With `relay`, the event
   * has effects to deliver: its marker is written first.
   */
  async append(before: TopicState | undefined, after: TopicState, event: TopicEvent, rootId: string, options: { request?: TopicRequest; relay?: boolean } = {}): Promise<void> {
    if (options.relay) await this.putMarker({ rootId, topicId: after.id, seq: event.seq });
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ [PK]: topicPk(after.id), [SK]: eventSk(event.seq), event, ...(options.request ? { request: options.request } : {}) }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new VersionConflict(before?.version ?? 0);
      throw error;
    }
    await this.project(before, after, rootId);
  }

  /** The list entry (newer versions only) and the due key. */
  private async project(before: TopicState | undefined, after: TopicState, rootId: string): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ [PK]: listPk(rootId), [SK]: `TOPIC#${after.id}`, topic: after, version: after.version }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk) OR #v < :v',
          ExpressionAttributeNames: { '#pk': PK, '#v': 'version' },
          ExpressionAttributeValues: marshall({ ':v': after.version }),
        }),
      );
    } catch (error) {
      // A newer version is already listed: a later writer projected past us.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const was = before ? nextTopicDue(before) : undefined;
    const due = nextTopicDue(after);
    if (was === due) return;
    if (due !== undefined) {
      await this.db.send(
        new PutItemCommand({ TableName: this.table, Item: marshall({ [PK]: DUE_PK, [SK]: `${due}#${rootId}#${after.id}`, rootId, topicId: after.id }) }),
      );
    }
    if (was !== undefined) {
      await this.db.send(new DeleteItemCommand({ TableName: this.table, Key: marshall({ [PK]: DUE_PK, [SK]: `${was}#${rootId}#${after.id}` }) }));
    }
  }

  /** Rewrite a topic's list entry and due key from its log (the relay and sweeper repair what a crash left). */
  async repair(state: TopicState, rootId: string): Promise<void> {
    await this.project(undefined, state, rootId);
  }

  /** The topics of a township (its list entries), newest first. */
  async list(rootId: string): Promise<TopicState[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: marshall({ ':pk': listPk(rootId) }),
    });
    return items.map((i) => i.topic as TopicState).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Topics with a decision due before `today` (yyyy-mm-dd). */
  async due(today: string, limit = 100): Promise<{ rootId: string; topicId: string; key: string }[]> {
    const items = await queryAll(
      this.db,
      {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk AND #sk < :today',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: marshall({ ':pk': DUE_PK, ':today': today }),
        Limit: limit,
      },
      limit,
    );
    return items.map((i) => ({ rootId: i.rootId as string, topicId: i.topicId as string, key: i[SK] as string }));
  }

  /** A due key left behind (its topic moved on): dropped. */
  async dropDue(key: string): Promise<void> {
    await this.db.send(new DeleteItemCommand({ TableName: this.table, Key: marshall({ [PK]: DUE_PK, [SK]: key }) }));
  }

  async markers(limit = 100): Promise<TopicMarker[]> {
    const items = await queryAll(
      this.db,
      { TableName: this.table, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': PK }, ExpressionAttributeValues: marshall({ ':pk': FX_PK }), Limit: limit },
      limit,
    );
    return items.map((i) => ({ rootId: i.rootId as string, topicId: i.topicId as string, seq: i.seq as number }));
  }

  private async putMarker(m: TopicMarker): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: marshall({ [PK]: FX_PK, [SK]: `${m.rootId}#${m.topicId}#${m.seq}`, ...m }) }));
  }

  async clearMarker(m: TopicMarker): Promise<void> {
    await this.db.send(new DeleteItemCommand({ TableName: this.table, Key: marshall({ [PK]: FX_PK, [SK]: `${m.rootId}#${m.topicId}#${m.seq}` }) }));
  }
}
