/**
 * `data.dataset`: one dataset for all three splits. `{dataset: {type: voc, root: R}}` becomes
 * `train/val/test: {type: voc, root: R, split: train|val|test}` for each `R/ImageSets/Main/<split>.txt` that
 * exists; `{type: yolo, dataYaml: F}` for each of `train`, `val`, `test` that F names. A split written
 * explicitly beside it (`data.test: …`) is kept. Expanded before validation, so every later step (and the
 * saved `config.yaml`) sees the three splits.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { CliError, showValue } from "./errors";

/** Dataset types the shorthand expands, and where each finds its splits. */
export const SHORTHAND_TYPES = {
  voc: "root/ImageSets/Main/{train,val,test}.txt",
  yolo: "the train, val and test keys of dataYaml",
} as const;

const SPLITS = ["train", "val", "test"] as const;
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** The splits a shorthand dataset has (names of `SPLITS`), read from its files. */
function splitsOf(ds: Record<string, unknown>, fail: (msg: string) => never): string[] {
  if (ds.type === "voc") {
    if (typeof ds.root !== "string") fail(`root: got ${showValue(ds.root)}; allowed: the dataset folder`);
    return SPLITS.filter((s) => existsSync(path.join(ds.root as string, "ImageSets", "Main", `${s}.txt`)));
  }
  if (ds.type === "yolo") {
    if (typeof ds.dataYaml !== "string")
      fail(`dataYaml: got ${showValue(ds.dataYaml)}; allowed: the data.yaml file`);
    let yaml: unknown;
    try {
      yaml = parseYaml(readFileSync(ds.dataYaml as string, "utf8"));
    } catch (e) {
      fail(`dataYaml: cannot read ${ds.dataYaml}: ${(e as Error).message.split("\n")[0]}`);
    }
    return SPLITS.filter((s) => isObject(yaml) && yaml[s] != null);
  }
  return fail(
    `type: got ${showValue(ds.type)}; allowed: ${Object.keys(SHORTHAND_TYPES).join(", ")} (formats with named splits; give data.train, data.val and data.test for other formats)`,
  );
}

/** `input` with `data.dataset` replaced by the splits it names (unchanged when there is none). */
export function expandDataShorthand(input: unknown, source: string): unknown {
  if (!isObject(input) || !isObject(input.data) || input.data.dataset === undefined) return input;
  const { dataset, ...data } = input.data;
  const fail = (msg: string): never => {
    throw new CliError(`invalid config ${source}:\n  data.dataset.${msg}`);
  };
  if (!isObject(dataset))
    throw new CliError(
      `invalid config ${source}:\n  data.dataset: got ${showValue(dataset)}; allowed: {type: voc, root: …} or {type: yolo, dataYaml: …}`,
    );
  for (const k of ["split", "splitFile"])
    if (k in dataset)
      fail(`${k}: not allowed here; the shorthand sets each split (write data.train/val/test instead)`);
  const found = splitsOf(dataset, fail);
  if (!found.includes("train") && data.train === undefined)
    fail(
      `${dataset.type === "voc" ? "root" : "dataYaml"}: no train split found (${SHORTHAND_TYPES[dataset.type as keyof typeof SHORTHAND_TYPES]})`,
    );
  for (const s of found) if (data[s] === undefined) data[s] = { ...dataset, split: s };
  return { ...input, data };
}

type JsonObject = { properties?: Record<string, Record<string, unknown>>; required?: string[] };

/**
 * Adds `data.dataset` to the JSON Schema of the config (in place; a split config, as `data.train`), and makes
 * `data.train` optional there, so editors accept the shorthand that is expanded before validation.
 */
export function withDataShorthand(schema: Record<string, unknown>): void {
  const data = (schema as JsonObject).properties?.data as JsonObject | undefined;
  const train = data?.properties?.train;
  if (!data?.properties || !train) return;
  data.properties.dataset = {
    ...train,
    description: `One dataset for train, val and test (${Object.entries(SHORTHAND_TYPES)
      .map(([t, w]) => `${t}: ${w}`)
      .join("; ")}); explicit data.train/val/test beside it are kept.`,
  };
  data.required = data.required?.filter((k) => k !== "train");
}
