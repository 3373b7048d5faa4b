/** 人民调解协议书, laid out to be printed and signed (see the print rules in app.css). */
import { api, type CaseView } from '../api.ts';
import { href, useProfile } from '../app.ts';
import { ErrorBox, PageTitle, useLoad } from '../components.tsx';
import { chineseNumber, formatLongDate } from '../format.ts';
import { nameOf, PARTY_ROLES, personName } from '../labels.ts';

export function AgreementPage({ id }: { id: string }) {
  const { units } = useProfile();
  // Printed for signing, so with the parties' full details: the server records this read in the case's 查阅记录.
  const loaded = useLoad(() => api<CaseView>('GET', `/v1/cases/${encodeURIComponent(id)}?reveal=personal`), [id]);
  const back = (
    <p class="no-print">
      <a href={href(`case/${encodeURIComponent(id)}`)}>← 返回案件</a>
    </p>
  );
  if (loaded.error !== undefined || !loaded.data) {
    return (
      <main id="main">
        {back}
        <ErrorBox error={loaded.error} />
        {loaded.loading && <p class="muted">正在加载…</p>}
      </main>
    );
  }
  const c = loaded.data;
  const a = c.agreement;
  if (!a) {
    return (
      <main id="main">
        {back}
        <PageTitle title="调解协议书">调解协议书</PageTitle>
        <p>本案尚未制作调解协议书。</p>
      </main>
    );
  }
  // 人民调解委员会 sit at the community (居委会) and the township, not at buildings or compounds.
  const seat = units.ancestorAt(c.unitId, 'community') ?? units.get(c.unitId);
  const committee = `${seat?.name ?? ''}人民调解委员会`;
  // Where the dispute arose, from the 村 (社区) down, each level named as its branch names it.
  const place = c.place.map((p) => `${p.levelName}：${p.name}`);
  return (
    <main id="main" class="agreement-page">
      {back}
      <p class="no-print">
        <button type="button" class="primary" onClick={() => print()}>
          打印
        </button>
      </p>
      <article class="agreement">
        <PageTitle title="人民调解协议书">人民调解协议书</PageTitle>
        <p class="doc-no">编号：{c.trackingNo}</p>
        {place.length > 0 && <p class="place">纠纷发生地：{place.join('　')}</p>}

        <h2>当事人</h2>
        {a.parties.map((p, i) => (
          <p key={i} class="party">
            {nameOf(PARTY_ROLES, p.role)}：{p.name}
            {p.idNumber && `，身份证号 ${p.idNumber}`}
            {p.phone && `，联系电话 ${p.phone}`}
            {p.address && `，住址 ${p.address}`}
          </p>
        ))}

        <h2>纠纷主要事实、争议事项</h2>
        <p class="facts">{a.facts}</p>

        <h2>经调解，各方当事人自愿达成如下协议</h2>
        <ol class="terms">
          {a.terms.map((term, i) => (
            <li key={i}>
              <span class="term-no">{chineseNumber(i + 1)}、</span>
              {term}
            </li>
          ))}
        </ol>

        <h2>履行方式、时限</h2>
        <p>
          {a.performance.method}，于 {formatLongDate(a.performance.deadline)} 前履行完毕。
        </p>

        <p class="clause">
          本协议一式 {a.parties.length + 1} 份，当事人各执一份，{committee}留存一份。本协议自各方当事人签名（盖章）、人民调解员签名并加盖人民调解委员会印章之日起生效。
          经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。
        </p>

        <div class="signatures">
          {a.parties.map((p, i) => (
            <p key={i}>
              {nameOf(PARTY_ROLES, p.role)}（签名）：<span class="sign-line" aria-hidden="true" />
              <span class="sign-name">{p.name}</span>
            </p>
          ))}
          <p>
            人民调解员（签名）：<span class="sign-line" aria-hidden="true" />
            {/* The line already says 人民调解员: the name alone, without a post in brackets. */}
            <span class="sign-name">{personName(a.mediator)}</span>
          </p>
          <p class="seal">{committee}（印章）</p>
          <p class="date">{formatLongDate(a.signedAt)}</p>
        </div>
      </article>
    </main>
  );
}
