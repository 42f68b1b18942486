// The telnet REPL gives full control of the board (keys, gw.cfg) and turns
// itself on at every boot. main.ts imports this module first, so switching it
// off is the first thing the image does, in its own try, before anything that
// could fail (a missing crypto module, a bad gw.cfg) can stop the boot.
try {
  require('TelnetServer').setOptions({ mode: 'off' });
} catch (e) {
  // firmware without telnet: nothing to switch off
}

/**
 * telnet "locked" with a console password: the console asks for the password
 * and telnet comes back on. Without a password "locked" would lock nothing:
 * telnet stays off.
 */
export function lockConsole(telnet: string, password: string): void {
  if (telnet !== 'locked') return;
  if (!password) {
    console.log('telnet: "locked" needs console_password in gw.cfg; switched off instead');
    return;
  }
  try {
    E.setPassword(password);
    E.lockConsole();
    require('TelnetServer').setOptions({ mode: 'on' });
  } catch (e) {
    console.log('telnet: could not lock the console: ' + e);
  }
}
