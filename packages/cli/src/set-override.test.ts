import { describe, expect, it } from "vitest";
import { CliError } from "./errors";
import { applyOverrides, parseSetArg } from "./set-override";

describe("--set overrides", () => {
  it("parses dotted keys, list indexes and YAML values", () => {
    expect(parseSetArg("train.epochs=5")).toEqual({
      path: ["train", "epochs"],
      value: 5,
      raw: "train.epochs=5",
    });
    expect(parseSetArg("distill[0].weight=2.5").path).toEqual(["distill", 0, "weight"]);
    expect(parseSetArg("distill.1.loss.type=cwd").path).toEqual(["distill", 1, "loss", "type"]);
    expect(parseSetArg("a=true").value).toBe(true);
    expect(parseSetArg("a=[1, 2]").value).toEqual([1, 2]);
    expect(parseSetArg("data.train={type: coco, annotationFile: a=b.json}").value).toEqual({
      type: "coco",
      annotationFile: "a=b.json",
    });
    expect(parseSetArg("name=").value).toBe("");
    expect(parseSetArg("teacher=null").value).toBeNull();
  });

  it("rejects malformed arguments with the argument in the message (usage errors)", () => {
    for (const bad of ["epochs", "=5", "a..b=1", "a=[1,"]) {
      const e = (() => {
        try {
          parseSetArg(bad);
        } catch (err) {
          return err as CliError;
        }
      })();
      expect(e).toBeInstanceOf(CliError);
      expect(e!.exitCode).toBe(2);
      expect(e!.message).toContain(JSON.stringify(bad));
    }
  });

  it("applies in order, creates missing objects, deletes with null, leaves the input untouched", () => {
    const input = {
      train: { epochs: 3, optimizer: { type: "sgd" } },
      distill: [{ weight: 1 }],
      teacher: { type: "yolov8-s" },
    };
    const out = applyOverrides(
      input,
      [
        "train.epochs=5",
        "train.optimizer.lr=0.1",
        "data.batchSize=4",
        "distill.0.weight=2",
        "distill.1={weight: 3}",
        "teacher=null",
        "train.epochs=7",
      ].map(parseSetArg),
    );
    expect(out).toEqual({
      train: { epochs: 7, optimizer: { type: "sgd", lr: 0.1 } },
      distill: [{ weight: 2 }, { weight: 3 }],
      data: { batchSize: 4 },
    });
    expect(input.train.epochs).toBe(3);
  });

  it("names the key when setting inside a scalar or past the end of a list", () => {
    expect(() => applyOverrides({ train: { epochs: 3 } }, [parseSetArg("train.epochs.x=1")])).toThrow(
      /train\.epochs is 3, not an object/,
    );
    expect(() => applyOverrides({ distill: [] }, [parseSetArg("distill.2.weight=1")])).toThrow(
      /distill is a list of 0; allowed: an index 0\.\.0/,
    );
  });

  it("refuses __proto__, constructor and prototype as key segments and inside values (no prototype pollution)", () => {
    for (const arg of [
      "__proto__.isAdmin=true",
      "constructor.prototype.isAdmin=true",
      "train.__proto__.isAdmin=true",
      "distill[0].prototype=1",
      "train={__proto__: {isAdmin: true}}",
      "data.train={constructor: 1}",
    ])
      expect(() => parseSetArg(arg), arg).toThrow(/is not allowed/);
    // a library caller building overrides by hand is refused too
    for (const path of [
      ["__proto__", "isAdmin"],
      ["constructor", "prototype", "isAdmin"],
    ])
      expect(() => applyOverrides({}, [{ path, value: true, raw: path.join(".") }])).toThrow(CliError);
    expect(() =>
      applyOverrides({}, [{ path: ["a"], value: JSON.parse('{"__proto__": {"isAdmin": true}}'), raw: "a" }]),
    ).toThrow(/"a\.__proto__" is not allowed|"__proto__" is not allowed/);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("isAdmin");
  });
});
