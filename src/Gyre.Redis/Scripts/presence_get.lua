-- Drops expired presence entries and returns the live ones.
--
-- KEYS[1]  sorted set: client id -> expires at (unix seconds)
-- KEYS[2]  hash: client id -> ClientInfo protobuf
-- ARGV[1]  now, unix seconds
-- Returns  HGETALL of the live entries: client id, info, client id, info, ...

local expired = redis.call('zrangebyscore', KEYS[1], '-inf', ARGV[1])
-- HDEL in batches of 1000: unpack() of a longer list could overflow Lua's C stack (8000 slots).
for i = 1, #expired, 1000 do
    redis.call('hdel', KEYS[2], unpack(expired, i, math.min(i + 999, #expired)))
end
if #expired > 0 then
    redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
end
return redis.call('hgetall', KEYS[2])
