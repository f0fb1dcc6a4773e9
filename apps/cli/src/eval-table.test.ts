import { describe, expect, it } from 'vitest';
import { metricsTable } from './eval-table';

describe('metricsTable', () => {
  it('aligns metric, value, interval, std and source; formats large, small and percentage values', () => {
    const table = metricsTable([
      { metric: 'FID', value: 123.4567, low: 100.1, high: 150.25, std: 12.3, how: 'bootstrap, B = 100' },
      { metric: 'KID', value: 20075330, std: 4.2e-9, how: 'std over 100 subsets of 12' },
      { metric: 'precision', value: 0.5, low: 0, high: 0.96, std: 0.0319, how: 'bootstrap, B = 100' },
      { metric: 'class accuracy', value: 0.25, low: 0.0893, high: 0.532, how: 'Wilson, n = 12', percent: true },
    ]);
    expect(table.split('\n')).toEqual([
      'metric          value    95 % interval      std      from',
      'FID             123.457  100.100 … 150.250  12.300   bootstrap, B = 100',
      'KID             2.01e+7                     4.20e-9  std over 100 subsets of 12',
      'precision       0.500    0 … 0.960          0.0319   bootstrap, B = 100',
      'class accuracy  25.0 %   8.9 % … 53.2 %              Wilson, n = 12',
    ]);
  });
});
