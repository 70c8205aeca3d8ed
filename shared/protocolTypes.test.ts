/**
 * The protocol's payload types are the schemas' types: `npx tsc --noEmit` checks these (a field
 * added to a schema but not to the event map, or the other way round, fails to compile).
 */
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { ProcedureCommand } from "./procedure/types.ts";
import type { ClientToServerEvents, DeviceBatch } from "./protocol.ts";
import type { ClientPayload, ClientPayloadEvent, deviceBatchSchema } from "./schemas.ts";

type PayloadParam<E extends ClientPayloadEvent> = Parameters<ClientToServerEvents[E]>[0];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

describe("protocol types follow the schemas", () => {
  it("gives every event with a payload exactly its schema's type", () => {
    expectTypeOf<{ [E in ClientPayloadEvent]: Same<PayloadParam<E>, ClientPayload<E>> }>().toEqualTypeOf<{
      [E in ClientPayloadEvent]: true;
    }>();
    expectTypeOf<PayloadParam<"procedure:command">>().toEqualTypeOf<{
      command: ProcedureCommand;
      reason?: string | undefined;
    }>();
  });

  it("takes the device batch from its schema", () => {
    expectTypeOf<DeviceBatch>().toEqualTypeOf<z.infer<typeof deviceBatchSchema>>();
  });
});
