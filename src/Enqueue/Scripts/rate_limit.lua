-- The gateway's per-request rate limit: a token bucket per client, as internal/middleware/ratelimit.go of
-- traffic-tacos/gateway-api runs it (same calls: HMGET, TIME, HMSET, EXPIRE 3600).
-- KEYS[1] ratelimit:ip:<client ip>
-- ARGV[1] capacity (burst), ARGV[2] tokens per interval, ARGV[3] interval in ms, ARGV[4] tokens requested
-- Returns {allowed 1|0, tokens left, capacity}.
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
local interval_ms = tonumber(ARGV[3])
local requested = tonumber(ARGV[4])

local bucket = redis.call('HMGET', key, 'tokens', 'last_refill')
local current_tokens = tonumber(bucket[1]) or capacity
local last_refill = tonumber(bucket[2]) or 0

local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)

if last_refill > 0 then
  local elapsed = now_ms - last_refill
  local tokens_to_add = math.floor(elapsed / interval_ms * tokens)
  current_tokens = math.min(capacity, current_tokens + tokens_to_add)
end

local allowed = 0
if current_tokens >= requested then
  current_tokens = current_tokens - requested
  allowed = 1
end
-- Refill time moves on a refusal too, as the reference does.
redis.call('HMSET', key, 'tokens', current_tokens, 'last_refill', now_ms)
redis.call('EXPIRE', key, 3600)
return {allowed, current_tokens, capacity}
