import { bnLeaf } from "./ultralytics-yolov8";

/**
 * mmdetection ResNet backbone names → kdet `ResNet` (`backbone.*`): `conv1`/`bn1` → `stem.conv`/`stem.bn`,
 * `layer<L>.<b>.conv<k>` / `bn<k>` → `c<L+1>.<b>.conv<k>.conv` / `.bn`, `downsample.0` / `.1` →
 * `downsample.conv` / `.bn`. Returns the kdet name without the `backbone.` prefix, or undefined.
 */
export function mmdetResnetName(rest: string): string | undefined {
  if (rest === "conv1.weight") return "stem.conv.weight";
  const stem = /^bn1\.(weight|bias|running_mean|running_var)$/.exec(rest);
  if (stem) return `stem.bn.${bnLeaf(stem[1] as string)}`;
  const b =
    /^layer([1-4])\.(\d+)\.(?:(conv|bn)([123])|downsample\.([01]))\.(weight|bias|running_mean|running_var)$/.exec(
      rest,
    );
  if (!b) return undefined;
  const [, layer, block, kind, k, ds, leaf] = b as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
    string | undefined,
    string,
  ];
  const base = `c${Number(layer) + 1}.${block}`;
  if (ds !== undefined)
    return ds === "0"
      ? leaf === "weight"
        ? `${base}.downsample.conv.weight`
        : undefined
      : `${base}.downsample.bn.${bnLeaf(leaf)}`;
  return kind === "conv"
    ? leaf === "weight"
      ? `${base}.conv${k}.conv.weight`
      : undefined
    : `${base}.conv${k}.bn.${bnLeaf(leaf)}`;
}

/** mmdetection FPN names (`neck.lateral_convs.<i>.conv.*`, `neck.fpn_convs.<i>.conv.*`, start_level 1) → kdet `Fpn`. */
export function mmdetFpnName(rest: string): string | undefined {
  const m = /^(lateral_convs|fpn_convs)\.(\d+)\.conv\.(weight|bias)$/.exec(rest);
  return m ? `${m[1] === "lateral_convs" ? "lat" : "p"}${Number(m[2]) + 3}.${m[3]}` : undefined;
}

/**
 * mmdetection dense-head tower names (`cls_convs.<i>` / `reg_convs.<i>`: ConvModule `.conv`, optional `.gn`)
 * → kdet `cls_tower.<i>` / `reg_tower.<i>` (`HeadConv`: `.conv`, `.gn` with `gamma`/`beta`).
 */
export function mmdetTowerName(rest: string): string | undefined {
  const m = /^(cls|reg)_convs\.(\d+)\.(conv|gn)\.(weight|bias)$/.exec(rest);
  if (!m) return undefined;
  const leaf = m[3] === "gn" ? bnLeaf(m[4] as string) : m[4];
  return `${m[1]}_tower.${m[2]}.${m[3]}.${leaf}`;
}

/**
 * The kdet name of an mmdetection detector tensor: `backbone.*` (ResNet), `neck.*` (FPN), and
 * `bbox_head.*` through `head(rest)` (towers per {@link mmdetTowerName} unless `head` maps them).
 */
export function mmdetName(name: string, head: (rest: string) => string | undefined): string | undefined {
  const [scope, ...parts] = name.split(".");
  const rest = parts.join(".");
  const k =
    scope === "backbone"
      ? mmdetResnetName(rest)
      : scope === "neck"
        ? mmdetFpnName(rest)
        : scope === "bbox_head"
          ? (mmdetTowerName(rest) ?? head(rest))
          : undefined;
  return k && `${scope === "bbox_head" ? "head" : scope}.${k}`;
}

/** mmdetection tensors kdet does not need: BN step counters, the `ema_*` copies of mmdet 2's EMA hook. */
export function mmdetIgnoreReason(name: string): string | undefined {
  if (name.endsWith(".num_batches_tracked")) return "BatchNorm step counter (not used at inference)";
  if (/^ema_[A-Za-z0-9_]+$/.test(name))
    return "EMA copy of a weight (mmdet 2 EMAHook); the model weights are used";
  return undefined;
}

/** `retina-r50`-style ids by ResNet depth: a ResNet-50 has Bottleneck `conv3`s, a ResNet-18 has two blocks per stage. */
export function guessResnet<T extends string>(
  tensors: ReadonlyMap<string, unknown>,
  ids: { 18: T; 50: T },
): T | undefined {
  const c1 = (tensors.get("backbone.conv1.weight") as { shape?: readonly number[] } | undefined)?.shape;
  if (c1?.[0] !== 64) return undefined;
  if (tensors.has("backbone.layer3.5.conv3.weight") && !tensors.has("backbone.layer3.6.conv1.weight"))
    return ids[50];
  if (!tensors.has("backbone.layer1.0.conv3.weight") && !tensors.has("backbone.layer1.2.conv1.weight"))
    return ids[18];
  return undefined;
}
