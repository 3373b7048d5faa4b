/**
 * The single table's key design. One description read by the CDK stack, the
 * local stack and the store, so the three cannot drift.
 *
 *   CASE#<id>  EVT#<seq, 10 digits>   immutable events (+ the marker of effects not yet delivered)
 *   CASE#<id>  STATE                  folded projection + index keys
 *   TREE       CURRENT | JOB#<v>      the unit tree's stamp, and re-index progress (unit-tree.ts)
 *   TREE#<id>  PART#<n> | META        a snapshot of the unit tree
 *   UNITS      UNIT#<id>              the unit tree before snapshots (read while no stamp exists)
 *   APIKEY#<sha256>  APIKEY           machine clients
 *   USERS      USER#<username>        mediator accounts
 *   CONFIG     <name>                 SLA overrides, risk terms, calendar years
 *   LIMIT#<scope>#<key>  LIMIT        rate-limit windows
 *   CALLBACKS  CLIENT#<name>           a client's 12345 callback URL and secret
 *   CONTACT#<reporter key>  CONTACT    a resident across channels (channel-store.ts)
 *   INBOUND#<channel>#<msg>  INBOUND   a handled provider message and its reply
 *   CALLBACK#<caseId>  SEQ#<seq>       a status change the hotline acknowledged
 *   SUPERVISION  UNIT#<unitId>         a unit put under 督办 by a person (note, date, who)
 *   HOUSEHOLDS#<unitId>  HH#<id> | VISIT#<date>#<id>   a building's 联户 and their 走访 (households.ts)
 *   HH#<id>  HH  ·  NOTICE#<id>  EVT#…  ·  OPTOUT#<key>  OPTOUT   a household's building, a 宣传 notice, a 退订
 *   TEMPLATES  TPL#<id>                 常用语 and the wording of messages to residents (templates.ts)
 */
export const PK = 'pk';

/**
 * The item families by their partition keys, as IAM's `dynamodb:LeadingKeys`
 * patterns: each function may write (Put, Update, Delete) only the families
 * the topology gives it (`writes`), so a public entry point cannot write an
 * account, an API key or the configuration.
 */
export const ITEM_FAMILIES = {
  /** Events and the projection. */
  case: ['CASE#*'],
  /** Who saw a reporter's identity. */
  audit: ['AUDIT#*'],
  /** The unit tree: its stamp and re-index jobs, its snapshots, the pre-snapshot units. */
  unitTree: ['TREE', 'TREE#*', 'UNITS'],
  accounts: ['USERS'],
  config: ['CONFIG'],
  /** Machine clients and their callback settings: written by operators (infra/migrate.ts, seeding), by no function. */
  apiClients: ['APIKEY#*', 'CALLBACKS'],
  /** Rate-limit windows (also deleted, when an attempt is given back). */
  limits: ['LIMIT#*'],
  /** Residents across channels, and their pending phone verifications (deleted when used). */
  residents: ['CONTACT#*', 'VERIFY#*'],
  /** Provider messages already handled, with the reply given. */
  inbound: ['INBOUND#*'],
  /** Status changes a 12345 system acknowledged. */
  callbackLog: ['CALLBACK#*'],
  supervision: ['SUPERVISION#*'],
  outbox: ['OUTBOX#*'],
  /** Statistics counters per unit and day, and what each case is counted as (stat-counters.ts). */
  stats: ['STATS#*', 'COUNTED#*'],
  /** 议事厅 topics: their logs, the township's lists, the due and relay markers (topic-store.ts). */
  topics: ['TOPIC#*', 'TOPICS#*', 'TOPIC-DUE', 'TOPIC-FX'],
  /** Volunteers' registrations and the units' service menus (volunteers.ts). */
  volunteers: ['VOLUNTEERS#*', 'SERVICES'],
  /** 联户: rosters with their 走访, and each household's pointer to its roster (households.ts). */
  households: ['HOUSEHOLDS#*', 'HH#*'],
  /** 宣传 notices, with their relay marker (cleared by the relay and the sweeper's backstop). */
  notices: ['NOTICE#*'],
  /** Phones and openIds that sent 退订. */
  optOuts: ['OPTOUT#*'],
  /** 常用语 and the wording of messages to residents, per unit (templates.ts). */
  templates: ['TEMPLATES'],
} as const satisfies Record<string, readonly string[]>;
export type ItemFamily = keyof typeof ITEM_FAMILIES;
export const SK = 'sk';

