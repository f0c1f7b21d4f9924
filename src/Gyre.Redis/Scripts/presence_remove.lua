-- Removes a client's presence entry; with the user mapping, the user goes when their last client does.
--
-- KEYS[1..4]  as in presence_add.lua
-- ARGV[1]     client id
-- ARGV[2]     user id
-- ARGV[3]     "1" to maintain the user mapping

local removed = redis.call('hdel', KEYS[2], ARGV[1])
redis.call('zrem', KEYS[1], ARGV[1])

if ARGV[3] == '1' and removed == 1 then
    if redis.call('hincrby', KEYS[4], ARGV[2], -1) <= 0 then
        redis.call('hdel', KEYS[4], ARGV[2])
        redis.call('zrem', KEYS[3], ARGV[2])
    end
end
