/**
 * Positions of ids: `indexOfIds(values, ids)[i]` is the position of values[i] in `ids` (-1 when absent).
 * `ids` must be unique. Non-negative integer ids up to a bound use a dense Int32Array table (COCO image and
 * category ids are such), anything else a Map; both give the same answer.
 */
export function indexOfIds(values: Float64Array, ids: readonly number[]): Int32Array {
  const out = new Int32Array(values.length);
  let max = -1;
  let dense = true;
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0) dense = false;
    else if (id > max) max = id;
  }
  if (dense && max <= Math.max(1 << 20, 8 * ids.length)) {
    const table = new Int32Array(max + 1).fill(-1);
    ids.forEach((id, i) => (table[id] = i));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      out[i] = v >= 0 && v <= max && Number.isInteger(v) ? table[v]! : -1;
    }
    return out;
  }
  const map = new Map<number, number>();
  ids.forEach((id, i) => map.set(id, i));
  for (let i = 0; i < values.length; i++) out[i] = map.get(values[i]!) ?? -1;
  return out;
}
