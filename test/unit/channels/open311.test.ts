import { describe, expect, it } from 'vitest';
import { intakeSchema } from '../../../shared/contract/intake.ts';
import { ValidationFailed } from '../../../shared/domain/errors.ts';
import { CENTERS } from '../../../shared/domain/registry.ts';
import {
  open311Status,
  parseOpen311Request,
  renderCreated,
  renderErrors,
  renderServiceDefinition,
  renderServiceRequests,
  renderServices,
  serviceDefinition,
  services,
  type RequestView,
} from '../../../shared/channels/open311.ts';
import { parseXml } from '../../../shared/channels/xml.ts';
import * as z from 'zod/mini';
import { xmlReady } from '../../../shared/channels/xml.ts';

// The XML library loads lazily (its own chunk in the bundle); these tests use it directly.
await xmlReady();

describe('Open311 services', () => {
  it('lists one realtime service per registry centre, in registry order', () => {
    const list = services();
    expect(list.map((s) => s.service_code)).toEqual(CENTERS.map((c) => c.code));
    for (const [i, c] of CENTERS.entries()) {
      expect(list[i]).toEqual({
        service_code: c.code,
        service_name: c.name,
        description: c.description,
        metadata: true,
        type: 'realtime',
        keywords: c.keywords.join(', '),
        group: '五个中心',
      });
    }
  });

  it('renders the list as JSON and as XML that parses back', () => {
    expect(JSON.parse(renderServices('json'))).toEqual(services());
    const xml = parseXml(renderServices('xml'));
    const items = (xml.services as { service: Record<string, string>[] }).service;
    expect(items).toHaveLength(CENTERS.length);
    expect(items[1]).toMatchObject({ service_code: 'mediation', service_name: '民事调解', metadata: 'true', type: 'realtime' });
  });

  it('defines a priority list attribute, then the centre\'s form, in JSON and XML', () => {
    const def = serviceDefinition('voice');
    expect(def.attributes).toEqual([
      expect.objectContaining({ code: 'priority', datatype: 'singlevaluelist', variable: true, required: false, order: 1, values: [{ key: 'normal', name: '一般' }, { key: 'urgent', name: '紧急' }] }),
      expect.objectContaining({ code: 'place', datatype: 'string', required: false, order: 2, description: '问题位置', values: [] }),
      expect.objectContaining({ code: 'duration', datatype: 'singlevaluelist', required: false, order: 3, values: ['一天以内', '一周以内', '一个月以内', '一个月以上'].map((v) => ({ key: v, name: v })) }),
    ]);
    expect(serviceDefinition('mediation').attributes[2]).toMatchObject({ code: 'amount', datatype: 'number', description: '争议金额（元）' });
    expect(JSON.parse(renderServiceDefinition('voice', 'json'))).toEqual(def);
    const xml = parseXml(renderServiceDefinition('voice', 'xml')) as {
      service_definition: { service_code: string; attributes: { attribute: { code: string; values: { value: { key: string }[] } }[] } };
    };
    expect(xml.service_definition.service_code).toBe('voice');
    expect(xml.service_definition.attributes.attribute.map((a) => a.code)).toEqual(['priority', 'place', 'duration']);
    expect(xml.service_definition.attributes.attribute[0]!.values.value.map((v) => v.key)).toEqual(['normal', 'urgent']);
  });
});

