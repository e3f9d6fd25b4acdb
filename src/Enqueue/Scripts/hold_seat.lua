-- The 3-key seat hold the incident write-up recommends (internal/queue/lua/hold_seat_atomic.lua of
-- traffic-tacos/gateway-api; the gateway never calls it). Keys as the write-up names them, all tagged by event.
-- KEYS[1] seat:{E}:<seat>:status (hash, field = seat id), KEYS[2] hold:{E}:<seat>, KEYS[3] inventory:{E}
-- ARGV[1] seat id, ARGV[2] user id, ARGV[3] hold TTL in seconds
-- Returns {1, remaining} held, {0, 'SEAT_UNAVAILABLE'}, {0, 'SOLD_OUT'}.
local status = redis.call('HGET', KEYS[1], ARGV[1])
if status ~= false and status ~= 'AVAILABLE' then
  return {0, 'SEAT_UNAVAILABLE'}
end
local remaining = redis.call('DECR', KEYS[3])
if remaining < 0 then
  redis.call('INCR', KEYS[3])
  return {0, 'SOLD_OUT'}
end
redis.call('HSET', KEYS[1], ARGV[1], 'HOLD')
redis.call('SETEX', KEYS[2], ARGV[3], ARGV[2])
return {1, tostring(remaining)}
