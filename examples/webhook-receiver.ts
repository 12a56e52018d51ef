// Receives Audenci webhooks and verifies their signatures on the raw body.
//
//   AUDENCI_WEBHOOK_SECRET=whsec_… npx tsx examples/webhook-receiver.ts
//   AUDENCI_API_KEY=sk_test_… npx tsx examples/webhook-receiver.ts --register
//
// Options: --port N (default 4000; 0 picks a free one), --host H (default 127.0.0.1),
// --register (creates a webhook endpoint for this receiver with an admin key and uses its secret),
// --url U (the public URL to register, default http://HOST:PORT/webhooks; the server refuses private
// addresses unless it runs with AUDENCI_ALLOW_PRIVATE_URLS=true), --events a,b (default *),
// --once (exit after the first verified event: for CI).
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { Audenci } from '@audenci/sdk-js';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '4000' },
    host: { type: 'string', default: '127.0.0.1' },
    register: { type: 'boolean', default: false },
    url: { type: 'string' },
    events: { type: 'string', default: '*' },
    once: { type: 'boolean', default: false },
  },
});

const app = Fastify();
// The signature covers the exact bytes sent: keep the body as a Buffer instead of parsing it.
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
  done(null, body),
);

let secret = process.env.AUDENCI_WEBHOOK_SECRET;
let unregister: (() => Promise<unknown>) | undefined;

async function shutdown(code: number): Promise<never> {
  await unregister?.().catch(() => undefined);
  await app.close();
  process.exit(code);
}

app.post('/webhooks', async (request, reply) => {
  const raw = request.body as Buffer;
  try {
    await Audenci.webhooks.verify(raw, request.headers, secret!);
  } catch (error) {
    console.log(`Rejected a delivery: ${(error as Error).message}`);
    return reply.code(400).send({ error: 'invalid signature' });
  }
  const event = JSON.parse(raw.toString('utf8')) as { id: string; type: string; createdAt: string };
  console.log(`Verified event ${event.id} ${event.type} (${event.createdAt})`);
  // Answer 2xx quickly; do slow work elsewhere. Deliveries repeat the same id: deduplicate on it.
  if (args.once) setImmediate(() => void shutdown(0));
  return reply.code(204).send();
});

const address = await app.listen({ port: Number(args.port), host: args.host });
const port = (app.server.address() as { port: number }).port;
console.log(`Listening on ${address}`);

if (args.register) {
  const client = new Audenci();
  const url = args.url ?? `http://${args.host}:${port}/webhooks`;
  const endpoint = await client.webhooks.create({ url, events: args.events.split(',') });
  secret = endpoint.secret;
  console.log(`Registered webhook ${endpoint.id} for ${url} (events: ${endpoint.events.join(', ')})`);
  // A receiver that registered itself removes its endpoint when it stops.
  unregister = () => client.webhooks.delete(endpoint.id);
}
if (!secret) {
  console.error('Set AUDENCI_WEBHOOK_SECRET (the whsec_… of your endpoint), or pass --register');
  await shutdown(1);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
