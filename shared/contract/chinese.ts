/**
 * The domain's refusals — written in English where the rules are, pure and
 * shared with the tests — put into Chinese at the edge, by one table of
 * patterns (a refusal no pattern knows goes out as it is, and
 * test/unit/messages.test.ts finds every refusal decide.ts can give a Chinese
 * rendering). Only an error's body needs it, so errors.ts loads this module
 * when it writes one: the table stays out of the code a cold start loads.
 */
import { CENTERS, LEVELS, STATUSES } from '../domain/registry.ts';
import { MESSAGES } from './messages.ts';

const nameIn = (list: readonly { code: string; name: string }[], code: string) => list.find((x) => x.code === code)?.name ?? code;

type Rule = readonly [RegExp, (m: RegExpMatchArray) => string];

const status = (code: string | undefined) => nameIn(STATUSES, code ?? '');

/** The domain's and the handlers' English, pattern by pattern. */
const RULES: readonly Rule[] = [
  // decide.ts: states and transitions
  [/^cannot (\w[\w ]*?) a case that is (\w+)$/, (m) => `案件${status(m[2])}，不能${ACTION_WORDS[m[1] ?? ''] ?? '这样办理'}`],
  [/^cannot accept a case that is (\w+)$/, (m) => `案件${status(m[1])}，不能签收`],
  [/^cannot add a note to a case that is (\w+)$/, (m) => `案件${status(m[1])}，不能再添加备注`],
  [/^cannot reopen a case that is (\w+)$/, (m) => `案件${status(m[1])}，不能重新办理`],
  [/^only a resolved case can be closed; this one is (\w+)$/, (m) => `只有已办结的案件才能归档，本案${status(m[1])}`],
  [/^accept the case before resolving it$/, () => '请先签收再办结'],
  [/^the case is (\w+)$/, (m) => `案件${status(m[1])}`],
  [/^the case already exists$/, () => '案件已存在'],
  [/^the case does not exist$/, () => '案件不存在'],
  [/^this case was merged into (.+); a level above may reopen it$/, (m) => `本案已并入 ${m[1]}，可由上级重新办理`],
  [/^this case has reached (\S+) entries; file a new case for what remains$/, (m) => `本案已有 ${m[1]} 条记录，余下事项请另行登记`],
  [/^there is no task offered to you$/, () => '没有派给您的任务'],
  [/^there is no task offered to decline$/, () => '没有可谢绝的任务'],
  [/^the case is already with a volunteer; wait for them to accept or decline$/, () => '案件已派给志愿者，请等待其接单或谢绝'],
  [/^no volunteer has a task on this case$/, () => '本案没有派给志愿者的任务'],
  [/^the case is already with a volunteer; recall the task or wait for them to decline$/, () => '案件已派给志愿者，请收回任务或等待其谢绝'],
  [/^"(.*)" is not a volunteer of (\S+) or a unit below it$/, (m) => `「${m[1]}」不是本单位或下级单位的志愿者`],
  [/^only a dispatched case can be returned$/, () => '只有派来的案件才能退回'],
  [/^the dispatching unit no longer exists$/, () => '派单单位已不存在'],
  [/^the case is at the top level(; there is no level above to escalate to)?$/, () => '案件已在最高层级，没有上级可上报'],
  [/^an escalation is already on its way$/, () => '已在上报中'],
  [/^the case has no running deadline$/, () => '案件没有正在计时的期限'],
  [/^an extension must be asked before the deadline$/, () => '延期须在期限届满前申请'],
  [/^an extension request is already waiting for a decision$/, () => '已有延期申请等待审批'],
  [/^the extensions allowed at this level have been used$/, () => '本层级的延期次数已用完'],
  [/^the new deadline must be after the current one$/, () => '新期限须晚于当前期限'],
  [/^the new deadline may be at most (.+)$/, (m) => `新期限最晚为 ${m[1]}`],
  [/^there is no extension request to decide$/, () => '没有待审批的延期申请'],
  [/^a case has at most (\S+) parties$/, (m) => `一件案件最多 ${m[1]} 个当事人`],
  [/^a case has at most (\S+) attachments$/, (m) => `一件案件最多 ${m[1]} 个附件`],
  [/^no file to add$/, () => '没有要添加的文件'],
  [/^attachment (\S+) is already on this case$/, (m) => `附件 ${m[1]} 已在本案中`],
  [/^a file is at most (\S+) bytes$/, (m) => `文件最大 ${m[1]} 字节`],
  [/^no file (\S+) is waiting on this case$/, (m) => `本案没有等待接收的文件 ${m[1]}`],
  [/^a case has at most (\S+) sessions$/, (m) => `一件案件最多安排 ${m[1]} 次调解`],
  [/^no such session$/, () => '没有该调解场次'],
  [/^an agreement needs at least two parties$/, () => '调解协议至少需要两方当事人'],
  [/^no agreement is recorded on this case$/, () => '本案尚未制作调解协议书，无需登记履行情况'],
  [/^no performance check is due$/, () => '协议履行回访尚未到期'],
  [/^follow up after the case is resolved$/, () => '案件办结后才能回访'],
  [/^this resolution has already been followed up$/, () => '本次办结已经回访过'],
  [/^a case cannot be merged into itself$/, () => '案件不能并入自己'],
  [/^no such case$/, () => '找不到该案件'],
  [/^the target case is (\w+)$/, (m) => `目标案件${status(m[1])}`],
  [/^at most (\S+) cases can be merged into one$/, (m) => `一件案件最多并入 ${m[1]} 件`],
  [/^a case cannot absorb itself$/, () => '案件不能并入自己'],
  [/^(\S+) is already merged into this case$/, (m) => `${m[1]} 已并入本案`],
  [/^(\S+) is not merged into this case$/, (m) => `${m[1]} 未并入本案`],
  [/^the case is already in (\w+)$/, (m) => `案件已属于${nameIn(CENTERS, m[1] ?? '')}`],
  [/^(\w+) has no field (\S+)$/, (m) => MESSAGES.unknownField(nameIn(CENTERS, m[1] ?? ''))],
  [/^(\S+) is required$/, () => '必填'],
  [/^nothing changed$/, () => '没有要修改的内容'],
  [/^unknown unit "(.*)"$/, (m) => `单位「${m[1]}」不存在或不在您的辖区`],
  [/^"(.*)" is not a unit below (.+)$/, (m) => `「${m[1]}」不是本案所在单位的下级单位`],
  [/^no unit is configured to receive cases$/, () => '没有可以受理案件的单位'],
  [/^these repeats are already flagged$/, () => '已标记过这些重复件'],
  [/^no other case to name$/, () => '没有其他案件'],
  [/^must be a date \(yyyy-mm-dd\) from today on$/, () => '须为今天或以后的日期（yyyy-mm-dd）'],
  [/^no (\w+) reminder is due$/, () => '没有到期的催办'],
  [/^no escalation is due$/, () => '没有到期的升级'],
  [/^no supervision alert is due$/, () => '没有到期的督办提醒'],
  [/^the case unit no longer exists$/, () => '案件所在单位已不存在'],
  // access.ts
  [/^your role may not register a matter$/, () => '您的角色不能登记诉求'],
  [/^your role may not (\w+) this case$/, (m) => `您的角色不能对本案${ACTION_WORDS[m[1] ?? ''] ?? '这样办理'}`],
  [/^an API client may not (\w+)$/, () => '接口客户端不能办理案件'],
  [/^a resident may not (\w+)$/, () => '群众不能这样办理'],
  [/^the system does not (\w+)$/, () => '系统不做此操作'],
  // units.ts: the tree
  [/^the unit tree is not valid$/, () => '单位树不合法'],
  [/^invalid unit id "(.*)"$/, (m) => `单位编号「${m[1]}」${MESSAGES.unitId}`],
  [/^duplicate unit id "(.*)"$/, (m) => `编号「${m[1]}」重复`],
  [/^unknown kind "(.*)"$/, (m) => `类型「${m[1]}」无效，可填 城市（urban）或 农村（rural）`],
  [/^unknown level "(.*)"$/, (m) => `层级「${m[1]}」无效，可填 ${LEVELS.map((l) => `${l.name}（${l.code}）`).join('、')}`],
  [/^name is empty$/, () => '名称不能为空'],
  [/^a (\w+) unit needs a parent$/, (m) => `${nameIn(LEVELS, m[1] ?? '')}须填写上级单位`],
  [/^unknown parent "(.*)"$/, (m) => `「${m[1]}」不存在`],
  [/^the parent of a (\w+) must be a (\w+), not a (\w+)$/, (m) => `${nameIn(LEVELS, m[1] ?? '')}的上级须为${nameIn(LEVELS, m[2] ?? '')}，不能是${nameIn(LEVELS, m[3] ?? '')}`],
  // hygiene, and the handlers
  [/^a unit keeps its level \(its cases are worked at it\): (.+); add a new unit instead$/, (m) => `单位的层级不能改变（其案件在该层级办理）：${m[1]}；请新增单位`],
  [/^cannot change from (\w+) to (\w+)$/, (m) => `不能从${nameIn(LEVELS, m[1] ?? '')}改为${nameIn(LEVELS, m[2] ?? '')}`],
  [/^control characters are not allowed in the sheet$/, () => '表格中含有控制字符'],
  [/^control characters are not allowed in (.+)$/, (m) => `以下字段含有控制字符：${m[1]}`],
  [/^no case (\S+)$/, (m) => `找不到案件 ${m[1]}`],
  [/^no unit (\S+) in your jurisdiction$/, (m) => `单位 ${m[1]} 不在您的辖区`],
  [/^is not a unit in your jurisdiction$/, () => '不在您的管辖范围内'],
  [/^your unit no longer exists$/, () => '您所在的单位已不存在'],
  [/^must be one of (.+)$/, (m) => `须为 ${m[1]} 之一`],
  [/^must be an integer from (\d+) to (\d+)$/, (m) => `须为 ${m[1]}–${m[2]} 的整数`],
  [/^must be a date \(yyyy-mm-dd\) or an ISO 8601 date-time$/, () => '须为日期（yyyy-mm-dd）或 ISO 8601 时间'],
  [/^must be before to$/, () => '须早于结束日期'],
  [/^must be today or later$/, () => '须为今天或以后'],
  [/^must be personal$/, () => '只能为 personal'],
  [/^must be 1–128 printable ASCII characters$/, () => MESSAGES.keyId],
  [/^must be true or false$/, () => MESSAGES.trueOrFalse],
  [/^is for scope=mine$/, () => '只用于 scope=mine（我的待办）'],
  [/^is not for volunteers: their tasks are one list$/, () => '志愿者的任务只有一个列表'],
  [/^(\w+) is for township officers and leaders$/, () => '只有矛调中心工作人员和领导有此分类'],
  [/^must have a word to look for$/, () => '请输入要查找的关键词'],
  [/^must be at most 100 characters and 5 words$/, () => '最多 100 个字、5 个词'],
  [/^is for API clients$/, () => '只用于接口客户端'],
  [/^cannot be combined with phone$/, () => '不能与 phone 同时使用'],
  [/^is not a valid phone number$/, () => MESSAGES.phone],
  [/^not for your own account$/, () => '不能停用自己或取消自己的管理员角色'],
  [/^not a cursor this list returned$/, () => '不是本列表给出的游标'],
  [/^must be a whole number from 0 to 30$/, () => '须为 0–30 的整数'],
  [/^only township officers and leaders put a unit under 督办$/, () => '只有矛调中心工作人员和领导可以督办单位'],
  [/^a unit is put under 督办 by one above it$/, () => '单位由上级督办'],
  [/^the work queue is for mediators$/, () => '我的待办只对工作人员开放'],
  [/^lists are for mediators$/, () => '列表只对工作人员开放'],
  [/^a valid Authorization: Bearer credential is required$/, () => '请先登录（需要 Authorization: Bearer 凭据）'],
  [/^the credential is not valid$/, () => '登录已失效，请重新登录'],
  [/^the body is larger than (\d+) bytes$/, (m) => `提交的内容超过 ${m[1]} 字节`],
  [/^expected Content-Type (.+), got (.+)$/, (m) => `Content-Type 须为 ${m[1]}，收到的是 ${m[2]}`],
  [/^too many attempts; try again later$/, () => '尝试次数过多，请稍后再试'],
  [/^something went wrong on our side; the request may be retried$/, () => '服务器内部出错，可以稍后重试'],
];

