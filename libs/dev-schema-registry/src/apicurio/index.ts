export { APICURIO_CCOMPAT_PATH, APICURIO_VERSION, apicurioCommand, ensureApicurioDistribution, findJava } from './apicurio-launch.js';
export type { ApicurioCommandOptions } from './apicurio-launch.js';
