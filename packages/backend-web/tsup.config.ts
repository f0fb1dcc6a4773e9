import { packageConfig } from '../../tsup.base';

export default packageConfig({ index: 'src/index.ts', register: 'src/register.ts', testing: 'src/testing/index.ts' });
