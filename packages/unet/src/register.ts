/** Opt-in side-effect entry: `import '@cdm/unet/register'` registers 'adm-unet' in core's `denoisers`. */
import { registerUnet } from './factory';

registerUnet();
