// A failure `npm run flash` reports as one line (`flash: <message>`) with an
// exit code: 2 for a bad command line or input file, 1 for everything else.
export class Fail extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}
