/**
 * 双报到 and 群众点单 on the page. 报到 (#/baodao) is open without signing in:
 * a party member or cadre states where they live, their skills and when they
 * are free. 志愿者 (#/volunteers) is the community's: the 报到 waiting for a
 * decision (通过 makes the volunteer account, 退回 needs a reason), the
 * roster that 派单 offers tasks to, and the menu residents 点单 from.
 */
import { useState } from 'preact/hooks';
import { api, type RegistrationView, type RosterItem, type ServicesReply } from '../api.ts';
import { href, useProfile } from '../app.ts';
import { ErrorBox, PageTitle, str, useLoad, useSubmit } from '../components.tsx';
import { VOLUNTEER_KINDS } from '../../../shared/domain/volunteers.ts';

const STATUS_NAMES: Record<string, string> = { pending: '待审核', approved: '已通过', rejected: '已退回' };
const list = (text: string) => text.split(/[,，、\s]+/).filter(Boolean);

export function BaodaoPage() {
  const services = useLoad(() => api<ServicesReply>('GET', '/v1/services'), []);
  const [done, setDone] = useState<{ communityName?: string; status: string; again: boolean }>();
  const { busy, error, submit } = useSubmit(
    (f) =>
      api<{ communityName?: string; status: string; at: string }>('POST', '/v1/volunteers/registrations', {
        unitId: str(f, 'unitId'),
        name: str(f, 'name'),
        phone: str(f, 'phone'),
        kind: str(f, 'kind'),
        ...(str(f, 'employer') ? { employer: str(f, 'employer') } : {}),
        skills: list(str(f, 'skills')),
        availability: str(f, 'availability'),
      }),
    (reply) => setDone({ ...reply, again: reply.status !== 'pending' }),
  );
  if (done) {
    return (
      <main id="main" class="register">
        <PageTitle title="报到">党员、干部到社区报到</PageTitle>
        <p role="status" tabIndex={-1} ref={(el) => el?.focus()}>
          已向{done.communityName}报到，当前状态：{STATUS_NAMES[done.status] ?? done.status}。社区审核通过后会联系您，并为您开通志愿者账号。
        </p>
      </main>
    );
  }
  return (
    <main id="main" class="register">
      <PageTitle title="报到">党员、干部到社区报到</PageTitle>
      <p class="muted">到居住地社区报到，说明您的特长和可服务时间；社区审核后纳入志愿者队伍，群众点单时由社区派单给您。</p>
      <form onSubmit={submit} class="register-form">
        <label>
          居住社区
          <select name="unitId" required>
            {(services.data?.communities ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.fullName}
              </option>
            ))}
          </select>
        </label>
        <label>
          姓名
          <input name="name" required maxLength={30} autocomplete="name" />
        </label>
        <label>
          手机
          <input name="phone" type="tel" inputMode="tel" required maxLength={32} autocomplete="tel" />
        </label>
        <label>
          身份
          <select name="kind">
            {VOLUNTEER_KINDS.map((k) => (
              <option key={k.code} value={k.code}>
                {k.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          工作单位<small class="muted">（选填）</small>
          <input name="employer" maxLength={100} />
        </label>
        <label>
          特长<small class="muted">（用逗号或空格分隔，如：水电维修，陪诊）</small>
          <input name="skills" required maxLength={200} />
        </label>
        <label>
          可服务时间
          <input name="availability" required maxLength={200} placeholder="如：周末全天、工作日晚上" />
        </label>
        <ErrorBox error={error ?? services.error} />
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? '正在提交…' : '提交报到'}
        </button>
      </form>
    </main>
  );
}

function Decide({ reg, onDone }: { reg: RegistrationView; onDone: (note: string) => void }) {
  const [rejecting, setRejecting] = useState(false);
  const { busy, error, submit } = useSubmit(
    (f) =>
      api<RegistrationView & { initialPassword?: string }>(
        'POST',
        `/v1/volunteers/registrations/${encodeURIComponent(reg.id)}/decision`,
        rejecting ? { decision: 'reject', reason: str(f, 'reason') } : { decision: 'approve', ...(str(f, 'username') ? { username: str(f, 'username') } : {}) },
      ),
    (reply) =>
      onDone(
        reply.status === 'approved'
          ? `已通过 ${reg.name} 的报到，志愿者账号 ${reply.username ?? ''}${reply.initialPassword ? `，初始密码 ${reply.initialPassword}（只显示这一次，请转告本人）` : ''}。`
          : `已退回 ${reg.name} 的报到。`,
      ),
  );
  return (
    <form onSubmit={submit} class="inline" aria-label={`审核 ${reg.name}`}>
      {rejecting ? (
        <label>
          退回原因
          <input name="reason" required maxLength={200} />
        </label>
      ) : (
        <label>
          账号<small class="muted">（选填）</small>
          <input name="username" maxLength={64} pattern="[a-z0-9][a-z0-9._\-]{2,63}" />
        </label>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {rejecting ? '确认退回' : '通过'}
      </button>
      <button type="button" class="link" onClick={() => setRejecting((r) => !r)}>
        {rejecting ? '改为通过' : '退回'}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function MenuEditor({ unitId }: { unitId: string }) {
  const menu = useLoad(() => api<ServicesReply>('GET', `/v1/services?unitId=${encodeURIComponent(unitId)}`), [unitId]);
  const [saved, setSaved] = useState<string>();
  const { busy, error, submit } = useSubmit(
    (f) =>
      api<ServicesReply>('PUT', `/v1/services/${encodeURIComponent(unitId)}`, {
        items: str(f, 'menu')
          .split('\n')
          .map((line) => line.split(/[,，]/).map((cell) => cell.trim()))
          .filter((cells) => cells[0])
          .map(([code, name, description]) => ({ code, name: name ?? '', ...(description ? { description } : {}) })),
      }),
    () => {
      setSaved('服务清单已保存。');
      menu.reload();
    },
  );
  if (!menu.data) return <ErrorBox error={menu.error} />;
  const text = menu.data.items.map((i) => [i.code, i.name, i.description ?? ''].join('，').replace(/，$/, '')).join('\n');
  return (
    <form onSubmit={submit} key={text}>
      <p class="muted">{menu.data.isDefault ? '目前使用默认清单，保存后成为本单位的清单。' : '本单位的服务清单。'}每行一项：编号，名称，说明（选填）。</p>
      <label>
        服务清单
        <textarea name="menu" rows={8} defaultValue={text} />
      </label>
      <ErrorBox error={error} />
      {saved && <p role="status">{saved}</p>}
      <button type="submit" class="primary" disabled={busy}>
        保存清单
      </button>
    </form>
  );
}

export function VolunteersPage() {
  const { me } = useProfile();
  const keeper = me.role === 'mediator' || me.role === 'officer' || me.role === 'admin';
  const roster = useLoad(() => api<{ items: RosterItem[] }>('GET', '/v1/volunteers'), []);
  const regs = useLoad(() => api<{ items: RegistrationView[] }>('GET', '/v1/volunteers/registrations?status=pending'), []);
  const [note, setNote] = useState<string>();
  const decided = (text: string) => {
    setNote(text);
    regs.reload();
    roster.reload();
  };
  return (
    <main id="main">
      <PageTitle title="志愿者">志愿者（双报到）</PageTitle>
      <p class="muted">
        群众点单、社区派单、党员接单。报到页面：<a href={href('baodao')}>{location.origin}{location.pathname}{href('baodao')}</a>
      </p>
      {note && <p role="status">{note}</p>}
      <section aria-labelledby="pending-title">
        <h2 id="pending-title">待审核报到</h2>
        <ErrorBox error={regs.error} />
        {regs.data && regs.data.items.length === 0 && <p class="muted">没有待审核的报到。</p>}
        <ul class="plain">
          {regs.data?.items.map((r) => (
            <li key={r.id}>
              <strong>{r.name}</strong>（{r.kindName}
              {r.employer ? `，${r.employer}` : ''}）{r.unitName} · 电话 {r.phone ?? '—'} · 特长：{r.skills.join('、')} · 可服务时间：{r.availability}
              {keeper && <Decide reg={r} onDone={decided} />}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="roster-title">
        <h2 id="roster-title">志愿者名册</h2>
        <ErrorBox error={roster.error} />
        <table>
          <thead>
            <tr>
              <th>姓名</th>
              <th>账号</th>
              <th>社区</th>
              <th>特长</th>
              <th>可服务时间</th>
              <th>电话</th>
            </tr>
          </thead>
          <tbody>
            {roster.data?.items.map((v) => (
              <tr key={v.username}>
                <td>
                  {v.displayName}
                  {v.disabled ? '（已停用）' : ''}
                </td>
                <td>{v.username}</td>
                <td>{v.unitName}</td>
                <td>{v.registration?.skills.join('、') ?? '—'}</td>
                <td>{v.registration?.availability ?? '—'}</td>
                <td>{v.registration?.phone ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {keeper && me.unit && (
        <section aria-labelledby="menu-title">
          <h2 id="menu-title">点单服务清单 · {me.unit.name}</h2>
          <MenuEditor unitId={me.unit.id} />
        </section>
      )}
    </main>
  );
}
