import { errors } from '@cdm/core';
import type { ProceduralScene } from './procedural-scene';
import { insideShape } from './procedural-shapes';

/**
 * Renders a scene at `resolution`² as interleaved RGB float32 in [−1, 1]. Each pixel is the mean of
 * `supersample`² point samples of the continuous scene (each clamped to the colour range), so a rendering is (up to sampling) the area
 * average of one underlying image: downsampling a 64² rendering by 2 ≈ rendering at 32².
 */
export function renderScene(scene: ProceduralScene, resolution: number, supersample = 4): Float32Array {
  if (!Number.isInteger(resolution) || resolution < 1) throw errors.invalidArgument('resolution', 'a positive integer', resolution);
  if (!Number.isInteger(supersample) || supersample < 1) throw errors.invalidArgument('supersample', 'a positive integer', supersample);
  const out = new Float32Array(resolution * resolution * 3);
  const [cx, cy] = scene.centre;
  const cosR = Math.cos(scene.rotation);
  const sinR = Math.sin(scene.rotation);
  const cosG = Math.cos(scene.gradientAngle);
  const sinG = Math.sin(scene.gradientAngle);
  const cosS = Math.cos(scene.stripeAngle);
  const sinS = Math.sin(scene.stripeAngle);
  const [b0, b1] = scene.background;
  const samples = supersample * supersample;
  const colour = [0, 0, 0];

  for (let py = 0; py < resolution; py++) {
    for (let px = 0; px < resolution; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < supersample; sy++) {
        for (let sx = 0; sx < supersample; sx++) {
          const u = (px + (sx + 0.5) / supersample) / resolution;
          const v = (py + (sy + 0.5) / supersample) / resolution;
          // Shape frame: centred, scaled by the radius, rotated, y pointing up.
          const dx = (u - cx) / scene.radius;
          const dy = (cy - v) / scene.radius;
          const x = dx * cosR + dy * sinR;
          const y = -dx * sinR + dy * cosR;
          if (insideShape(scene.label, x, y)) {
            const t = scene.stripeAmount * (0.5 + 0.5 * Math.sin(2 * Math.PI * scene.frequency * (x * cosS + y * sinS)));
            for (let c = 0; c < 3; c++) colour[c] = scene.fill[c]! * (1 - t) + scene.stripe[c]! * t;
          } else {
            const t = 0.5 + 0.7 * ((u - 0.5) * cosG + (v - 0.5) * sinG);
            let wave = 0;
            for (const w of scene.waves) wave += w.amount * Math.sin(2 * Math.PI * (w.kx * u + w.ky * v) + w.phase);
            for (let c = 0; c < 3; c++) colour[c] = b0[c]! * (1 - t) + b1[c]! * t + wave;
          }
          r += clampUnit(colour[0]!);
          g += clampUnit(colour[1]!);
          b += clampUnit(colour[2]!);
        }
      }
      const o = (py * resolution + px) * 3;
      out[o] = (r / samples) * 2 - 1;
      out[o + 1] = (g / samples) * 2 - 1;
      out[o + 2] = (b / samples) * 2 - 1;
    }
  }
  return out;
}

function clampUnit(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
