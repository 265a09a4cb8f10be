-- POST one fixed JSON body with fixed headers, then write wrk's summary as one JSON line.
-- Driven by environment variables (bench/run.sh sets them per run):
--   BENCH_BODY_FILE  file holding the request body (sent as-is, application/json)
--   BENCH_HEADERS    extra headers, one "Name: value" per line
--   BENCH_OUT        where done() writes the JSON summary
-- The path and query come from the URL on wrk's command line.

local function read_file(path)
  local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY_FILE " .. tostring(path))
  local content = file:read("*a")
  file:close()
  return content
end

wrk.method = "POST"
wrk.body = read_file(assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE is not set"))
wrk.headers["Content-Type"] = "application/json"

local extra = os.getenv("BENCH_HEADERS") or ""
for line in extra:gmatch("[^\r\n]+") do
  local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if name then
    wrk.headers[name] = value
  end
end

-- Optional: BENCH_COUNT_HEADER="name: value" counts the responses carrying that header value (e.g. cache hits).
-- Every wrk thread has its own Lua state, so each counts its own and done() adds them up.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

matched = 0
local count_header = os.getenv("BENCH_COUNT_HEADER")
if count_header and count_header ~= "" then
  local want_name, want_value = count_header:match("^%s*([^:]+):%s*(.-)%s*$")
  want_name = want_name:lower()
  function response(status, headers, body)
    for name, value in pairs(headers) do
      if name:lower() == want_name and value == want_value then
        matched = matched + 1
        return
      end
    end
  end
end

function done(summary, latency, requests)
  local total_matched = 0
  for _, thread in ipairs(threads) do
    total_matched = total_matched + (tonumber(thread:get("matched")) or 0)
  end

  local out = assert(io.open(assert(os.getenv("BENCH_OUT"), "BENCH_OUT is not set"), "w"))
  local e = summary.errors
  out:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"matched":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    total_matched))
  out:close()
end
