import packageJson from '../package.json';

/** The @cdm/cli version, from its package.json. */
export const CLI_VERSION: string = packageJson.version;
