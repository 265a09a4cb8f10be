namespace AspireAoai.Api.RateLimiting;

// The script text (a file of its own so the remarks and constants stay readable); KEYS, ARGV and the reply are described
// on the type in SlidingWindowScript.cs.
internal static partial class SlidingWindowScript
{
    public const string Text = """
        local mode = ARGV[1]
        local now = tonumber(ARGV[2])
        if now == 0 then
          local t = redis.call('TIME')
          now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local bms = tonumber(ARGV[3])
        local W = tonumber(ARGV[4])
        local ttl = tonumber(ARGV[5])
        local cur = math.floor(now / bms)
        local start = cur - W
        local day = math.floor(now / 86400000)

        local function month_of(d)
          local z = d + 719468
          local era = math.floor(z / 146097)
          local doe = z - era * 146097
          local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
          local y = yoe + era * 400
          local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
          local mp = math.floor((5 * doy + 2) / 153)
          local m = mp < 10 and mp + 3 or mp - 9
          if m <= 2 then y = y + 1 end
          return y * 12 + m - 1
        end

        local function month_start_ms(mi)
          local y = math.floor(mi / 12)
          local m = mi % 12 + 1
          if m <= 2 then y = y - 1 end
          local era = math.floor(y / 400)
          local yoe = y - era * 400
          local mp = m > 2 and m - 3 or m + 9
          local doy = math.floor((153 * mp + 2) / 5)
          local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
          return (era * 146097 + doe - 719468) * 86400000
        end

        -- Drops the sub-buckets that left the window; w is the key's oldest bucket that may hold data (known < start).
        local function evict(key, w)
          local last = math.min(start - 1, w + W)
          local ts, rs = 0, 0
          for i = w, last do
            local tf, rf = 't' .. i, 'r' .. i
            local v = redis.call('HMGET', key, tf, rf)
            if v[1] or v[2] then
              ts = ts + (tonumber(v[1]) or 0)
              rs = rs + (tonumber(v[2]) or 0)
              redis.call('HDEL', key, tf, rf)
            end
          end
          if start - 1 > w + W then
            redis.call('HSET', key, 'tt', 0, 'rt', 0, 'w', start)
          else
            if ts ~= 0 then redis.call('HINCRBY', key, 'tt', -ts) end
            if rs ~= 0 then redis.call('HINCRBY', key, 'rt', -rs) end
            redis.call('HSET', key, 'w', start)
          end
        end

        -- HMGET of 'w' and the given fields, evicting first when the window moved on (about once a bucket per key).
        local function load(key, ...)
          local v = redis.call('HMGET', key, 'w', ...)
          local w = tonumber(v[1])
          if w ~= nil and w < start then
            evict(key, w)
            v = redis.call('HMGET', key, 'w', ...)
          end
          return v
        end

        local function shift(key, field, total, delta, create)
          local v = tonumber(redis.call('HGET', key, field))
          if v == nil then
            if not create or delta <= 0 then return end
            v = 0
          end
          local nv = v + delta
          if nv < 0 then nv = 0 end
          if nv ~= v then
            redis.call('HSET', key, field, nv)
            redis.call('HINCRBY', key, total, nv - v)
          end
        end

        -- Takes up to 'amount' out of a reservation bucket (what expired meanwhile was already taken by the eviction).
        local function release(key, field, amount)
          local v = tonumber(redis.call('HGET', key, field))
          if v then
            local a = math.min(v, amount)
            if a >= v then redis.call('HDEL', key, field) else redis.call('HINCRBY', key, field, string.format('%d', -a)) end
            redis.call('HINCRBY', key, 'n', string.format('%d', -a))
          end
        end

        local function adjust(key, a)
          local b, dt, dr = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
          local dd, dm, create = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5] == '1'
          if ARGV[a + 5] == '2' then
            release(key, 'x' .. b, dt)
            return
          end
          if create then load(key) end
          if b >= start and b <= cur then
            if create then
              local w = tonumber(redis.call('HGET', key, 'w'))
              if w == nil or b < w then redis.call('HSET', key, 'w', b) end
            end
            if dt ~= 0 then shift(key, 't' .. b, 'tt', dt, create) end
            if dr ~= 0 then shift(key, 'r' .. b, 'rt', dr, create) end
            if create then redis.call('PEXPIRE', key, ttl) end
          end
          if dt ~= 0 and dd > 0 and tonumber(redis.call('HGET', key, 'd')) == dd then
            local v = tonumber(redis.call('HGET', key, 'dt')) or 0
            redis.call('HSET', key, 'dt', math.max(0, v + dt))
          end
          if dt ~= 0 and dm > 0 and tonumber(redis.call('HGET', key, 'm')) == dm then
            local v = tonumber(redis.call('HGET', key, 'mt')) or 0
            redis.call('HSET', key, 'mt', math.max(0, v + dt))
          end
        end

        local function fit(key, p, total, need, limit)
          local fields = {}
          for i = start, cur do fields[#fields + 1] = p .. i end
          local v = redis.call('HMGET', key, unpack(fields))
          local acc = 0
          for k = 1, #v do
            acc = acc + (tonumber(v[k]) or 0)
            if total - acc + need <= limit then return (start + k - 1 + W + 1) * bms - now end
          end
          return (cur + W + 1) * bms - now
        end

        if mode == 'f' then
          local e = tonumber(ARGV[6])
          for k = 1, e do adjust(KEYS[k], 7 + (k - 1) * 6) end
          return 1
        end

        local key = KEYS[1]
        local tokens, rpm, tpm = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
        local dq, mq = tonumber(ARGV[9]), tonumber(ARGV[10])
        local D = tonumber(ARGV[11])
        local bd, bm = tonumber(ARGV[12]), tonumber(ARGV[13])
        local lr, lt, fill = tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16])
        local B, G = #KEYS > 1 + D, #KEYS > 4 + D
        local sd, sm, gsd, gsm = false, false, false, false
        local cr, gr, rb, cost, gbd, gbm = 0, 0, 0, 0, 0, 0
        local rlife, rms = 0, 1

        -- The live reservations of a scope, evicting the expired buckets first (about once a bucket per key).
        local function reserved(rkey)
          local v = redis.call('HMGET', rkey, 'w', 'n')
          local w = tonumber(v[1])
          if w == nil then return 0 end
          local gcur = math.floor(now / rms)
          local n = tonumber(v[2]) or 0
          if w <= gcur then
            if gcur > w + math.floor(rlife / rms) + 2 then
              redis.call('DEL', rkey)
              return 0
            end
            for i = w, gcur do
              local x = tonumber(redis.call('HGET', rkey, 'x' .. i))
              if x then
                n = n - x
                redis.call('HDEL', rkey, 'x' .. i)
              end
            end
            redis.call('HSET', rkey, 'n', string.format('%d', n), 'w', gcur + 1)
          end
          return n
        end

        local function reserve(rkey)
          redis.call('HINCRBY', rkey, 'x' .. rb, ARGV[19])
          redis.call('HINCRBY', rkey, 'n', ARGV[19])
          redis.call('HSETNX', rkey, 'w', rb)
          redis.call('PEXPIRE', rkey, rlife + 2 * rms)
        end

        local function over(s, r, b) return s and (tonumber(s) or 0) + r + cost > b end

        if B then
          cost, rlife, rms = tonumber(ARGV[19]), tonumber(ARGV[20]), tonumber(ARGV[21])
          rb = math.floor((now + rlife) / rms) + 1
          if bd > 0 then sd = redis.call('GET', KEYS[2 + D]) or '0' end
          if bm > 0 then sm = redis.call('GET', KEYS[3 + D]) or '0' end
          cr = reserved(KEYS[4 + D])
          if G then
            gbd, gbm = tonumber(ARGV[17]), tonumber(ARGV[18])
            if gbd > 0 then gsd = redis.call('GET', KEYS[5 + D]) or '0' end
            if gbm > 0 then gsm = redis.call('GET', KEYS[6 + D]) or '0' end
            gr = reserved(KEYS[7 + D])
          end
        end

        local tc, rc = 't' .. cur, 'r' .. cur
        local h = load(key, 'tt', 'rt', 'd', 'dt', 'm', 'mt', tc, rc)
        local tt, rt = tonumber(h[2]) or 0, tonumber(h[3]) or 0
        local month = 0
        if mq > 0 then month = month_of(day) end
        local dt, mt = 0, 0
        if tonumber(h[4]) == day then dt = tonumber(h[5]) or 0 end
        if mq > 0 and tonumber(h[6]) == month then mt = tonumber(h[7]) or 0 end

        local dep = {}
        local fits, large = (D == 0), (D > 0)
        for k = 1, D do
          local v = load(KEYS[1 + k], 'rt', 'tt')
          local drt, dtt = tonumber(v[2]) or 0, tonumber(v[3]) or 0
          local dtpm, drpm = tonumber(ARGV[20 + 2 * k]), tonumber(ARGV[21 + 2 * k])
          dep[k] = { drt, dtt, dtpm, drpm }
          if dtpm == 0 or tokens <= dtpm then large = false end
          if (dtpm == 0 or dtt + tokens <= dtpm) and (drpm == 0 or drt + 1 <= drpm) then fits = true end
        end

        local reason, retry = 0, 0
        if tpm > 0 and tokens > tpm then reason = 5
        elseif dq > 0 and tokens > dq then reason = 6
        elseif mq > 0 and tokens > mq then reason = 7
        elseif over(sm, cr, bm) then reason = 11
        elseif over(sd, cr, bd) then reason = 10
        elseif over(gsm, gr, gbm) then reason = 13
        elseif over(gsd, gr, gbd) then reason = 12
        else
          if rpm > 0 and rt + 1 > rpm then
            reason = 1
            retry = math.max(retry, fit(key, 'r', rt, 1, rpm))
          end
          if tpm > 0 and tt + tokens > tpm then
            if reason == 0 then reason = 2 end
            retry = math.max(retry, fit(key, 't', tt, tokens, tpm))
          end
          if dq > 0 and dt + tokens > dq then
            if reason == 0 then reason = 3 end
            retry = math.max(retry, (day + 1) * 86400000 - now)
          end
          if mq > 0 and mt + tokens > mq then
            if reason == 0 then reason = 4 end
            retry = math.max(retry, month_start_ms(month + 1) - now)
          end
          if reason == 0 and large then
            reason = 9
          elseif reason == 0 and not fits then
            reason = 8
            retry = -1
            for k = 1, D do
              local x = dep[k]
              local r = 0
              if x[3] > 0 and x[2] + tokens > x[3] then r = math.max(r, fit(KEYS[1 + k], 't', x[2], tokens, x[3])) end
              if x[4] > 0 and x[1] + 1 > x[4] then r = math.max(r, fit(KEYS[1 + k], 'r', x[1], 1, x[4])) end
              if retry < 0 or r < retry then retry = r end
            end
          end
        end

        local admitted, leased = 0, 0
        if reason == 0 then
          admitted = 1
          -- A lease: the replica's next requests, reserved now, while the window stays at most 'fill' full with them.
          if lr > 0 and (rpm == 0 or rt + 1 + lr <= rpm * fill) and (tpm == 0 or tt + tokens + lt <= tpm * fill)
            and (dq == 0 or dt + tokens + lt <= dq * fill) and (mq == 0 or mt + tokens + lt <= mq * fill) then
            leased = 1
            tokens = tokens + lt
          end
          tt = tt + tokens
          rt = rt + 1 + leased * lr
          -- One write: the current bucket, the running totals, the oldest bucket, the quotas.
          local set = { tc, (tonumber(h[8]) or 0) + tokens, rc, (tonumber(h[9]) or 0) + 1 + leased * lr, 'tt', tt, 'rt', rt }
          if h[1] == false then set[#set + 1] = 'w'; set[#set + 1] = cur end
          local keep = ttl
          if dq > 0 then
            dt = dt + tokens
            set[#set + 1] = 'd'; set[#set + 1] = day; set[#set + 1] = 'dt'; set[#set + 1] = dt
            keep = math.max(keep, (day + 1) * 86400000 - now + 60000)
          end
          if mq > 0 then
            mt = mt + tokens
            set[#set + 1] = 'm'; set[#set + 1] = month; set[#set + 1] = 'mt'; set[#set + 1] = mt
            keep = math.max(keep, month_start_ms(month + 1) - now + 60000)
          end
          redis.call('HSET', key, unpack(set))
          redis.call('PEXPIRE', key, keep)
          if B and cost > 0 then
            reserve(KEYS[4 + D])
            cr = cr + cost
            if G then
              reserve(KEYS[7 + D])
              gr = gr + cost
            end
          else
            rb = 0
          end
        else
          rb = 0
        end

        local reply = { admitted, retry, reason, rt, tt, now, cur, day, month, sd, sm, leased, cr, gsd, gsm, gr, rb }
        for k = 1, D do
          reply[#reply + 1] = dep[k][1]
          reply[#reply + 1] = dep[k][2]
        end
        return reply
        """;
}
