/**
 * The ten classes of the procedural dataset: shapes in a unit frame centred on the shape (radius
 * about 1), each a point-membership test. Classes differ in outline, so a model must learn shape,
 * while colour, texture, size, position and rotation vary within a class.
 */
export const PROCEDURAL_CLASSES = [
  'circle',
  'square',
  'triangle',
  'ring',
  'cross',
  'star',
  'hexagon',
  'diamond',
  'crescent',
  'two-dots',
] as const;

export type ProceduralClass = (typeof PROCEDURAL_CLASSES)[number];

type Polygon = readonly (readonly [number, number])[];

/** Regular polygon (or star, with `inner` radius) vertices, the first pointing up. */
function polygon(corners: number, inner?: number): Polygon {
  const count = inner === undefined ? corners : 2 * corners;
  return Array.from({ length: count }, (_, i) => {
    const angle = Math.PI / 2 + (2 * Math.PI * i) / count;
    const radius = inner !== undefined && i % 2 === 1 ? inner : 1;
    return [radius * Math.cos(angle), radius * Math.sin(angle)] as const;
  });
}

/** Even-odd rule point-in-polygon test. */
function inPolygon(vertices: Polygon, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
    const [xi, yi] = vertices[i]!;
    const [xj, yj] = vertices[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const TRIANGLE = polygon(3);
const STAR = polygon(5, 0.45);
const HEXAGON = polygon(6);

/** Whether the point (x, y) of the shape's unit frame lies inside a shape of class `label`. */
export function insideShape(label: number, x: number, y: number): boolean {
  const r2 = x * x + y * y;
  switch (label) {
    case 0:
      return r2 < 1;
    case 1:
      return Math.abs(x) < 0.8 && Math.abs(y) < 0.8;
    case 2:
      return inPolygon(TRIANGLE, x, y);
    case 3:
      return r2 < 1 && r2 > 0.55 * 0.55;
    case 4:
      return (Math.abs(x) < 0.3 && Math.abs(y) < 1) || (Math.abs(y) < 0.3 && Math.abs(x) < 1);
    case 5:
      return inPolygon(STAR, x, y);
    case 6:
      return inPolygon(HEXAGON, x, y);
    case 7:
      return Math.abs(x) / 0.65 + Math.abs(y) < 1;
    case 8:
      return r2 < 1 && (x - 0.45) * (x - 0.45) + y * y > 0.8 * 0.8;
    case 9:
      return (x - 0.5) * (x - 0.5) + y * y < 0.45 * 0.45 || (x + 0.5) * (x + 0.5) + y * y < 0.45 * 0.45;
    default:
      return false;
  }
}
