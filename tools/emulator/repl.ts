// The board's line editor (jsinteractive.c), which is what the `espruino`
// CLI talks to: echo on, prompt `>`, Enter executes only when brackets
// balance (otherwise the line continues after `:`), `=value` after a result,
// a line starting with DLE (0x10) runs without echo, prompt or result,
// ESC LF is a newline that does not execute, ESC [ n d sets a line number,
// Ctrl-C clears the line, and output lines end in \r\n.
import { formatForRepl } from './format.ts';
import { countBrackets } from './syntax.ts';

export interface ReplDevice {
  echo: boolean;
  password: string | undefined;
  consoleLocked: boolean;
  evalLine(line: string): { ok: boolean; value?: unknown };
}

type EscState = 'none' | 'esc' | 'csi' | 'csiNumber' | 'ss3';

export class Repl {
  private line = '';
  private esc: EscState = 'none';
  private number = 0;
  private hadCR = false;
  private echoOffForLine = false;
  /** The prompt and input line are not on the terminal (output or a newline took them away). */
  private removed = true;
  lineNumber = 0;

  constructor(
    /** Raw terminal output (8-bit string, already with \r\n). */
    private readonly write: (text: string) => void,
    private readonly device: () => ReplDevice | undefined,
  ) {}

  private get echo(): boolean {
    return (this.device()?.echo ?? true) && !this.echoOffForLine;
  }

  private get shown(): boolean {
    return this.echo && !this.removed;
  }

  private out(text: string): void {
    this.write(text.replace(/\n/g, '\r\n'));
  }

  /** Bytes typed or sent by the CLI. */
  input(data: string): void {
    for (const ch of data) this.handle(ch);
    this.returnLine();
  }

  /** Device output is about to be printed: take the prompt off the line first. */
  beforeOutput(): void {
    if (this.removed) return;
    this.removed = true;
    if (this.echo) this.write('\r\x1b[J');
  }

  /** Put the prompt (and what was typed) back, as the idle loop does. */
  returnLine(): void {
    if (!this.removed) return;
    this.removed = false;
    if (!this.echo) return; // during a DLE line the prompt is not shown (and not owed afterwards)
    const locked = this.locked;
    this.out((locked ? 'password>' : '>') + (locked ? '' : this.line.replace(/\n/g, '\n:')));
  }

  /** A new terminal attached: it has not seen the prompt. */
  reset(): void {
    this.line = '';
    this.esc = 'none';
    this.echoOffForLine = false;
    this.removed = true;
  }

  private get locked(): boolean {
    const d = this.device();
    return !!d && d.consoleLocked && d.password !== undefined;
  }

  private handle(ch: string): void {
    const code = ch.charCodeAt(0);
    const d = this.device();
    if (d && this.locked) {
      if (ch === '\r' || ch === '\n') {
        const ok = this.line === d.password;
        this.line = '';
        if (ok) {
          d.consoleLocked = false;
          this.out('\n  Logged in.\n');
          this.removed = true;
        } else this.out('\n  Invalid password\npassword>');
      } else if (this.line.length < 20) this.line += ch;
      return;
    }
    const wasCR = this.hadCR;
    this.hadCR = false;
    if (code === 0) {
      this.esc = 'none';
    } else if (code === 3) {
      this.clearLine(); // Ctrl-C: nothing is running while input is read, so it clears the line
    } else if (code === 21 || code === 23) {
      this.clearLine();
    } else if (code === 1 || code === 4 || code === 5) {
      // home / delete / end: the cursor always stays at the end here
    } else if (code === 27) {
      this.esc = 'esc';
    } else if (this.esc === 'esc') {
      this.esc = code === 79 ? 'ss3' : code === 91 ? 'csi' : 'none';
      if (code === 10) this.newline(false);
    } else if (this.esc === 'ss3') {
      this.esc = 'none';
    } else if (this.esc === 'csi') {
      this.esc = 'none';
      if (ch >= '0' && ch <= '9') {
        this.number = code - 48;
        this.esc = 'csiNumber';
      }
    } else if (this.esc === 'csiNumber') {
      if (ch >= '0' && ch <= '9') this.number = this.number * 10 + code - 48;
      else {
        if (ch === 'd') this.lineNumber = this.number;
        this.esc = 'none';
      }
    } else if (code === 16 && this.line.length === 0) {
      this.echoOffForLine = true;
    } else if (code === 8 || code === 127) {
      if (this.line.length && this.line[this.line.length - 1] !== '\n') {
        this.line = this.line.slice(0, -1);
        if (this.shown) this.write('\x08 \x08');
      }
    } else if (ch === '\n' && wasCR) {
      // \r\n: handled on the \r
    } else if (ch === '\r' || ch === '\n') {
      this.hadCR = ch === '\r';
      this.newline(true);
    } else if (ch === '\t') {
      this.append('    ');
    } else if (code >= 32) {
      this.append(ch);
    }
  }

  private append(text: string): void {
    this.line += text;
    if (this.shown) this.out(text);
  }

  private clearLine(): void {
    if (!this.line.length) return;
    this.beforeOutput();
    this.line = '';
  }

  private newline(execute: boolean): void {
    if (execute && countBrackets(this.line) <= 0) {
      if (this.shown) this.out('\n');
      if (!this.echoOffForLine) this.removed = true;
      const code = this.line.replace(/\s+$/, '');
      this.line = '';
      const d = this.device();
      if (d) {
        const result = d.evalLine(code);
        if (this.echo && result.ok && code.length) this.out(`=${formatForRepl(result.value)}\n`);
      }
      this.echoOffForLine = false;
      this.lineNumber = 0;
    } else {
      if (this.shown) this.out('\n:');
      this.line += '\n';
    }
  }
}
