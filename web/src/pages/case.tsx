/** One case: what it is about, where it stands, its timeline, and what the user can do with it. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { all, api, ApiError, type ActorView, type AuditEntryView, type CaseView, type EventView } from '../api.ts';
import { href, navigate, useProfile } from '../app.ts';
import { canRead } from '../../../shared/domain/access.ts';
import { Deadline, EmergencyBadge, ErrorBox, PageTitle, RiskBadge, StatusBadge, useLoad } from '../components.tsx';
import { formatDateTime, formatLongDate } from '../format.ts';
import { describeFieldChanges, FieldList } from '../forms.tsx';
import {
  CENTERS,
  CONTACT_CHANNELS,
  ESCALATION_REASONS,
  label,
  nameOf,
  OUTCOMES,
  PARTY_ROLES,
  PERFORMANCES,
  PRIORITIES,
  RISK_LEVELS,
  ROLES,
  SATISFACTIONS,
  SOURCES,
  type UnitKind,
} from '../labels.ts';
import { Actions } from './actions.tsx';
import { CaseFiles, TimelineFile, describeFileEvent } from './attachments.tsx';
import { rulesFor } from '../../../shared/domain/privacy.ts';
import type { Role } from '../../../shared/domain/registry.ts';

/** The case, with its personal details in full only when `reveal` (the server records each such read). */
export async function loadCase(id: string, reveal = false) {
  const path = `/v1/cases/${encodeURIComponent(id)}`;
  const [view, events] = await Promise.all([api<CaseView>('GET', reveal ? `${path}?reveal=personal` : path), all<EventView>(`${path}/events?limit=500`)]);
  return { view, events };
}

/** Whether the user's role is shown anything more on request: the policy's own table says. */
const mayReveal = (role: Role) => Object.values(rulesFor('case', role)).includes('reveal');

function actorName(actor: ActorView): string {
  switch (actor.kind) {
    case 'user': {
      const name = actor.name ?? actor.id;
      // Many display names carry their post already (张桂兰（联户长）): one label is enough.
      return /[（(][^）)]*[）)]\s*$/.test(name) ? name : `${name}（${nameOf(ROLES, actor.role)}）`;
    }
    case 'system':
      return '系统';
    case 'client':
      return `接口 ${actor.id}`;
    case 'resident':
      return '群众';
  }
}

