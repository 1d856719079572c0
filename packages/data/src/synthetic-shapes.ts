/**
 * The object classes of the synthetic dataset: shape masks that exactly fill their box, colours and textures.
 *
 * Every shape is defined on local coordinates (u, v) ∈ [0, 1]² of its box and touches all four box edges, so the
 * tight box of the drawn (unoccluded) shape is the box itself.
 */

/** A shape: `inside(u, v)` on the unit square of its box. */
export interface ShapeClass {
  name: string;
  /** Base hue in degrees (colour cue; jittered, and sometimes replaced by a random colour). */
  hue: number;
  /** Texture id (see `textureValue`). */
  texture: Texture;
  inside(u: number, v: number): boolean;
}

/** Surface patterns; the value is a brightness factor in [0.55, 1]. */
export type Texture = "solid" | "hstripes" | "vstripes" | "checker" | "dots" | "diagonal" | "radial" | "grid";

/** Point-in-polygon (even–odd rule) for vertices normalised to fill [0, 1]². */
function polygon(points: [number, number][]): (u: number, v: number) => boolean {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs),
    y0 = Math.min(...ys),
    y1 = Math.max(...ys);
  const P = points.map(([x, y]) => [(x - x0) / (x1 - x0), (y - y0) / (y1 - y0)] as const);
  return (u, v) => {
    let inside = false;
    for (let i = 0, j = P.length - 1; i < P.length; j = i++) {
      const [xi, yi] = P[i]!;
      const [xj, yj] = P[j]!;
      if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}

function star(points: number, inner: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < points * 2; i++) {
    const r = i % 2 === 0 ? 1 : inner;
    const a = -Math.PI / 2 + (i * Math.PI) / points;
    out.push([r * Math.cos(a), r * Math.sin(a)]);
  }
  return out;
}

function hexagon(): [number, number][] {
  return Array.from(
    { length: 6 },
    (_, i) => [Math.cos((i * Math.PI) / 3), Math.sin((i * Math.PI) / 3)] as [number, number],
  );
}

const disc = (u: number, v: number): boolean => (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25;

/** The 8 synthetic classes, in class-index order. */
export const SYNTHETIC_CLASSES: readonly ShapeClass[] = [
  { name: "circle", hue: 0, texture: "solid", inside: disc },
  { name: "square", hue: 210, texture: "checker", inside: () => true },
  {
    name: "triangle",
    hue: 120,
    texture: "hstripes",
    inside: polygon([
      [0.5, 0],
      [1, 1],
      [0, 1],
    ]),
  },
  {
    name: "ring",
    hue: 45,
    texture: "radial",
    inside: (u, v) => {
      const d = (u - 0.5) ** 2 + (v - 0.5) ** 2;
      return d <= 0.25 && d >= 0.09;
    },
  },
  {
    name: "cross",
    hue: 280,
    texture: "vstripes",
    inside: (u, v) => (u >= 0.34 && u <= 0.66) || (v >= 0.34 && v <= 0.66),
  },
  { name: "star", hue: 330, texture: "dots", inside: polygon(star(5, 0.45)) },
  { name: "ellipse", hue: 170, texture: "diagonal", inside: disc },
  { name: "hexagon", hue: 25, texture: "grid", inside: polygon(hexagon()) },
];

/** Brightness factor of a texture at pixel offset (px, py) inside the object, with period `p` pixels. */
export function textureValue(t: Texture, px: number, py: number, p: number, r01: number): number {
  const hp = p / 2;
  switch (t) {
    case "solid":
      return 1;
    case "hstripes":
      return py % p < hp ? 1 : 0.6;
    case "vstripes":
      return px % p < hp ? 1 : 0.6;
    case "checker":
      return (Math.floor(px / hp) + Math.floor(py / hp)) % 2 === 0 ? 1 : 0.62;
    case "dots": {
      const dx = (px % p) - hp,
        dy = (py % p) - hp;
      return dx * dx + dy * dy < (hp * 0.7) ** 2 ? 0.58 : 1;
    }
    case "diagonal":
      return (px + py) % p < hp ? 1 : 0.6;
    case "radial":
      return 0.6 + 0.4 * (1 - r01);
    case "grid":
      return px % p < 1.5 || py % p < 1.5 ? 0.55 : 1;
  }
}

/** HSV (h degrees, s, v in [0, 1]) → RGB 0..255. */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const hh = (((h % 360) + 360) % 360) / 60;
  const i = Math.floor(hh);
  const f = hh - i;
  const p = v * (1 - s),
    q = v * (1 - s * f),
    t = v * (1 - s * (1 - f));
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6]!;
  return [r! * 255, g! * 255, b! * 255];
}