describe('Open311 POST /requests', () => {
  const form = new URLSearchParams({
    api_key: 'k1',
    service_code: 'voice',
    description: '阳光小区1栋楼道灯坏了',
    lat: '30.657',
    long: '104.066',
    address_string: '阳光小区1栋',
    email: 'a@example.com',
    first_name: '小红',
    last_name: '周',
    phone: '+86 138 0013 8000',
    media_url: 'https://example.com/p.jpg',
    'attribute[priority]': 'urgent',
  });

  it('maps a complete form onto an intake body the intake schema accepts', () => {
    const s = parseOpen311Request(form.toString());
    expect(s).toEqual({
      intake: {
        source: 'open311',
        center: 'voice',
        description: '阳光小区1栋楼道灯坏了',
        priority: 'urgent',
        reporter: { name: '周小红', phone: '13800138000' },
        location: { address: '阳光小区1栋', lat: 30.657, lng: 104.066 },
      },
      apiKey: 'k1',
      email: 'a@example.com',
      mediaUrl: 'https://example.com/p.jpg',
    });
    expect(z.safeParse(intakeSchema, s.intake).success).toBe(true);
  });

  it('needs only service_code, description and a location; empty fields count as absent', () => {
    const s = parseOpen311Request('service_code=guidance&description=%E8%AF%B7%E9%97%AE&address_string=%E5%92%8C%E8%B0%90%E7%A4%BE%E5%8C%BA&lat=&email=');
    expect(s).toEqual({
      intake: { source: 'open311', center: 'guidance', description: '请问', priority: 'normal', reporter: {}, location: { address: '和谐社区' } },
    });
    expect(parseOpen311Request('service_code=voice&description=x&lat=0&long=0').intake.location).toEqual({ lat: 0, lng: 0 });
    expect(parseOpen311Request('service_code=voice&description=x&lat=1&long=2&first_name=Jane&last_name=Doe').intake.reporter).toEqual({ name: 'Jane Doe' });
  });

  it.each([
    ['service_code=parking&description=x&address_string=a', 'service_code'],
    ['service_code=voice&address_string=a', 'description'],
    ['service_code=voice&description=%20%20&address_string=a', 'description'],
    ['service_code=voice&description=x&lat=91&long=0', 'lat'],
    ['service_code=voice&description=x&lat=0&long=-180.5', 'long'],
    ['service_code=voice&description=x&lat=abc&long=0', 'lat'],
    ['service_code=voice&description=x&lat=1', 'long'],
    ['service_code=voice&description=x', 'address_string'],
    ['service_code=voice&description=x&address_string=a&email=nope', 'email'],
    ['service_code=voice&description=x&address_string=a&phone=12', 'phone'],
    ['service_code=voice&description=x&address_string=a&media_url=javascript:alert(1)', 'media_url'],
    ['service_code=voice&description=x&address_string=a&attribute[priority]=asap', 'attribute.priority'],
  ])('refuses %s, naming %s', (body, path) => {
    let error: unknown;
    try {
      parseOpen311Request(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues.map((i) => i.path)).toContain(path);
  });
});

describe('Open311 service requests out', () => {
  const open: RequestView = {
    id: 'C26V9XQGBV',
    status: 'in_progress',
    statusNotes: '已派单至阳光小区',
    center: 'voice',
    description: '楼道灯坏了 & 很黑',
    requestedAt: '2026-03-02T16:00:00+08:00',
    updatedAt: '2026-03-02T17:00:00+08:00',
    expectedAt: '2026-03-05T18:00:00+08:00',
    address: '阳光小区1栋',
    lat: 30.657,
    lng: 104.066,
  };
  const closed: RequestView = { id: 'D3K7M9P2QR', status: 'resolved', center: 'mediation', description: '漏水', requestedAt: '2026-03-01T09:00:00+08:00', updatedAt: '2026-03-02T09:00:00+08:00' };

  it('maps our statuses onto open and closed', () => {
    expect(open311Status('pending')).toBe('open');
    expect(open311Status('in_progress')).toBe('open');
    for (const s of ['resolved', 'closed', 'withdrawn', 'merged'] as const) expect(open311Status(s)).toBe('closed');
  });

  it('serializes to JSON with every spec field, null where unknown', () => {
    expect(JSON.parse(renderServiceRequests([open, closed], 'json'))).toEqual([
      {
        service_request_id: 'C26V9XQGBV',
        status: 'open',
        status_notes: '已派单至阳光小区',
        service_name: '民声收集',
        service_code: 'voice',
        description: '楼道灯坏了 & 很黑',
        requested_datetime: '2026-03-02T16:00:00+08:00',
        updated_datetime: '2026-03-02T17:00:00+08:00',
        expected_datetime: '2026-03-05T18:00:00+08:00',
        address: '阳光小区1栋',
        lat: 30.657,
        long: 104.066,
      },
      {
        service_request_id: 'D3K7M9P2QR',
        status: 'closed',
        status_notes: null,
        service_name: '民事调解',
        service_code: 'mediation',
        description: '漏水',
        requested_datetime: '2026-03-01T09:00:00+08:00',
        updated_datetime: '2026-03-02T09:00:00+08:00',
        expected_datetime: null,
        address: null,
        lat: null,
        long: null,
      },
    ]);
  });

  it('serializes to XML: service_requests > request, parsed back by the hardened parser', () => {
    const text = renderServiceRequests([open, closed], 'xml');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><service_requests><request><service_request_id>C26V9XQGBV</service_request_id>')).toBe(true);
    const requests = (parseXml(text).service_requests as { request: Record<string, string>[] }).request;
    expect(requests).toHaveLength(2);
    expect(requests[0]).toEqual({
      service_request_id: 'C26V9XQGBV',
      status: 'open',
      status_notes: '已派单至阳光小区',
      service_name: '民声收集',
      service_code: 'voice',
      description: '楼道灯坏了 & 很黑',
      requested_datetime: '2026-03-02T16:00:00+08:00',
      updated_datetime: '2026-03-02T17:00:00+08:00',
      expected_datetime: '2026-03-05T18:00:00+08:00',
      address: '阳光小区1栋',
      lat: '30.657',
      long: '104.066',
    });
    expect(requests[1]).toMatchObject({ status: 'closed', status_notes: '', expected_datetime: '', lat: '' });
    expect(text).toContain('<status_notes/>');
  });

  it('renders an empty list in both formats', () => {
    expect(renderServiceRequests([], 'json')).toBe('[]');
    expect(renderServiceRequests([], 'xml')).toBe('<?xml version="1.0" encoding="UTF-8"?><service_requests/>');
  });

  it('answers a POST with the new id and a notice', () => {
    expect(JSON.parse(renderCreated('C26V9XQGBV', '已受理', 'json'))).toEqual([{ service_request_id: 'C26V9XQGBV', service_notice: '已受理', account_id: null }]);
    const xml = parseXml(renderCreated('C26V9XQGBV', '已受理', 'xml'));
    expect(xml).toEqual({ service_requests: { request: { service_request_id: 'C26V9XQGBV', service_notice: '已受理', account_id: '' } } });
  });
});

describe('Open311 errors', () => {
  const errors = [
    { code: 403, description: 'Invalid api_key' },
    { code: 400, description: 'service_code <parking> & more' },
  ];

  it('are a JSON array of code and description', () => {
    expect(renderErrors(errors, 'json')).toBe('[{"code":403,"description":"Invalid api_key"},{"code":400,"description":"service_code <parking> & more"}]');
  });

  it('are <errors><error><code/><description/></error></errors> in XML', () => {
    expect(renderErrors(errors.slice(0, 1), 'xml')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><errors><error><code>403</code><description>Invalid api_key</description></error></errors>',
    );
    const parsed = parseXml(renderErrors(errors, 'xml')) as { errors: { error: { code: string; description: string }[] } };
    expect(parsed.errors.error).toEqual([
      { code: '403', description: 'Invalid api_key' },
      { code: '400', description: 'service_code <parking> & more' },
    ]);
  });
});
