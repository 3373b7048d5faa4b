/**
 * Every message a person reads in an error, in Chinese. zod's own checks
 * speak through its zh-CN locale (zod.ts); the contract's own rules take their
 * words from MESSAGES; and the domain's refusals — written in English where
 * the rules are, pure and shared with the tests — are put into Chinese at the
 * edge by chinese.ts. Codes and paths stay as they are: machines read those.
 */
export const MESSAGES = {
  empty: '不能为空',
  atLeastChars: (n: number) => `至少 ${n} 个字`,
  atMostChars: (n: number) => `最多 ${n} 个字`,
  phone: '电话号码格式不正确',
  idNumber: '应为 18 位身份证号',
  openId: '不是有效的 openId',
  keyId: '须为 1–128 个可打印 ASCII 字符（不含空格）',
  dateTime: '须为带时区的 ISO 8601 时间，如 2026-12-01T10:00:00+08:00',
  date: '须为日期，格式 yyyy-mm-dd',
  slug: '只能用小写字母、数字、- 或 _',
  unitId: '只能用小写字母、数字和 -',
  unitKind: '类型须为 城市（urban）或 农村（rural）',
  username: '须为 3–64 位小写字母、数字或 . _ -',
  password: '至少 12 位',
  trueOrFalse: '须为 true 或 false',
  notUtf8: '不是有效的 UTF-8 文本',
  notJson: '不是有效的 JSON',
  emptyBody: '请求体为空',
  notCsv: '不是有效的 CSV',
  control: (code: string) => `含有控制字符（${code}），请删除后重试`,
  controlName: (code: string) => `字段名含有控制字符（${code}）`,
  invalid: (what: string, detail: string) => `${what}：${detail}`,
  problems: (n: number) => `请求内容有 ${n} 处错误`,
  people: '人数须为 1–50 的整数',
  householdId: '户编号只能用字母、数字、- 或 _（至多 64 位）',
  nothingToChange: '没有要修改的内容',
  duty: '须为联户长六大职责之一',
  settledOrRaised: '已就地化解的事项不再上报为案件',
  unknownField: (center: string) => `${center}的登记表没有这一项`,
} as const;
