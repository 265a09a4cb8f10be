// Calls the gateway keyless with the official openai npm client, as Microsoft's v1 guide sets it up: the apiKey is a
// token provider (azure-identity's getBearerTokenProvider returns such a function), here one returning a minted token.
// Usage: node keyless.mjs <baseURL> <token> <chatModel>; prints one JSON line.
import OpenAI from 'openai';

const [, , baseURL, token, chatModel] = process.argv;
let calls = 0;
const tokenProvider = async () => { calls++; return token; };
const client = new OpenAI({ baseURL, apiKey: tokenProvider, maxRetries: 0, timeout: 20000 });
const result = { content: null, status: null, tokenProviderCalled: false };
try {
  const completion = await client.chat.completions.create({
    model: chatModel, messages: [{ role: 'user', content: 'keyless hello' }], max_tokens: 8,
  });
  result.content = completion.choices[0].message.content;
  result.status = 200;
} catch (err) {
  result.status = err.status ?? null;
  result.code = err.code ?? null;
}
result.tokenProviderCalled = calls > 0;
console.log(JSON.stringify(result));
