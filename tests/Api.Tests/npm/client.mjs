// Drives the official openai npm client against a base URL and prints what it got as one JSON line.
// Usage: node client.mjs <openai|azure> <baseURL-or-endpoint> <apiKey> <chatModel> <embeddingsModel>
import OpenAI, { AzureOpenAI } from 'openai';

const [, , kind, baseURL, apiKey, chatModel, embeddingsModel] = process.argv;
const options = { apiKey, maxRetries: 0, timeout: 20000 };
const client = kind === 'azure'
  ? new AzureOpenAI({ ...options, endpoint: baseURL, apiVersion: '2024-10-21' })
  : new OpenAI({ ...options, baseURL });

const messages = [
  { role: 'system', content: 'You are a test.' },
  { role: 'user', content: 'Tell the gateway test something about regional failover' },
];

const completion = await client.chat.completions.create({ model: chatModel, messages, max_tokens: 12, seed: 7 });

const stream = await client.chat.completions.create({
  model: chatModel, messages, max_tokens: 12, seed: 7, stream: true, stream_options: { include_usage: true },
});
let streamed = '';
let streamedFinish = null;
let streamedUsage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  for (const choice of chunk.choices) {
    if (choice.delta?.content) streamed += choice.delta.content;
    if (choice.finish_reason) streamedFinish = choice.finish_reason;
  }
  if (chunk.usage) streamedUsage = chunk.usage;
}

const embeddings = await client.embeddings.create({ model: embeddingsModel, input: ['failover', 'cool-down'] });

let unauthorized = null;
try {
  const bad = kind === 'azure'
    ? new AzureOpenAI({ ...options, apiKey: 'wrong-key', endpoint: baseURL, apiVersion: '2024-10-21' })
    : new OpenAI({ ...options, apiKey: 'wrong-key', baseURL });
  await bad.chat.completions.create({ model: chatModel, messages, max_tokens: 4 });
} catch (err) {
  unauthorized = { status: err.status ?? null, name: err.constructor?.name ?? null };
}

console.log(JSON.stringify({
  content: completion.choices[0].message.content,
  finishReason: completion.choices[0].finish_reason,
  usage: completion.usage ? { prompt: completion.usage.prompt_tokens, completion: completion.usage.completion_tokens } : null,
  streamed,
  streamedFinish,
  streamedUsage: streamedUsage ? { prompt: streamedUsage.prompt_tokens, completion: streamedUsage.completion_tokens } : null,
  chunksAtLeastTwo: chunks >= 2,
  embeddingCount: embeddings.data.length,
  embeddingDimensions: embeddings.data[0].embedding.length,
  embeddingFirst: embeddings.data[0].embedding[0],
  unauthorized,
}));
