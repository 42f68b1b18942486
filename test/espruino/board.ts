// Helpers for the tests that pin down, on the real interpreter, the Espruino
// facts the project relies on (test/espruino/*.test.ts).
import { Interpreter, type InterpreterOptions } from '../../tools/espruino/interpreter.ts';

/** A board that booted to its prompt (empty Storage unless the options give one). */
export async function startBoard(opts: InterpreterOptions = {}): Promise<Interpreter> {
  const it = await Interpreter.start(opts);
  await it.waitForOutput(/\n>/, 20000);
  return it;
}

/** The error `code` throws on the board, as its text ("(no error)" when it does not throw). */
export async function errorOf(it: Interpreter, code: string): Promise<string> {
  try {
    await it.eval(code);
  } catch (e) {
    return (e as Error).message.replace(/^on the board: /, '');
  }
  return '(no error)';
}

/** What the board printed from now until `until` appears (the marker included). */
export async function printed(it: Interpreter, code: string, until: RegExp | string, timeoutMs = 10000): Promise<string> {
  const from = it.output.length;
  await it.eval(code);
  await it.waitForOutput(until, timeoutMs);
  return it.output.slice(from);
}

/** Power-cycles the board and waits for its prompt (telnet, when open, listens by then). */
export async function restartBoard(it: Interpreter, timeoutMs = 20000): Promise<void> {
  const from = it.output.length;
  await it.restart();
  const deadline = Date.now() + timeoutMs;
  while (!/\n>/.test(it.output.slice(from))) {
    if (Date.now() > deadline || !it.running) throw new Error(`no prompt after the restart; output:\n${it.output.slice(from)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
