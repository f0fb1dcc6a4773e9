import { describe, expectTypeOf, it } from 'vitest';
import { linearSchedule } from './schedules/linear';
import type { NoiseScheduleFactory } from './schedules/noise-schedule';
import { createRegistry, type Registry } from './registry';
import { createSamplerRegistry } from './samplers/sampler-registry';
import type { SamplerFactory } from './samplers/sampler';

describe('registry types', () => {
  it('returns the registered type without casts', () => {
    const registry = createRegistry<NoiseScheduleFactory>({ kind: 'noise schedule' });
    expectTypeOf(registry.get('linear')).toEqualTypeOf<NoiseScheduleFactory>();
    expectTypeOf(registry.use(linearSchedule)).toEqualTypeOf<Registry<NoiseScheduleFactory>>();
    expectTypeOf(createSamplerRegistry().get('ddim')).toEqualTypeOf<SamplerFactory>();
  });

  it('refuses plugins of the wrong shape at compile time', () => {
    const registry = createRegistry<NoiseScheduleFactory>({ kind: 'noise schedule' });
    // @ts-expect-error a sampler factory is not a schedule factory
    registry.use({ name: 'ddim', create: (diffusion: { numTimesteps: number }) => diffusion });
    // @ts-expect-error plugins need a name
    createRegistry<{ name: string }>({ kind: 'x' }).use({});
  });
});
