// Runs `npm run flash` (tools/flash/cli.ts) as a child process, as a user would.
import { freePort } from '../../tools/ports.ts';
import { runTool, ROOT, ToolRun } from '../run-tool.ts';

export { ROOT };
export type FlashRun = ToolRun;

export function flash(args: string[], timeoutMs = 90000): Promise<FlashRun> {
  return runTool('tools/flash/cli.ts', args, timeoutMs);
}

/** A loopback port nothing listens on. */
export const unusedPort = freePort;
