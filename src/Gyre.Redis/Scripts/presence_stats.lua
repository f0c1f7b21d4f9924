-- Drops expired clients and users, then counts what is left (user mapping only: without it, stats are
-- computed from presence_get.lua's entries).
--
-- KEYS[1..4]  as in presence_add.lua
-- ARGV[1]     now, unix seconds
-- Returns     { clients, users }

local function drop_expired(zset, hash)
    local expired = redis.call('zrangebyscore', zset, '-inf', ARGV[1])
    -- HDEL in batches of 1000: unpack() of a longer list could overflow Lua's C stack (8000 slots).
    for i = 1, #expired, 1000 do
        redis.call('hdel', hash, unpack(expired, i, math.min(i + 999, #expired)))
    end
    if #expired > 0 then
        redis.call('zremrangebyscore', zset, '-inf', ARGV[1])
    end
end

drop_expired(KEYS[1], KEYS[2])
drop_expired(KEYS[3], KEYS[4])
return { redis.call('zcard', KEYS[1]), redis.call('zcard', KEYS[3]) }
