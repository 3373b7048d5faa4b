import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ACTION_TYPES, actionSchema } from '../../shared/contract/actions.ts';
import { TOPIC_ACTION_TYPES, topicActionSchema } from '../../shared/contract/deliberation.ts';

/** The types a discriminated union of `{ type: literal }` objects accepts, read from the built schema. */
function typesOf(schema: z.ZodMiniType): string[] {
  const union = (schema as z.ZodMiniLazy).def.getter() as z.ZodMiniDiscriminatedUnion;
  return union.def.options.map((o) => String(((o as z.ZodMiniObject).shape.type as z.ZodMiniLiteral).def.values[0]));
}

describe('the contract lists what its schemas accept', () => {
  it('ACTION_TYPES are exactly the types of the action schema, in its order', () => {
    expect([...ACTION_TYPES]).toEqual(typesOf(actionSchema));
  });

  it('TOPIC_ACTION_TYPES are exactly the types of the 议事厅 action schema, in its order', () => {
    expect([...TOPIC_ACTION_TYPES]).toEqual(typesOf(topicActionSchema));
  });
});