/** One timeline entry in the words of the trade. */
export function describe(e: EventView, unitName: (id: string) => string, personOf: (username: string) => string = (u) => u, kind?: UnitKind): string {
  switch (e.type) {
    case 'received':
      return `受理（${nameOf(SOURCES, e.data.source)}），由${unitName(e.data.unitId)}办理`;
    case 'accepted':
      return e.data.byVolunteer ? '志愿者接单' : '签收';
    case 'declined':
      return `志愿者谢绝：${e.data.reason}`;
    case 'noted':
      if (e.actor.kind === 'resident') return `群众补充：${e.data.text}`;
      return `${e.data.visibility === 'public' ? '公开答复' : '内部备注'}：${e.data.text}`;
    case 'contacted':
      return `联系（${nameOf(CONTACT_CHANNELS, e.data.channel)}）：${e.data.summary}`;
    case 'dispatched_to_unit':
      return `派单至${unitName(e.data.toUnitId)}${e.data.note ? `：${e.data.note}` : ''}`;
    case 'dispatched_to_volunteer':
      return `派给志愿者 ${personOf(e.data.volunteerId)}${e.data.note ? `：${e.data.note}` : ''}`;
    case 'task_recalled':
      return `收回志愿者 ${personOf(e.data.volunteerId)} 的任务：${e.data.reason}`;
    case 'returned':
      return `退回至${unitName(e.data.toUnitId)}：${e.data.reason}`;
    case 'escalation_requested':
      return `申请上报（${nameOf(ESCALATION_REASONS, e.data.reason)}）${e.data.note ? `：${e.data.note}` : ''}`;
    case 'escalated':
      return `升级至${unitName(e.data.toUnitId)}（${nameOf(ESCALATION_REASONS, e.data.reason)}）${e.data.note ? `：${e.data.note}` : ''}`;
    case 'reminded':
      return `催办：${e.data.clock === 'accept' ? '签收' : '办结'}期限 ${formatDateTime(e.data.dueAt)}`;
    case 'supervised':
      return `督办（第 ${e.data.alert} 次），自 ${formatDateTime(e.data.overdueSince)} 起超时`;
    case 'extension_requested':
      return `申请延期至 ${formatDateTime(e.data.until)}：${e.data.reason}`;
    case 'extension_decided':
      return `${e.data.approved ? `批准延期至 ${formatDateTime(e.data.until)}` : '不批准延期'}${e.data.comment ? `：${e.data.comment}` : ''}`;
    case 'party_added':
      return `添加当事人 ${e.data.name}（${nameOf(PARTY_ROLES, e.data.role)}）`;
    case 'session_scheduled':
      return `安排调解：${formatDateTime(e.data.at)}，${e.data.place}，调解员 ${e.data.mediators.join('、')}`;
    case 'minutes_recorded':
      return '记录调解笔录';
    case 'agreement_recorded':
      return `制作调解协议书（${e.data.parties.map((p) => p.name).join('、')}）`;
    case 'performance_reminded':
      return `履行回访提醒：协议约定 ${formatLongDate(e.data.deadline)} 前履行，请核实履行情况`;
    case 'performance_recorded':
      return `履行情况：${nameOf(PERFORMANCES, e.data.performance)}，${e.data.note}${e.data.reopenClocks ? '（重新办理）' : ''}`;
    case 'resolved':
      return `办结（${nameOf(OUTCOMES, e.data.outcome)}${e.data.onTime ? '' : '，超期'}）：${e.data.summary}`;
    case 'deliberation_recorded':
      return `议事协商「${e.data.title}」结果公示：${e.data.result}${e.data.resolves ? '（据此办结）' : ''}`;
    case 'followed_up':
      return `回访：${nameOf(SATISFACTIONS, e.data.satisfaction)}${e.data.comment ? `，${e.data.comment}` : ''}${e.data.reopenClocks ? '（重新办理）' : ''}`;
    case 'reopened':
      return `重新办理：${e.data.reason}`;
    case 'merged':
      return `并入案件 ${e.data.intoCaseId}`;
    case 'absorbed':
      return `案件 ${e.data.fromCaseId} 并入本案`;
    case 'absorb_cancelled':
      return `案件 ${e.data.fromCaseId} 不再并入本案：${e.data.reason}`;
    case 'withdrawn':
      return `撤回：${e.data.reason}`;
    case 'closed':
      return `归档${e.data.reason ? `：${e.data.reason}` : ''}`;
    case 'fields_set':
      return describeFieldChanges(e.data.changes);
    case 'reclassified':
      return `分类由${nameOf(CENTERS, e.data.from)}改为${nameOf(CENTERS, e.data.to)}`;
    case 'repeats_flagged':
      return `疑似重复件：与 ${e.data.caseIds.join('、')} 相似，请核实是否并单`;
    case 'risk_flagged':
      return `标记${nameOf(RISK_LEVELS, e.data.risk.level)}风险${e.data.note ? `：${e.data.note}` : ''}${e.data.jumpToDispatchLevel ? `（直报${label(kind, 'community')}）` : ''}`;
    case 'supervision_ordered':
      return `督办：${e.data.note}（限 ${formatLongDate(e.data.until)} 前办理）`;
    case 'located':
      return `更正地点：${[e.data.location.unitId && unitName(e.data.location.unitId), e.data.location.address].filter(Boolean).join('，')}`;
    case 'attached':
    case 'media_requested':
    case 'media_failed':
      return describeFileEvent(e);
  }
}

function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const AUDIT_WHAT: Readonly<Record<string, string>> = {
  reporter_details: '查看了反映人和当事人的完整信息',
  reporter_search: '按反映人电话查找到此案',
};

function auditLine(e: AuditEntryView): string {
  const what = AUDIT_WHAT[e.what] ?? e.what;
  if (e.what === 'reporter_search') return `${what}${e.phone ? `（${e.phone}` : '（'}，共 ${e.caseIds?.length ?? 1} 件）`;
  return what;
}

/** Who has seen the reporter's and the parties' full details: loaded when opened. */
function AuditTrail({ id }: { id: string }) {
  const { units } = useProfile();
  const trail = useLoad(() => api<{ items: AuditEntryView[] }>('GET', `/v1/cases/${encodeURIComponent(id)}/audit`), [id]);
  if (trail.error !== undefined) return <ErrorBox error={trail.error} />;
  if (!trail.data) return <p class="muted">正在加载…</p>;
  if (trail.data.items.length === 0) return <p class="muted">还没有人查看过。</p>;
  return (
    <ol class="timeline audit">
      {[...trail.data.items].reverse().map((e) => (
        <li key={`${e.at}|${e.username}`}>
          <time dateTime={e.at}>{formatDateTime(e.at)}</time>
          <span class="who">
            {e.username}（{nameOf(ROLES, e.role)} · {units.get(e.unitId)?.name ?? e.unitId}）
          </span>
          <p>{auditLine(e)}</p>
        </li>
      ))}
    </ol>
  );
}

function AuditPanel({ id }: { id: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details class="action audit-panel" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>查阅记录（谁看过个人信息）</summary>
      {open && <AuditTrail id={id} />}
    </details>
  );
}

