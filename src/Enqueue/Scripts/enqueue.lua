-- Waiting-queue join, atomic on one slot.
-- KEYS[1] dedupe key, KEYS[2] stream key (both must share a hash tag on a cluster)
-- ARGV[1] token, ARGV[2] event_id, ARGV[3] user_id, ARGV[4] dedupe TTL in seconds
-- Returns {1, streamId} when enqueued, {0, 'DUPLICATE'} when the idempotency key was already seen.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, 'DUPLICATE'}
end
-- Server clock, not the gateway's: ordering and wait-time maths use one clock per shard.
local now = redis.call('TIME')
local ts = now[1] .. string.format('%06d', tonumber(now[2]))
local id = redis.call('XADD', KEYS[2], '*',
  'token', ARGV[1], 'event_id', ARGV[2], 'user_id', ARGV[3], 'timestamp', ts)
redis.call('SETEX', KEYS[1], ARGV[4], id)
return {1, id}
