/**
 * POST /v1/charts: what the statistics page asks to be drawn — a few bar,
 * line or pie charts of labelled counts — bounded, so that drawing costs a
 * known, small amount whatever is sent.
 */
import * as z from 'zod/mini';
import './zod.ts';
import { text } from './fields.ts';

const count = z.number().check(z.gte(0), z.lte(1e9));

export const chartSpec = z.strictObject({
  kind: z.enum(['bar', 'line', 'pie']),
  title: text(1, 40),
  categories: z.array(text(1, 40)).check(z.minLength(1), z.maxLength(60)),
  series: z.array(z.strictObject({ name: text(1, 20), data: z.array(count).check(z.maxLength(60)) })).check(z.minLength(1), z.maxLength(4)),
});

export const chartsRequest = z.strictObject({ charts: z.array(chartSpec).check(z.minLength(1), z.maxLength(8)) });

export type ChartSpec = z.output<typeof chartSpec>;
