// Streams chats through the official openai npm client (AzureOpenAI) and prints what it saw as one JSON line.
// Usage: node streams.mjs <endpoint> <apiKey> <deployment> <apiVersion> <count> <full|leave>
//   full:  each stream is read to its end, without stream_options (what a client of an old api-version sends).
//   leave: each stream asks for include_usage (as current clients do) and is aborted after its first content chunk;
//          the abort closes the connection.
import { AzureOpenAI } from 'openai';

const [, , endpoint, apiKey, deployment, apiVersion, countText, mode] = process.argv;
const client = new AzureOpenAI({ endpoint, apiKey, apiVersion, deployment, maxRetries: 0, timeout: 20000 });
const count = Number(countText);
const results = [];
for (let i = 0; i < count; i++) {
  const messages = [
    { role: 'system', content: 'You are a careful assistant that answers briefly.' },
    { role: 'user', content: `Stream number ${i}: tell me something about accounting for streamed answers` },
  ];
  const controller = new AbortController();
  const request = { model: deployment, messages, max_tokens: 40, stream: true };
  if (mode === 'leave') request.stream_options = { include_usage: true };
  const stream = await client.chat.completions.create(request, { signal: controller.signal });
  let content = '';
  let usage = null;
  let aborted = false;
  try {
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.delta?.content) content += choice.delta.content;
      }
      if (chunk.usage) usage = chunk.usage;
      if (mode === 'leave' && content.length > 0) {
        controller.abort();
      }
    }
  } catch (err) {
    // The client ends an aborted stream quietly or with an AbortError, depending on where the abort lands.
    if (!controller.signal.aborted) throw err;
  }
  aborted = controller.signal.aborted;
  results.push({ contentLength: content.length, usage, aborted });
}

console.log(JSON.stringify(results));
