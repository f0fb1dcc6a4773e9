import { packageConfig } from '../../tsup.base';

export default packageConfig({ index: 'src/index.ts', eval: 'src/eval/index.ts' });
