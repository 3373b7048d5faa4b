/** The intake body of POST /v1/cases, exactly as API.md describes it. */
import { CENTERS, PARTY_ROLE_CODES, PRIORITY_CODES, RISK_CODES, type CenterDef, type FieldDef, type Issue } from '../domain/index.ts';
import { isoDateTime, ourId, phone, slug, text } from './fields.ts';
import * as z from 'zod/mini';
import './zod.ts';
import { MESSAGES } from './messages.ts';
import { ATTACHMENT_LIMITS } from '../domain/index.ts';
import { intakeAttachmentSchema } from './attachments.ts';

export const partySchema = z.lazy(() => z.strictObject({
  name: text(1, 50),
  role: z.enum(PARTY_ROLE_CODES),
  phone: z.optional(phone),
  idNumber: z.optional(z.string().check(z.regex(/^\d{17}[\dXx]$/, MESSAGES.idNumber))),
  address: z.optional(text(0, 200)),
}));

export const reporterSchema = z.lazy(() => z.strictObject({
  name: z.optional(text(0, 50)),
  phone: z.optional(phone),
  openId: z.optional(z.string().check(z.regex(/^[\w-]{1,128}$/, MESSAGES.openId))),
}));

export const locationSchema = z.lazy(() => z.strictObject({
  unitId: z.optional(ourId),
  address: z.optional(text(0, 200)),
  lat: z.optional(z.number().check(z.gte(-90), z.lte(90))),
  lng: z.optional(z.number().check(z.gte(-180), z.lte(180))),
}));

/** One form field's value, as its declaration allows. */
function valueSchema(field: FieldDef) {
  switch (field.type) {
    case 'choice':
      return z.enum(field.choices);
    case 'text':
      return text(1, field.maxChars ?? 100);
    case 'number':
      return z.number().check(z.gte(field.min ?? 0), z.lte(field.max));
  }
}

/** What asking a form means: API clients and 登记 ask (required fields must be there); a channel that cannot ask does not. */
export interface FormOptions {
  readonly required: boolean;
}

/** A centre's form as a schema: its declared fields and no others. */
export function centerFieldsSchema(center: Pick<CenterDef, 'fields'>, options: FormOptions = { required: true }) {
  return z.strictObject(
    Object.fromEntries(center.fields.map((f) => [f.code, f.required === true && options.required ? valueSchema(f) : z.optional(valueSchema(f))])),
  );
}

/**
 * The intake body for a list of centres (the registry's, or a test's with one
 * more). `fields` is checked against the form of the centre named: a value the
 * field does not allow, or a field the centre does not declare, is an issue
 * at `fields.<code>`.
 */
export function intakeSchemaFor<C extends string>(centers: readonly (CenterDef & { readonly code: C })[], options: FormOptions = { required: true }) {
  const forms = new Map<string, ReturnType<typeof centerFieldsSchema>>(centers.map((c) => [c.code, centerFieldsSchema(c, options)]));
  const names = new Map(centers.map((c) => [c.code, c.name]));
  return z
    .strictObject({
      source: slug(32),
      externalId: z.optional(z.string().check(z.regex(/^[\x21-\x7e]{1,128}$/, MESSAGES.keyId))),
      center: z.enum(centers.map((c) => c.code) as [C, ...C[]]),
      title: z.optional(text(0, 100)),
      description: text(1, 4000),
      priority: z._default(z.enum(PRIORITY_CODES), 'normal'),
      risk: z.optional(z.enum(RISK_CODES)),
      reporter: z._default(reporterSchema, {}),
      location: z._default(locationSchema, {}),
      parties: z._default(z.array(partySchema).check(z.maxLength(20)), []),
      /** The centre's own form (registry `fields`); GET /openapi.json lists each centre's. */
      fields: z.optional(z.record(z.string(), z.union([z.string(), z.number()]))),
      occurredAt: z.optional(isoDateTime),
      /** 群众点单: a service code from the menu of the case's unit (GET /v1/services?unitId=). */
      service: z.optional(slug(32)),
      /** Files by URL (an allow-listed host), fetched after intake by the media worker. */
      attachments: z.optional(z.array(intakeAttachmentSchema).check(z.maxLength(ATTACHMENT_LIMITS.perCase))),
    })
    .check(
      z.superRefine((body, ctx) => {
        const form = forms.get(body.center);
        if (!form) return;
        for (const issue of formIssues(form, body.fields ?? {}, names.get(body.center) ?? body.center)) {
          ctx.addIssue({ code: 'custom', path: issue.path.split('.'), message: issue.message, input: body.fields });
        }
      }),
    );
}

/** A form's problems at `fields.<code>`: a value the field does not allow, or a field the centre (named `centerName`) does not declare. */
function formIssues(form: z.ZodMiniType, fields: unknown, centerName: string): Issue[] {
  const result = z.safeParse(form, fields);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => {
    // An undeclared field is named by its own path, like a bad value.
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [k]) : [issue.path];
    const message = issue.code === 'unrecognized_keys' ? MESSAGES.unknownField(centerName) : issue.message;
    return paths.map((path) => ({ path: ['fields', ...path.map(String)].join('.'), message }));
  });
}

/**
 * 补充信息 (action `set_fields`): fields of the case's centre to fill in or
 * correct, each checked as at 登记, `null` to empty one. Whether the form is
 * then complete is the domain's rule (it knows what the case holds).
 */
export function fieldsPatchIssues(center: Pick<CenterDef, 'name' | 'fields'>, fields: unknown): Issue[] {
  const patch = z.strictObject(Object.fromEntries(center.fields.map((f) => [f.code, z.optional(z.nullable(valueSchema(f)))])));
  return formIssues(patch, fields, center.name);
}

/** POST /v1/cases: API clients and 登记, who ask a centre's form (its required fields required). */
export const intakeSchema = z.lazy(() => intakeSchemaFor(CENTERS));

/** The same body from a channel that cannot ask a form (Open311): declared fields checked if sent, none required. */
export const channelIntakeSchema = z.lazy(() => intakeSchemaFor(CENTERS, { required: false }));