/** What each action is called in a sentence (您的角色不能对本案 + 签收). */
const ACTION_WORDS: Readonly<Record<string, string>> = {
  accept: '签收', decline: '谢绝', note: '添加备注', contact: '记录联系', dispatch: '派单', return: '退回', escalate: '上报',
  extend_request: '申请延期', extend: '申请延期', extend_decide: '审批延期', add_party: '添加当事人', 'add a party to': '添加当事人',
  schedule_session: '安排调解', 'schedule a session for': '安排调解', record_minutes: '记录笔录', record_agreement: '制作调解协议书',
  'record an agreement for': '制作调解协议书', record_performance: '登记履行情况', 'record performance for': '登记履行情况', resolve: '办结', follow_up: '回访', reopen: '重新办理', merge: '并单', withdraw: '撤回',
  close: '归档', reclassify: '改变分类', set_fields: '补充信息', 'set the fields of': '补充信息', locate: '更正地点', flag_risk: '标记风险', flag: '标记风险', order_supervision: '督办',
  supervise: '督办', 'log contact on': '记录联系',
};

/** A message in Chinese: already Chinese as it is, one the table knows in its words, anything else unchanged. */
export function chinese(message: string): string {
  if (/[\u4e00-\u9fff]/.test(message) && !/^[\x20-\x7e]/.test(message)) return message;
  for (const [pattern, say] of RULES) {
    const match = message.match(pattern);
    if (match) return say(match);
  }
  return message;
}
