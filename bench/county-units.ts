/**
 * The county the benches grow from the demo one (枝江市): 8 townships, ~250
 * communities and villages, ~5,000 compounds and groups, ~50,000 buildings
 * and 湾落 — as the sheets each township's admin imports (bench/county.ts)
 * or whole (bench/tree.ts).
 */
import type { UnitRecord } from '../shared/domain/index.ts';

const WORDS = '幸福和谐光明建设新华胜利团结友谊长青东风红星向阳朝阳金桥龙泉清河柳林桃园杏花荷塘松林竹园梅岭兰亭丰收民主前进先锋永安太平兴隆福田'.match(/../g)!;
const SURNAMES = [...'王李张刘陈杨黄赵周吴'];
const NUMERALS = [...'一二三四五六七八九十'];
const groupName = (j: number) => (j < 10 ? NUMERALS[j] : j < 19 ? `十${NUMERALS[j - 10]}` : `二十`) + '组';
export const TOWNSHIPS = [
  { id: 'hp', name: '和平街道', kind: 'urban', existing: 2 },
  { id: 'wa', name: '问安镇', kind: 'rural', existing: 1 },
  { id: 'mjd', name: '马家店街道', kind: 'urban', existing: 0 },
  { id: 'dsz', name: '董市镇', kind: 'rural', existing: 0 },
  { id: 'bys', name: '白洋镇', kind: 'rural', existing: 0 },
  { id: 'gjd', name: '顾家店镇', kind: 'rural', existing: 0 },
  { id: 'afs', name: '安福寺镇', kind: 'rural', existing: 0 },
  { id: 'xnz', name: '仙女镇', kind: 'rural', existing: 0 },
] as const;
export const COMMUNITIES_PER_TOWNSHIP = 31;
const COMPOUNDS_PER_COMMUNITY = 20;
const BUILDINGS_PER_COMPOUND = 10;

/** An import takes at most 5,000 rows: each township's units in sheets of this many, parents first. */
export const SHEET_ROWS = 4000;

/** The units each township adds to the demo county, as the sheets its admin imports. */
export function countySheets(): { township: string; units: UnitRecord[] }[] {
  return TOWNSHIPS.flatMap((t) => {
    const units: UnitRecord[] = [];
    if (t.existing === 0) units.push({ id: t.id, name: t.name, level: 'township', parentId: 'zj', kind: t.kind, contacts: [{ name: '矛调中心', phone: '07174200100' }] });
    for (let i = t.existing; i < COMMUNITIES_PER_TOWNSHIP; i++) {
      const community = `${t.id}-c${i}`;
      units.push({ id: community, name: `${WORDS[i % WORDS.length]}${t.kind === 'urban' ? '社区' : '村'}`, level: 'community', parentId: t.id });
      for (let j = 0; j < COMPOUNDS_PER_COMMUNITY; j++) {
        const compound = `${community}-g${j}`;
        units.push({ id: compound, name: t.kind === 'urban' ? `${WORDS[(i + j + 7) % WORDS.length]}小区` : groupName(j), level: 'compound', parentId: community });
        for (let k = 0; k < BUILDINGS_PER_COMPOUND; k++) {
          units.push({ id: `${compound}-${k}`, name: t.kind === 'urban' ? `${k + 1}栋` : `${SURNAMES[k]}家湾`, level: 'building', parentId: compound });
        }
      }
    }
    return Array.from({ length: Math.ceil(units.length / SHEET_ROWS) }, (_, i) => ({ township: t.id, units: units.slice(i * SHEET_ROWS, (i + 1) * SHEET_ROWS) }));
  });
}

