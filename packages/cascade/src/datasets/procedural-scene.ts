import type { Rng } from '@cdm/core';

/** Everything that makes one procedural image: drawn from a seeded generator, rendered at any size. */
export interface ProceduralScene {
  readonly label: number;
  /** Shape centre and radius in image units ([0, 1]²), and rotation in radians. */
  readonly centre: readonly [number, number];
  readonly radius: number;
  readonly rotation: number;
  /** Shape colours (RGB in [0, 1]) mixed by stripes of `frequency` cycles per radius. */
  readonly fill: readonly [number, number, number];
  readonly stripe: readonly [number, number, number];
  readonly stripeAmount: number;
  readonly frequency: number;
  readonly stripeAngle: number;
  /** Background: a gradient from `background[0]` to `background[1]` along `gradientAngle`, with soft waves. */
  readonly background: readonly [readonly [number, number, number], readonly [number, number, number]];
  readonly gradientAngle: number;
  readonly waves: readonly { readonly kx: number; readonly ky: number; readonly phase: number; readonly amount: number }[];
}

/** HSV (all in [0, 1]) to RGB. */
function hsv(h: number, s: number, v: number): [number, number, number] {
  const k = (n: number) => (n + h * 6) % 6;
  const f = (n: number) => v - v * s * Math.max(0, Math.min(k(n), 4 - k(n), 1));
  return [f(5), f(3), f(1)];
}

const between = (rng: Rng, low: number, high: number) => low + (high - low) * rng.uniform();

/** Draws a scene of class `label`. Shape and background get contrasting brightness. */
export function drawScene(rng: Rng, label: number): ProceduralScene {
  const brightShape = rng.uniform() < 0.5;
  const shapeValue = brightShape ? between(rng, 0.75, 1) : between(rng, 0.2, 0.45);
  const backgroundValue = brightShape ? between(rng, 0.05, 0.35) : between(rng, 0.65, 0.95);
  const hue = rng.uniform();
  const fill = hsv(hue, between(rng, 0.4, 1), shapeValue);
  const stripe = hsv((hue + between(rng, 0.3, 0.7)) % 1, between(rng, 0.3, 1), shapeValue);
  const backgroundHue = rng.uniform();
  return {
    label,
    centre: [between(rng, 0.32, 0.68), between(rng, 0.32, 0.68)],
    radius: between(rng, 0.2, 0.3),
    rotation: 2 * Math.PI * rng.uniform(),
    fill,
    stripe,
    stripeAmount: rng.uniform() < 0.3 ? 0 : between(rng, 0.3, 0.9),
    frequency: between(rng, 1.5, 4),
    stripeAngle: Math.PI * rng.uniform(),
    background: [
      hsv(backgroundHue, between(rng, 0.1, 0.6), backgroundValue),
      hsv((backgroundHue + between(rng, -0.15, 0.15) + 1) % 1, between(rng, 0.1, 0.6), backgroundValue * between(rng, 0.7, 1)),
    ],
    gradientAngle: 2 * Math.PI * rng.uniform(),
    waves: Array.from({ length: 3 }, () => ({
      kx: between(rng, -12, 12),
      ky: between(rng, -12, 12),
      phase: 2 * Math.PI * rng.uniform(),
      amount: between(rng, 0, 0.05),
    })),
  };
}
