// Entry of the Espruino module "gwcrypto-js" (dist/gwcrypto-js.js): the
// pure-JS crypto for stock firmware. It lives in its own Storage file instead
// of inside the images, so a board with the native GatewayCrypto module never
// carries its ~37 KB, and the images stay small. `npm run flash` uploads it.
import { makeJsCrypto } from './js';

declare const exports: { makeJsCrypto: typeof makeJsCrypto };
exports.makeJsCrypto = makeJsCrypto;
