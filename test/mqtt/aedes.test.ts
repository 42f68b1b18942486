// Our client against aedes (in this process) on a free loopback port.
import { suite } from 'uvu';
import { createAedes } from './brokers';
import type { AedesBroker } from './brokers';
import {
  credentials,
  deadLinkDetected,
  keepalivePings,
  oversizedDropped,
  trafficBothWays,
  willAndRetainedOnline,
} from './scenarios';

const aedes = suite<{ b?: AedesBroker }>('aedes', {});
aedes.before(async (ctx) => {
  ctx.b = await createAedes();
});
aedes.after(async (ctx) => {
  await ctx.b?.close();
});

aedes('connect, subscribe, QoS 0 and 1 both ways, binary payloads', (ctx) => trafficBothWays(ctx.b!.port));
aedes('retained will on abrupt socket loss, retained online after each connect', (ctx) =>
  willAndRetainedOnline(ctx.b!.port),
);
aedes('keep-alive pings are sent and answered', (ctx) => keepalivePings(ctx.b!.port));
aedes('a silent dead link is detected; reconnect and resubscribe', (ctx) => deadLinkDetected(ctx.b!.port));
aedes('an oversized incoming packet is dropped and counted, the connection survives', (ctx) =>
  oversizedDropped(ctx.b!.port),
);
aedes.run();

const auth = suite<{ b?: AedesBroker }>('aedes with an authenticate hook', {});
auth.before(async (ctx) => {
  ctx.b = await createAedes({
    authenticate(_client, username, password, done) {
      if (username === 'gateway' && password?.toString('latin1') === 'p\xe4ss') done(null, true);
      else done(Object.assign(new Error('bad credentials'), { returnCode: 4 }), null);
    },
  });
});
auth.after(async (ctx) => {
  await ctx.b?.close();
});
auth('username and password are checked', (ctx) => credentials(ctx.b!.port, 'gateway', 'p\xe4ss'));
auth.run();
