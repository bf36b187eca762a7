import { readFileSync } from 'node:fs';

/** The gateway's version, from package.json (published in the status and health messages). */
export const gatewayVersion: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
