// Host stand-in for the ESP32 firmware's Wifi module (host builds only: the
// interpreter on a PC has a network but no radio). The PC is always "connected";
// its clock is already right, so setSNTP only checks its arguments as the
// firmware does. Built into the host interpreter by board/host/*.py.
var state = { ssid: '', connected: false, hostname: 'espruino' };
function later(cb, a, b) {
  if (typeof cb === 'function') setTimeout(function () { cb(a, b); }, 1);
}
function ipInfo() {
  return { ip: '127.0.0.1', netmask: '255.0.0.0', gw: '127.0.0.1', mac: '24:0a:c4:00:00:01' };
}
exports.connect = function (ssid, options, callback) {
  state.ssid = String(ssid);
  state.connected = true;
  later(callback, null);
  exports.emit('connected', ipInfo());
};
exports.disconnect = function (callback) {
  state.connected = false;
  later(callback);
  exports.emit('disconnected', {});
};
exports.getIP = function (callback) {
  var r = ipInfo();
  later(callback, null, r);
  return r;
};
exports.getStatus = function (callback) {
  var r = { station: state.connected ? 'connected' : 'off', ssid: state.ssid };
  later(callback, r);
  return r;
};
exports.getDetails = exports.getStatus;
exports.setHostname = function (name, callback) {
  state.hostname = String(name);
  later(callback);
};
exports.getHostname = function (callback) {
  later(callback, state.hostname);
  return state.hostname;
};
exports.setSNTP = function (server, tz) {
  if (typeof server !== 'string' || typeof tz !== 'string') throw new Error('setSNTP: server and zone must be strings');
};
exports.startAP = function (ssid, options, callback) {
  later(callback, null);
};
exports.stopAP = function (callback) {
  later(callback);
};
exports.scan = function (callback) {
  later(callback, []);
};
exports.save = function () {};
exports.restore = function () {};