export type Projection = { readonly type: 'KEYS_ONLY' } | { readonly type: 'INCLUDE'; readonly attributes: readonly string[] };

export interface IndexDef {
  readonly name: string;
  readonly pk: string;
  readonly sk: string;
  readonly projection: Projection;
  /** What the index answers, for the docs and the bench's write listing. */
  readonly serves: string;
}

/** Only the attributes each index's queries filter on are projected, so most transitions write few index entries. */
export const INDEXES = {
  queue: {
    name: 'byUnitQueue',
    pk: 'queuePk',
    sk: 'queueSk',
    // The tabs the case shows in at its unit, and when its clock started (for the 临期 mark): the counts come from the index alone.
    projection: { type: 'INCLUDE', attributes: ['work', 'clockStart'] },
    serves: "a unit's open cases by nearest deadline, with their 我的待办 tabs",
  },
  awaiting: {
    name: 'byAwaiting',
    pk: 'awaitPk',
    sk: 'awaitSk',
    projection: { type: 'INCLUDE', attributes: ['awaitFor', 'awaitFrom'] },
    serves: 'cases another unit must act on: extension requests and last returns (待我审批), 回访 (待回访) — sparse',
  },
  watch: {
    name: 'byWatch',
    pk: 'watchPk',
    sk: 'watchSk',
    // Keys are R|N (risk or not) + deadline: 风险件 is a prefix, 超期件 a range below now, both exact.
    projection: { type: 'INCLUDE', attributes: ['unitPath', 'clockStart'] },
    serves: "a township's open cases, risk first, by deadline: officers' 风险件 and 超期件, the 红黄牌 board",
  },
  search: {
    name: 'bySearch',
    pk: 'searchPk',
    sk: 'searchSk',
    // On the case's first event, written once: a case's words never change, so the index costs one write per case.
    projection: { type: 'INCLUDE', attributes: ['searchText'] },
    serves: 'keyword search: the words of cases received in a month under a township',
  },
  subtree: {
    name: 'bySubtree',
    pk: 'treePk',
    sk: 'treeSk',
    projection: {
      type: 'INCLUDE',
      attributes: ['status', 'center', 'level', 'riskLevel', 'priority', 'createdAt', 'dueAt'],
    },
    serves: 'every case under a unit (materialized path prefix), filterable',
  },
  due: {
    name: 'byDue',
    pk: 'duePk',
    sk: 'dueSk',
    projection: { type: 'KEYS_ONLY' },
    serves: 'the sweeper: open cases whose next timer is due (sparse, sharded)',
  },
  month: {
    name: 'byMonth',
    pk: 'monthPk',
    sk: 'monthSk',
    projection: { type: 'INCLUDE', attributes: ['originPath'] },
    serves: 'statistics: cases created in a date range under a root',
  },
  effects: {
    name: 'byPendingEffects',
    pk: 'fxPk',
    sk: 'fxSk',
    projection: { type: 'INCLUDE', attributes: ['fx'] },
    serves: 'the relay: events whose effects are not yet delivered (sparse, sharded)',
  },
  reporter: {
    name: 'byReporter',
    pk: 'reporterPk',
    sk: 'reporterSk',
    projection: { type: 'KEYS_ONLY' },
    serves: "a resident's cases by a keyed hash of phone or openId",
  },
} as const satisfies Record<string, IndexDef>;

export const INDEX_LIST: readonly IndexDef[] = Object.values(INDEXES);

/**
 * The first month a case can have been filed in (the calendar's first year):
 * a re-index reads the byMonth partitions from here on.
 */
export const FIRST_MONTH = '2024-01';

/** Spreads the sweeper's reads and writes; the sweep queries each shard. */
export const DUE_SHARDS = 4;

export const eventSk = (seq: number) => `EVT#${String(seq).padStart(10, '0')}`;
export const STATE_SK = 'STATE';
