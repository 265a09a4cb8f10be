// Drives the official openai npm client's Responses API against a base URL and prints what it got as one JSON line.
// Usage: node responses.mjs <openai|azure> <baseURL-or-endpoint> <apiKey> <model>
import OpenAI, { AzureOpenAI } from 'openai';

const [, , kind, baseURL, apiKey, model] = process.argv;
const options = { apiKey, maxRetries: 0, timeout: 20000 };
const client = kind === 'azure'
  ? new AzureOpenAI({ ...options, endpoint: baseURL, apiVersion: '2025-04-01-preview' })
  : new OpenAI({ ...options, baseURL });

const created = await client.responses.create({ model, input: 'Tell the gateway test about stored responses' });

const stream = await client.responses.create({ model, input: 'Now stream it', stream: true });
const types = [];
let streamed = '';
let streamedUsage = null;
let streamedId = null;
for await (const event of stream) {
  types.push(event.type);
  if (event.type === 'response.output_text.delta') streamed += event.delta;
  if (event.type === 'response.created') streamedId = event.response.id;
  if (event.type === 'response.completed') streamedUsage = event.response.usage;
}

const chained = await client.responses.create({ model, input: 'And again', previous_response_id: created.id });
const fetched = await client.responses.retrieve(chained.id);
await client.responses.delete(created.id);

let missing = null;
try {
  await client.responses.retrieve(created.id);
} catch (err) {
  missing = err.status ?? null;
}

const usage = (u) => (u ? { input: u.input_tokens, output: u.output_tokens } : null);
console.log(JSON.stringify({
  id: created.id,
  text: created.output_text,
  usage: usage(created.usage),
  streamed,
  streamedId,
  streamedUsage: usage(streamedUsage),
  firstType: types[0],
  lastType: types[types.length - 1],
  events: types.length,
  chainedPrevious: chained.previous_response_id,
  chainedUsage: usage(chained.usage),
  fetchedId: fetched.id,
  fetchedText: fetched.output_text,
  chainedText: chained.output_text,
  missing,
}));
