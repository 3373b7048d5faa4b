/** 管理 → 单位: the unit tree, imported (previewed first) from the spreadsheet townships keep it in, and exported back. */
import { useState } from 'preact/hooks';
import { api, RawBody, type Page, type UnitItem } from '../api.ts';
import { useProfile } from '../app.ts';
import { byPath, depth, ErrorBox, useLoad, useSubmit } from '../components.tsx';
import { decodeCsv, download, toCsv } from '../csv.ts';
import { label, LEVELS, Problem } from '../labels.ts';


const CSV_COLUMNS = ['id', 'name', 'level', 'parentId', 'kind', 'contactName', 'contactPhone'] as const;

/** The units as the import takes them back. */
const unitsCsv = (units: readonly UnitItem[]) =>
  toCsv([[...CSV_COLUMNS], ...units.map((u) => [u.id, u.name, u.level, u.parentId ?? '', u.kind ?? '', u.contacts?.[0]?.name ?? '', u.contacts?.[0]?.phone ?? ''])]);

interface ImportReply {
  readonly dryRun: boolean;
  readonly moved: readonly string[];
  readonly imported: number;
  readonly units: number;
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: number;
}

export function Units() {
  const { refresh } = useProfile();
  const list = useLoad(() => api<Page<UnitItem> & { reindex: readonly { status: string; examined: number; rewritten: number }[] }>('GET', '/v1/units'), []);
  const [csv, setCsvText] = useState('');
  const [preview, setPreview] = useState<ImportReply>();
  const [notice, setNotice] = useState<string>();
  const setCsv = (text: string) => {
    setCsvText(text);
    setPreview(undefined);
  };
  // Two steps: the server checks the whole sheet and says what it would do, then the admin confirms.
  const upload = useSubmit(
    async () => {
      setNotice(undefined);
      if (!csv.trim()) throw new Problem('请先选择 CSV 文件或粘贴内容');
      return api<ImportReply>('POST', `/v1/units/import?dryRun=${preview ? 'false' : 'true'}`, new RawBody('text/csv', csv));
    },
    (reply) => {
      if (reply.dryRun) return setPreview(reply);
      const moved = reply.moved.length > 0 ? `调整了上级的 ${reply.moved.length} 个单位，其案件将在一两分钟内随之迁移（列表和统计随后更新）。` : '';
      setNotice(`已导入：新增 ${reply.created.length} 个、更新 ${reply.updated.length} 个单位，现共有 ${reply.units} 个单位。${moved}`);
      setCsv('');
      list.reload();
      void refresh();
    },
  );
  const pick = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (file) setCsv(decodeCsv(await file.arrayBuffer()));
  };
  const units = [...(list.data?.items ?? [])].sort(byPath);
  const nameOfUnit = (id: string) => units.find((u) => u.id === id)?.fullName ?? id;
  return (
    <>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <details class="action unit-import">
        <summary>从表格导入单位（CSV）</summary>
        <form onSubmit={upload.submit}>
          <p class="muted">
            第一行为表头：<code>{CSV_COLUMNS.join(',')}</code>。层级填 {LEVELS.map((l) => `${l.code}（${l.name}）`).join('、')}；类型填 城市（urban）或 农村（rural，其下为村、小组、湾落），不填则同上级；编号已存在的单位按表格更新，其余新增。导入后整棵单位树必须有效，否则一个也不写入。
          </p>
          <label>
            选择文件
            <input type="file" accept=".csv,text/csv" onChange={pick} />
          </label>
          <label>
            或粘贴内容
            <textarea name="csv" rows={8} value={csv} onInput={(e) => setCsv((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          {preview && (
            <div class="notice import-preview" aria-live="polite">
              <strong>
                将新增 {preview.created.length} 个、更新 {preview.updated.length} 个单位，{preview.unchanged} 个不变。请核对后确认。
              </strong>
              {preview.created.length > 0 && <p>新增：{preview.created.join('、')}</p>}
              {preview.updated.length > 0 && <p>更新：{preview.updated.map(nameOfUnit).join('、')}</p>}
            </div>
          )}
          <ErrorBox error={upload.error} />
          <button type="submit" class="primary" disabled={upload.busy || (preview !== undefined && preview.imported === 0)}>
            {upload.busy ? '正在处理…' : preview ? '确认导入' : '检查并预览'}
          </button>
          {preview && (
            <button type="button" onClick={() => setPreview(undefined)}>
              取消
            </button>
          )}
          <button type="button" class="link" disabled={units.length === 0} onClick={() => void unitsCsv(units.filter((u) => u.inMyJurisdiction)).then((text) => download('units.csv', text))}>
            导出现有单位为 CSV（可在表格中修改后导入）
          </button>
        </form>
      </details>
      {(list.data?.reindex.length ?? 0) > 0 && (
        <p class="notice" role="status">
          单位调整后，案件正在随单位迁移：已检查 {list.data?.reindex.reduce((n, j) => n + j.examined, 0)} 件，已迁移 {list.data?.reindex.reduce((n, j) => n + j.rewritten, 0)} 件。完成前，辖区列表可能仍按原单位显示。
        </p>
      )}
      {list.error !== undefined && <ErrorBox error={list.error} />}
      {list.data && (
        <table class="data units">
          <thead>
            <tr>
              <th scope="col">单位</th>
              <th scope="col">层级</th>
              <th scope="col">编号</th>
              <th scope="col">联系人</th>
            </tr>
          </thead>
          <tbody>
            {units.map((u) => (
              <tr key={u.id} data-unit={u.id} class={u.inMyJurisdiction ? '' : 'muted'}>
                <th scope="row" style={{ paddingLeft: `${0.75 + depth(u) * 1.25}rem` }}>
                  {u.name}
                </th>
                <td>{label(u.branchKind, u.level)}</td>
                <td>
                  <code>{u.id}</code>
                </td>
                <td>{(u.contacts ?? []).map((c) => `${c.name}${c.phone ? ` ${c.phone}` : ''}`).join('；') || <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
