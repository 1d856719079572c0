import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LOSS_IDS, LOSS_META, LossConfigSchema } from "./loss-meta";

/** The keys of a loss schema (through the `.refine` wrappers of abf and score-l2). */
function shapeKeys(schema: z.ZodType): string[] {
  let s = schema as unknown as { _zod: { def: { type: string; shape?: object; in?: z.ZodType } } };
  while (s._zod.def.type === "pipe") s = s._zod.def.in as unknown as typeof s;
  return Object.keys(s._zod.def.shape ?? {});
}

/** The keys whose schema accepts a value (renamed keys accept none). */
function acceptedKeys(schema: z.ZodType, sample: Record<string, unknown>): string[] {
  return shapeKeys(schema).filter((k) => {
    const r = schema.safeParse({ ...sample, [k]: 64 });
    return !r.success ? !r.error.issues.some((i) => i.path[0] === k && /renamed/.test(i.message)) : true;
  });
}

/** A valid config of each family with channel settings required (the others parse from `{}`). */
const REQUIRED: Partial<Record<string, Record<string, unknown>>> = {
  "score-l2": { studentChannels: 4, teacherChannels: 8 },
  abf: { studentChannels: [4], teacherChannels: [8] },
  rdkd: { studentChannels: [4], teacherChannels: [8] },
};

describe("channel settings: one pair of names across every loss", () => {
  it("no loss accepts a channel key other than studentChannels / teacherChannels (and abf's midChannel)", () => {
    for (const id of LOSS_IDS) {
      const sample = { type: id, ...REQUIRED[id] };
      expect(LOSS_META[id].schema.safeParse(sample).success, id).toBe(true);
      // channel counts: `…Channels`, `channels`, `midChannel` (not switches such as maskOnChannel, channelAttention)
      const counts = acceptedKeys(LOSS_META[id].schema, sample).filter((k) =>
        /^(\w*Channels|channels|midChannel)$/.test(k),
      );
      const allowed = ["studentChannels", "teacherChannels", ...(id === "abf" ? ["midChannel"] : [])];
      expect(
        counts.filter((k) => !allowed.includes(k)),
        id,
      ).toEqual([]);
    }
  });

  it("the names used before are refused with the new name, through the config union too", () => {
    const cases = [
      { config: { type: "defeat", channels: 128 }, key: "channels", now: "teacherChannels" },
      { config: { type: "fbkd", channels: 128 }, key: "channels", now: "teacherChannels" },
      {
        config: { type: "score-l2", inChannels: 4, outChannels: 8 },
        key: "inChannels",
        now: "studentChannels",
      },
      {
        config: { type: "abf", inChannels: [4], outChannels: [8], teacherChannels: [8] },
        key: "outChannels",
        now: "teacherChannels",
      },
    ];
    for (const c of cases) {
      const r = LossConfigSchema.safeParse(c.config);
      expect(r.success, c.config.type).toBe(false);
      const issue = r.error!.issues.find((i) => i.path[0] === c.key);
      expect(issue?.message, `${c.config.type}.${c.key}`).toMatch(new RegExp(`^renamed to ${c.now}\\b`));
    }
    // the new names parse, with the values where they were
    expect(LossConfigSchema.parse({ type: "defeat", teacherChannels: 128 })).toMatchObject({
      teacherChannels: 128,
    });
    expect(
      LossConfigSchema.parse({ type: "score-l2", studentChannels: 4, teacherChannels: 8 }),
    ).toMatchObject({ studentChannels: 4, teacherChannels: 8 });
  });

  it("the JSON Schema of a renamed key accepts no value", () => {
    const js = z.toJSONSchema(LOSS_META.defeat.schema, { io: "input" }) as {
      properties: Record<string, unknown>;
    };
    expect(js.properties.channels).toEqual({ not: {} });
    expect(js.properties.teacherChannels).toMatchObject({ type: "integer", default: 256 });
  });
});