const READS_AUDIT = new Set(['admin', 'officer', 'leader']);

export function CasePage({ id }: { id: string }) {
  const { units, me, volunteers } = useProfile();
  /** A volunteer by name (the account's), not by username. */
  const personOf = (username: string) => (username === me.username ? me.displayName : (volunteers.find((v) => v.username === username)?.displayName ?? username));
  // 显示: personal details in full from now on, each load recorded in the case's 查阅记录.
  const [reveal, setReveal] = useState(false);
  const loaded = useLoad(() => loadCase(id, reveal), [id, reveal]);
  const [notice, setNotice] = useState<string>();
  const [conflict, setConflict] = useState<{ error: unknown; since: number }>();
  const unitName = (unitId: string) => units.get(unitId)?.fullName ?? unitId;

  if (loaded.error !== undefined) {
    return (
      <main id="main">
        <PageTitle title="案件">案件</PageTitle>
        <ErrorBox error={loaded.error} />
        <a href={href('queue')}>返回我的待办</a>
      </main>
    );
  }
  if (!loaded.data) return <main id="main" aria-busy="true" class="muted">正在加载…</main>;
  const { view: c, events } = loaded.data;

  const done = (text: string, next: CaseView) => {
    // An action that takes the case away from the user (a volunteer declining a task) leaves nothing to show here.
    if (me.unit && !canRead({ kind: 'user', id: me.username, name: me.displayName, role: me.role, unitId: me.unit.id }, next, units)) {
      navigate(href('queue'));
      return;
    }
    setNotice(text);
    setConflict(undefined);
    loaded.reload();
  };
  const failed = (error: unknown) => {
    // Someone else moved the case on: show what they did and the new state; what was typed stays (a draft).
    if (!(error instanceof ApiError && error.status === 409)) return false;
    setNotice(undefined);
    setConflict({ error, since: c.version });
    loaded.reload();
    return true;
  };
  const changes = conflict ? events.filter((e) => e.seq > conflict.since) : [];
  // Where the matter arose names its levels as its branch does: 村 / 小组 / 湾落 in a village.
  const kind = units.get(c.originUnitId)?.branchKind;
  const village = units.ancestorAt(c.originUnitId, 'community');

  return (
    <main id="main" class="case-page">
      <p class="crumbs">
        <a href={href('queue')}>我的待办</a> / 案件 {c.trackingNo}
      </p>
      <PageTitle title={`案件 ${c.trackingNo}`}>{c.title}</PageTitle>
      <p class="badges">
        <StatusBadge c={c} />
        <span class="badge">{nameOf(CENTERS, c.center)}</span>
        <RiskBadge level={c.risk?.level} />
        <EmergencyBadge c={c} />
        {c.priority === 'urgent' && <span class="badge urgent">{nameOf(PRIORITIES, 'urgent')}</span>}
        {c.supervision && <span class="badge overdue">督办中</span>}
        {c.escalationPending && <span class="badge near">上报中</span>}
      </p>
      {conflict && (
        <div class="error conflict" role="alert">
          <strong>该案件刚被他人修改，已为您显示最新内容；您填写的内容已保留，请核对后再提交。</strong>
          {changes.length > 0 && (
            <ul>
              {changes.map((e) => (
                <li key={e.seq}>
                  {formatDateTime(e.at)} {actorName(e.actor)}：{describe(e, unitName, personOf, kind)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {notice && (
        // Where the user is looking, on a phone too: a toast over the page's foot.
        <p class="toast" role="status" key={notice + c.version}>
          {notice}
        </p>
      )}

      <div class="case-grid">
        <section aria-labelledby="facts">
          <h2 id="facts">诉求</h2>
          <p class="description">{c.description}</p>
          <dl>
            <Field label="编号">
              {c.trackingNo}
              {c.id !== c.trackingNo && <small class="muted">（案件 ID {c.id}）</small>}
            </Field>
            <Field label="当前办理">
              {c.levelName} · {c.unitName}
            </Field>
            {village && <Field label={`所在${label(kind, 'community')}`}>{village.name}</Field>}
            <Field label="期限">
              <Deadline c={c} />
            </Field>
            {c.acceptDueAt && <Field label="签收期限">{formatDateTime(c.acceptDueAt)}</Field>}
            {c.resolveDueAt && <Field label="办结期限">{formatDateTime(c.resolveDueAt)}</Field>}
            <Field label="来源">
              {nameOf(SOURCES, c.source)}
              {c.externalId && ` · 工单号 ${c.externalId}`}
            </Field>
            <FieldList center={c.center} fields={c.fields} />
            <Field label="反映人">
              {[c.reporter.name, c.reporter.phone].filter(Boolean).join('，') || '未留姓名'}
              {!c.revealed && mayReveal(me.role) && (
                <button type="button" class="link reveal" onClick={() => setReveal(true)} title="查看完整的电话、身份证号、住址和家庭情况；每次查看都会记入查阅记录">
                  显示
                </button>
              )}
              {c.revealed && <small class="muted">（已显示完整信息，已记入查阅记录）</small>}
            </Field>
            {(c.location.address || c.location.unitId) && (
              <Field label="地点">
                {[c.location.unitId && unitName(c.location.unitId), c.location.address].filter(Boolean).join('，')}
              </Field>
            )}
            {c.occurredAt && <Field label="发生时间">{formatDateTime(c.occurredAt)}</Field>}
            <Field label="受理时间">{formatDateTime(c.createdAt)}</Field>
            {c.originUnitId !== c.unitId && <Field label="发生单位">{unitName(c.originUnitId)}</Field>}
            {c.service && <Field label="点单服务">{c.service.name}</Field>}
            {c.servedBy && c.status !== 'pending' && c.status !== 'in_progress' && <Field label="服务志愿者">{personOf(c.servedBy)}</Field>}
            {c.assignment && (c.status === 'pending' || c.status === 'in_progress') && (
              <Field label="志愿者">
                {personOf(c.assignment.volunteerId)}（{c.assignment.state === 'offered' ? '待接单' : '已接单'}）
              </Field>
            )}
            {c.supervisionOrder && (
              <Field label="督办">
                {c.supervisionOrder.note}（{c.supervisionOrder.byName}，限 {formatLongDate(c.supervisionOrder.until)} 前）
              </Field>
            )}
            {c.extensionRequest && (
              <Field label="延期申请">
                至 {formatDateTime(c.extensionRequest.until)}：{c.extensionRequest.reason}
              </Field>
            )}
            {c.possibleRepeatOf && <Field label="疑似重复件">{c.possibleRepeatOf.join('、')}</Field>}
            {c.mergedInto && (
              <Field label="已并入">
                <a href={href(`case/${encodeURIComponent(c.mergedInto)}`)}>{c.mergedInto}</a>
              </Field>
            )}
          </dl>
          {c.parties.length > 0 && (
            <>
              <h3>当事人</h3>
              <ul class="plain">
                {c.parties.map((p, i) => (
                  <li key={i}>
                    {nameOf(PARTY_ROLES, p.role)}：{p.name ?? '（未显示）'}
                    {p.phone ? `，${p.phone}` : ''}
                    {p.idNumber ? `，身份证号 ${p.idNumber}` : ''}
                    {p.address ? `，${p.address}` : ''}
                  </li>
                ))}
              </ul>
            </>
          )}
          {c.sessions.length > 0 && (
            <>
              <h3>调解</h3>
              <ul class="plain">
                {c.sessions.map((s) => (
                  <li key={s.id}>
                    {formatDateTime(s.at)}，{s.place}，调解员 {s.mediators.join('、')}
                    {s.minutes ? <p class="minutes">笔录：{s.minutes}</p> : <small class="muted">（尚无笔录）</small>}
                  </li>
                ))}
              </ul>
            </>
          )}
          {c.agreement && (
            <p>
              已制作调解协议书（{formatLongDate(c.agreement.signedAt)}，履行期限 {formatLongDate(c.agreement.performance.deadline)}）。
              <a href={href(`case/${encodeURIComponent(c.id)}/agreement`)}>查看 / 打印调解协议书</a>
            </p>
          )}
          {(c.resolution || c.followUp) && (
            <dl>
              {c.resolution && (
                <Field label="办理结果">
                  {nameOf(OUTCOMES, c.resolution.outcome)}：{c.resolution.summary}（{formatDateTime(c.resolution.at)}）
                </Field>
              )}
              {c.followUp && (
                <Field label="回访">
                  {nameOf(SATISFACTIONS, c.followUp.satisfaction)}
                  {c.followUp.comment && `：${c.followUp.comment}`}
                </Field>
              )}
            </dl>
          )}
          <CaseFiles c={c} onAdded={() => loaded.reload()} />
        </section>

        <section aria-labelledby="actions-title" class="actions-panel">
          <h2 id="actions-title">办理</h2>
          <Actions c={c} onDone={done} onFailed={failed} />
        </section>

        <section aria-labelledby="timeline" class="timeline-panel">
          <h2 id="timeline">办理记录</h2>
          <ol class="timeline">
            {[...events].reverse().map((e) => (
              <li key={e.seq}>
                <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                <span class="who">{actorName(e.actor)}</span>
                <p>{describe(e, unitName, personOf, kind)}</p>
                {e.type === 'attached' && <TimelineFile c={c} id={e.data.id} />}
              </li>
            ))}
          </ol>
          {READS_AUDIT.has(me.role) && <AuditPanel id={id} />}
        </section>
      </div>
    </main>
  );
}
