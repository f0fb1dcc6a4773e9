import { packageConfig } from '../../tsup.base';

// bullmq and ioredis are optional dependencies, imported only by `--queue`: never bundled.
export default packageConfig({ index: 'src/index.ts', cli: 'src/cli.ts' }, { external: ['bullmq', 'ioredis'] });
