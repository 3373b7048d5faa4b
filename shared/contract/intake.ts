/** The intake body of POST /v1/cases, exactly as API.md describes it. */
import { CENTER_CODES, PARTY_ROLE_CODES, PRIORITY_CODES, RISK_CODES } from '../domain/index.ts';
import { isoDateTime, ourId, phone, slug, text } from './fields.ts';
import * as z from 'zod/mini';
import './zod.ts';
import { MESSAGES } from './messages.ts';
import { ATTACHMENT_LIMITS } from '../domain/index.ts';
import { intakeAttachmentSchema } from './attachments.ts';

export const partySchema = z.strictObject({
  name: text(1, 50),
  role: z.enum(PARTY_ROLE_CODES),
  phone: z.optional(phone),
  idNumber: z.optional(z.string().check(z.regex(/^\d{17}[\dXx]$/, MESSAGES.idNumber))),
  address: z.optional(text(0, 200)),
});

export const reporterSchema = z.strictObject({
  name: z.optional(text(0, 50)),
  phone: z.optional(phone),
  openId: z.optional(z.string().check(z.regex(/^[\w-]{1,128}$/, MESSAGES.openId))),
});

export const locationSchema = z.strictObject({
  unitId: z.optional(ourId),
  address: z.optional(text(0, 200)),
  lat: z.optional(z.number().check(z.gte(-90), z.lte(90))),
  lng: z.optional(z.number().check(z.gte(-180), z.lte(180))),
});

export const intakeSchema = z.strictObject({
  source: slug(32),
  externalId: z.optional(z.string().check(z.regex(/^[\x21-\x7e]{1,128}$/, MESSAGES.keyId))),
  center: z.enum(CENTER_CODES),
  title: z.optional(text(0, 100)),
  description: text(1, 4000),
  priority: z._default(z.enum(PRIORITY_CODES), 'normal'),
  risk: z.optional(z.enum(RISK_CODES)),
  reporter: z._default(reporterSchema, {}),
  location: z._default(locationSchema, {}),
  parties: z._default(z.array(partySchema).check(z.maxLength(20)), []),
  occurredAt: z.optional(isoDateTime),
  /** 群众点单: a service code from the menu of the case's unit (GET /v1/services?unitId=). */
  service: z.optional(slug(32)),
  /** Files by URL (an allow-listed host), fetched after intake by the media worker. */
  attachments: z.optional(z.array(intakeAttachmentSchema).check(z.maxLength(ATTACHMENT_LIMITS.perCase))),
});
