-- Publishes a publication without history unless an earlier publish with the same idempotency key is still
-- remembered.
--
-- KEYS[1]  idempotency result hash: "o" = 0, "e" = "" for a publish without history
-- ARGV[1]  Publication protobuf bytes, as subscribers receive them
-- ARGV[2]  PUB/SUB channel
-- ARGV[3]  "publish" or "spublish"
-- ARGV[4]  idempotency result TTL, milliseconds
-- Returns  { offset, epoch, suppressed (0|1) } of the first publish

local earlier = redis.call('hmget', KEYS[1], 'o', 'e')
if earlier[2] then
    return { tonumber(earlier[1]), earlier[2], 1 }
end

redis.call(ARGV[3], ARGV[2], ARGV[1])
redis.call('hset', KEYS[1], 'o', 0, 'e', '')
redis.call('pexpire', KEYS[1], ARGV[4])
return { 0, '', 0 }
