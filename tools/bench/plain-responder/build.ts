// Builds the plain responder into an Espruino image the way the gateway image
// is built (tools/espruino/bundle.ts uses the same plugins, options and image
// check as rollup.config.mjs), so both sides of the comparison are built alike.
import { fileURLToPath } from 'node:url';
import { bundleProgram } from '../../espruino/bundle.ts';

const INPUT = fileURLToPath(new URL('./main.ts', import.meta.url));

export function buildPlainResponder(): Promise<string> {
  return bundleProgram(INPUT);
}
