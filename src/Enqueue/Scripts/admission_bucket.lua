-- The event's admission token bucket, as internal/queue/algorithms.go (TokenBucketAdmission) of
-- traffic-tacos/gateway-api runs it on enter for ranks 11-100. The clock is the gateway's (ARGV[4], unix seconds),
-- not the server's: that is the reference's choice.
-- KEYS[1] admission:bucket:<E>
-- ARGV[1] capacity, ARGV[2] refill per second, ARGV[3] tokens requested, ARGV[4] now (unix seconds)
-- Returns 1 admitted, 0 denied.
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local refill_rate = tonumber(ARGV[2])
local requested = tonumber(ARGV[3])
local now = tonumber(ARGV[4])

local bucket = redis.call('HMGET', key, 'tokens', 'last_refill')
local tokens = tonumber(bucket[1]) or capacity
local last_refill = tonumber(bucket[2]) or now

local new_tokens = tokens + ((now - last_refill) * refill_rate)
if new_tokens > capacity then
  new_tokens = capacity
end

local admitted = 0
if new_tokens >= requested then
  new_tokens = new_tokens - requested
  admitted = 1
end
redis.call('HMSET', key, 'tokens', new_tokens, 'last_refill', now)
redis.call('EXPIRE', key, 3600)
return admitted
