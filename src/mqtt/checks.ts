// What the MQTT client checks before it talks to a broker: the broker URL,
// and topic names and filters the broker would refuse.

/** Splits mqtt://host[:port][/] (also tcp://) into host and port. */
export function parseMqttUrl(url: string): { host: string; port: number } {
  let rest = url;
  const scheme = rest.indexOf('://');
  if (scheme >= 0) {
    const name = rest.substring(0, scheme);
    if (name !== 'mqtt' && name !== 'tcp') throw new Error('mqtt: unsupported URL scheme ' + name);
    rest = rest.substring(scheme + 3);
  }
  if (rest.charAt(rest.length - 1) === '/') rest = rest.substring(0, rest.length - 1);
  const colon = rest.indexOf(':');
  let port = 1883;
  if (colon >= 0) {
    const digits = rest.substring(colon + 1);
    port = parseInt(digits, 10);
    if (String(port) !== digits || port < 1 || port > 65535) throw new Error('mqtt: bad port in ' + url);
    rest = rest.substring(0, colon);
  }
  if (!rest || rest.indexOf('/') >= 0 || rest.indexOf('@') >= 0) throw new Error('mqtt: bad host in ' + url);
  return { host: rest, port: port };
}

// Wildcards only as whole levels, '#' only last: a filter the broker would
// refuse would otherwise be resent, and refused, after every reconnect.
export function checkFilter(filter: string): void {
  const levels = filter.split('/');
  let bad = !filter || filter.indexOf('\x00') >= 0;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if ((l.length > 1 && (l.indexOf('+') >= 0 || l.indexOf('#') >= 0)) || (l === '#' && i < levels.length - 1)) bad = true;
  }
  if (bad) throw new Error('mqtt: bad topic filter ' + filter);
}

// A publish topic the broker rejects would poison the QoS 1 queue forever.
export function checkTopic(topic: string): void {
  if (!topic || topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0 || topic.indexOf('\x00') >= 0)
    throw new Error('mqtt: bad topic ' + topic);
}
