-- Adds or refreshes a client's presence entry. Redis 7.0 has no per-field hash TTL (HEXPIRE is 7.4+), so each
-- entry's expiry lives as a score in a sorted set beside the hash of infos; readers drop entries whose score
-- has passed. The key TTLs only collect channels nobody refreshes any more.
--
-- KEYS[1]  sorted set: client id -> expires at (unix seconds)
-- KEYS[2]  hash: client id -> ClientInfo protobuf
-- KEYS[3]  sorted set: user id -> expires at (user mapping only)
-- KEYS[4]  hash: user id -> number of the user's clients (user mapping only)
-- ARGV[1]  key TTL, seconds
-- ARGV[2]  expires at, unix seconds
-- ARGV[3]  client id
-- ARGV[4]  ClientInfo protobuf
-- ARGV[5]  user id
-- ARGV[6]  "1" to maintain the user mapping

local mapping = ARGV[6] == '1'
local new_client = mapping and redis.call('hexists', KEYS[2], ARGV[3]) == 0

redis.call('zadd', KEYS[1], ARGV[2], ARGV[3])
redis.call('hset', KEYS[2], ARGV[3], ARGV[4])
redis.call('expire', KEYS[1], ARGV[1])
redis.call('expire', KEYS[2], ARGV[1])

if mapping then
    if new_client then
        redis.call('hincrby', KEYS[4], ARGV[5], 1)
    end
    redis.call('zadd', KEYS[3], ARGV[2], ARGV[5])
    redis.call('expire', KEYS[3], ARGV[1])
    redis.call('expire', KEYS[4], ARGV[1])
end
